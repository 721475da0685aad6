#include "methods/email_code/email_code_method.hpp"

#include <nlohmann/json.hpp>

#include "core/mask.hpp"
#include "crypto/keys.hpp"
#include "delivery/mime.hpp"

namespace latchkey {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class EmailCodeMethod final : public Method, public Enroller {
 public:
  explicit EmailCodeMethod(EmailMethodOptions options) : o_(std::move(options)) {
    for (auto& d : o_.forbidden_domains) d = Lower(d);
  }

  MethodKind kind() const override { return MethodKind::kEmail; }

  bool IsUsable(const Enrollment& e) const override {
    return e.kind == MethodKind::kEmail && e.state == EnrollmentState::kActive && !e.secret.empty();
  }

  Status Begin(GateContext& ctx, const Enrollment* e) override {
    const CodePurpose purpose = CodePurpose::kReset;
    if (e == nullptr) return IssueCode(ctx, purpose, o_.codes, Channel::kEmail, {}, {});
    return IssueCode(ctx, purpose, o_.codes, Channel::kEmail, e->secret.view(), e->hint);
  }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    return CheckCode(ctx, answer, e == nullptr);
  }

  Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) override {
    const auto body = nlohmann::json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("address") ||
        !body["address"].is_string()) {
      return Status::InvalidArgument("missing_field", "Enter the email address.", "address");
    }
    std::string address = body["address"].get<std::string>();
    address.erase(0, address.find_first_not_of(" \t"));
    address.erase(address.find_last_not_of(" \t") + 1);
    if (!IsPlausibleAddress(address)) {
      return Status::InvalidArgument("invalid_email", "That is not an email address.", "address");
    }
    const std::string domain = Lower(address.substr(address.find('@') + 1));
    for (const auto& d : o_.forbidden_domains) {
      if (domain == d || (domain.size() > d.size() && domain.compare(domain.size() - d.size(), d.size(), d) == 0 &&
                          domain[domain.size() - d.size() - 1] == '.')) {
        return Status::InvalidArgument(
            "forbidden_email_domain",
            "Use a personal address, not one of the organisation's own: you need it when you "
            "cannot sign in to your organisation account.",
            "address");
      }
    }
    const std::string lookup = ctx.keys.Lookup("email", Lower(address));
    int count = 0;
    for (const auto& e : ctx.existing) {
      if (e.kind != MethodKind::kEmail) continue;
      if (e.lookup == lookup && e.state == EnrollmentState::kActive) {
        return Status::Conflict("That address is already registered.").WithDetail("duplicate email");
      }
      ++count;
    }
    if (count >= o_.max_per_account) {
      return Status::Error(Errc::kConflict, "too_many_methods",
                           "You have registered the most email addresses allowed. Remove one first.");
    }
    Enrollment e;
    e.id = "m_" + ctx.random.Token(12);
    e.account_id = ctx.account.id;
    e.kind = MethodKind::kEmail;
    e.state = EnrollmentState::kPending;
    e.source = EnrollmentSource::kUser;
    e.hint = MaskEmail(address);
    e.secret = SecretString(address);
    e.lookup = lookup;
    e.created_at = ctx.clock.Now();
    Result<std::string> blob = IssueCode(ctx.clock, ctx.random, ctx.keys, "enroll:" + e.id, e.id,
                                         ctx.sender, CodePurpose::kRegistration, o_.codes,
                                         Channel::kEmail, address, e.hint);
    if (!blob.ok()) return blob.status();
    e.pending = SecretString(std::move(blob).value());
    ctx.response = nlohmann::json{{"hint", e.hint}, {"code_length", o_.codes.length}}.dump();
    return e;
  }

  Status FinishEnroll(EnrollContext& ctx, Enrollment& pending, std::string_view request_json) override {
    const auto body = nlohmann::json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("code") || !body["code"].is_string()) {
      return Status::InvalidArgument("missing_field", "Enter the code we sent.", "code");
    }
    std::string blob(pending.pending.view());
    LK_RETURN_IF_ERROR(CheckCode(ctx.clock, ctx.keys, "enroll:" + pending.id, pending.id, blob,
                                 SecretString(body["code"].get<std::string>()), false));
    pending.state = EnrollmentState::kActive;
    pending.confirmed_at = ctx.clock.Now();
    pending.pending = SecretString();
    return Status::Ok();
  }

 private:
  EmailMethodOptions o_;
};

}  // namespace

std::unique_ptr<Method> MakeEmailCodeMethod(const EmailMethodOptions& options) {
  return std::make_unique<EmailCodeMethod>(options);
}

std::unique_ptr<Method> MakeEmailCodeMethod(const CodeOptions& codes) {
  EmailMethodOptions o;
  o.codes = codes;
  return std::make_unique<EmailCodeMethod>(o);
}

}  // namespace latchkey
