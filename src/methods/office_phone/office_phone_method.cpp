#include "methods/office_phone/office_phone_method.hpp"

#include "core/mask.hpp"

namespace latchkey {
namespace {

class OfficePhoneMethod final : public Method {
 public:
  explicit OfficePhoneMethod(CodeOptions codes) : codes_(codes) {}

  MethodKind kind() const override { return MethodKind::kOfficePhone; }

  bool IsUsable(const Enrollment& e) const override {
    return e.kind == MethodKind::kOfficePhone && e.state == EnrollmentState::kActive &&
           !e.secret.empty();
  }

  Status Begin(GateContext& ctx, const Enrollment* e) override {
    if (e == nullptr) return IssueCode(ctx, CodePurpose::kReset, codes_, Channel::kVoice, {}, {});
    return IssueCode(ctx, CodePurpose::kReset, codes_, Channel::kVoice, e->secret.view(), e->hint);
  }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    return CheckCode(ctx, answer, e == nullptr);
  }

 private:
  const CodeOptions codes_;
};

}  // namespace

std::unique_ptr<Method> MakeOfficePhoneMethod(const CodeOptions& codes) {
  return std::make_unique<OfficePhoneMethod>(codes);
}

Result<Enrollment> MakeOfficePhoneEnrollment(std::string_view typed, std::string_view default_region,
                                             AccountId account, const KeyRing& keys,
                                             const Clock& clock, Random& random) {
  Result<PhoneNumber> p = ParseNumberFor(LineUse::kOfficeLine, typed, default_region);
  if (!p.ok()) return p.status();
  Enrollment e;
  e.id = "m_" + random.Token(12);
  e.account_id = account;
  e.kind = MethodKind::kOfficePhone;
  e.state = EnrollmentState::kActive;
  e.source = EnrollmentSource::kAdmin;
  e.label = "Office phone";
  e.hint = MaskPhone(p->e164, p->country_code);
  e.secret = SecretString(p->e164);
  e.lookup = PhoneLookup(keys, p->e164);
  e.created_at = clock.Now();
  e.confirmed_at = clock.Now();
  return e;
}

}  // namespace latchkey
