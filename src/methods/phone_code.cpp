#include "methods/phone_code.hpp"

#include <nlohmann/json.hpp>

#include "core/mask.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"

namespace latchkey {
namespace {

Status Refuse(std::string reason, std::string message) {
  return Status::InvalidArgument(std::move(reason), std::move(message), "phone");
}

class PhoneCodeMethod final : public Method, public Enroller {
 public:
  PhoneCodeMethod(MethodKind kind, Channel channel, LineUse use, PhoneMethodOptions options)
      : kind_(kind), channel_(channel), use_(use), o_(std::move(options)) {}

  MethodKind kind() const override { return kind_; }

  bool IsUsable(const Enrollment& e) const override {
    return e.kind == kind_ && e.state == EnrollmentState::kActive && !e.secret.empty();
  }

  Status Begin(GateContext& ctx, const Enrollment* e) override {
    if (e == nullptr) return IssueCode(ctx, CodePurpose::kReset, o_.codes, channel_, {}, {});
    return IssueCode(ctx, CodePurpose::kReset, o_.codes, channel_, e->secret.view(), e->hint);
  }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    return CheckCode(ctx, answer, e == nullptr);
  }

  Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) override {
    const auto body = nlohmann::json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("phone") ||
        !body["phone"].is_string()) {
      return Refuse("missing_field", "Enter your mobile phone number.");
    }
    Result<PhoneNumber> number = ParseNumberFor(use_, body["phone"].get<std::string>(), o_.default_region);
    if (!number.ok()) return number.status();
    const std::string lookup = PhoneLookup(ctx.keys, number->e164);
    int count = 0;
    for (const auto& e : ctx.existing) {
      if (e.kind != kind_) continue;
      if (e.lookup == lookup && e.state == EnrollmentState::kActive) {
        return Status::Conflict("That number is already registered.").WithDetail("duplicate phone");
      }
      ++count;
    }
    if (count >= o_.max_per_account) {
      return Status::Error(Errc::kConflict, "too_many_methods",
                           "You have registered the most phone numbers allowed for this. Remove "
                           "one first.");
    }
    Enrollment e;
    e.id = "m_" + ctx.random.Token(12);
    e.account_id = ctx.account.id;
    e.kind = kind_;
    e.state = EnrollmentState::kPending;
    e.source = EnrollmentSource::kUser;
    e.hint = MaskPhone(number->e164, number->country_code);
    e.secret = SecretString(number->e164);
    e.lookup = lookup;
    e.created_at = ctx.clock.Now();
    Result<std::string> blob =
        IssueCode(ctx.clock, ctx.random, ctx.keys, "enroll:" + e.id, e.id, ctx.sender,
                  CodePurpose::kRegistration, o_.codes, channel_, number->e164, e.hint);
    if (!blob.ok()) return blob.status();
    e.pending = SecretString(std::move(blob).value());
    ctx.response = nlohmann::json{{"hint", e.hint},
                                  {"channel", std::string(ToString(channel_))},
                                  {"code_length", o_.codes.length}}
                       .dump();
    return e;
  }

  Status FinishEnroll(EnrollContext& ctx, Enrollment& pending, std::string_view request_json) override {
    const auto body = nlohmann::json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("code") || !body["code"].is_string()) {
      return Status::InvalidArgument("missing_field", "Enter the code we sent.", "code");
    }
    if (pending.kind != kind_ || pending.state != EnrollmentState::kPending) {
      return Status::OutOfOrder("That number is not waiting for a code.");
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
  const MethodKind kind_;
  const Channel channel_;
  const LineUse use_;
  const PhoneMethodOptions o_;
};

}  // namespace

Result<PhoneNumber> ParseNumberFor(LineUse use, std::string_view typed,
                                   std::string_view default_region) {
  Result<PhoneNumber> p = ParsePhone(typed, default_region);
  if (!p.ok()) return p.status();
  switch (p->type) {
    case PhoneLineType::kMobile:
    case PhoneLineType::kFixedLineOrMobile:
    case PhoneLineType::kUnknown:
      return p;
    case PhoneLineType::kFixedLine:
      if (use == LineUse::kTexts) {
        return Refuse("landline_number",
                      "That is a landline number: it cannot receive text messages. Enter a "
                      "mobile number, or register this one for phone calls.");
      }
      return p;
    case PhoneLineType::kVoip:
      if (use == LineUse::kOfficeLine) return p;
      return Refuse("voip_number",
                    "Internet (VoIP) numbers cannot be used: anyone can take one over. Enter the "
                    "number of your mobile phone.");
    case PhoneLineType::kTollFree:
      if (use == LineUse::kOfficeLine) return p;
      break;
    case PhoneLineType::kPremiumRate:
    case PhoneLineType::kSharedCost:
    case PhoneLineType::kPersonalNumber:
    case PhoneLineType::kUan:
    case PhoneLineType::kPager:
    case PhoneLineType::kVoicemail:
      break;
  }
  return Refuse("unsupported_number",
                use == LineUse::kOfficeLine
                    ? "That kind of number (premium-rate, shared-cost, personal or forwarding) "
                      "cannot be used."
                    : "That kind of number cannot be used. Enter the number of your mobile phone.");
}

Status ConfirmTypedNumber(std::string_view typed, const Enrollment& enrollment,
                          std::string_view default_region) {
  Result<PhoneNumber> p = ParsePhone(typed, default_region);
  // Not a number: compare something that cannot match, doing the same work.
  const std::string candidate = p.ok() ? p->e164 : std::string("\x01not-a-number");
  const bool same = ConstantTimeEquals(Sha256Hex("phone-confirm:" + candidate),
                                       Sha256Hex("phone-confirm:" + std::string(enrollment.secret.view())));
  if (!same || !p.ok() || enrollment.secret.empty()) {
    return Status::VerifyFailed("number_mismatch", "That is not the number we have on file.");
  }
  return Status::Ok();
}

std::string PhoneLookup(const KeyRing& keys, std::string_view e164) { return keys.Lookup("phone", e164); }

std::unique_ptr<Method> MakePhoneCodeMethod(MethodKind kind, Channel channel, LineUse use,
                                            const PhoneMethodOptions& options) {
  return std::make_unique<PhoneCodeMethod>(kind, channel, use, options);
}

}  // namespace latchkey
