#include "methods/email_code/email_code_method.hpp"

namespace latchkey {
namespace {

class EmailCodeMethod final : public Method {
 public:
  explicit EmailCodeMethod(const CodeOptions& options) : options_(options) {}

  MethodKind kind() const override { return MethodKind::kEmail; }

  bool IsUsable(const Enrollment& e) const override {
    return e.kind == MethodKind::kEmail && e.state == EnrollmentState::kActive && !e.secret.empty();
  }

  Status Begin(GateContext& ctx, const Enrollment* e) override {
    if (e == nullptr) return IssueCode(ctx, options_, Channel::kEmail, {}, ctx.option.hint);
    return IssueCode(ctx, options_, Channel::kEmail, e->secret.view(), e->hint);
  }

  Status Verify(GateContext& ctx, const Enrollment* e, const Answer& answer) override {
    return CheckCode(ctx, answer, e == nullptr);
  }

 private:
  const CodeOptions options_;
};

}  // namespace

std::unique_ptr<Method> MakeEmailCodeMethod(const CodeOptions& options) {
  return std::make_unique<EmailCodeMethod>(options);
}

}  // namespace latchkey
