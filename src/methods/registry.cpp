#include "methods/registry.hpp"

#include "config/config.hpp"
#include "methods/email_code/email_code_method.hpp"
#include "methods/office_phone/office_phone_method.hpp"
#include "methods/sms_code/sms_code_method.hpp"
#include "methods/voice_code/voice_code_method.hpp"
#include "methods/recovery_code/recovery_code_method.hpp"
#include "methods/security_questions/security_questions_method.hpp"
#include "methods/totp/totp_method.hpp"
#include "methods/webauthn/webauthn_method.hpp"

namespace latchkey {

void MethodRegistry::Add(std::unique_ptr<Method> method) {
  const MethodKind k = method->kind();
  if (auto* e = dynamic_cast<Enroller*>(method.get())) {
    enrollers_[k] = e;
  } else {
    enrollers_.erase(k);
  }
  methods_[k] = std::move(method);
}

Enroller* MethodRegistry::FindEnroller(MethodKind kind) const {
  auto it = enrollers_.find(kind);
  return it == enrollers_.end() ? nullptr : it->second;
}

Method* MethodRegistry::Find(MethodKind kind) const {
  auto it = methods_.find(kind);
  return it == methods_.end() ? nullptr : it->second.get();
}

TotpMethodOptions TotpOptionsFrom(const Config& config) {
  TotpMethodOptions o;
  o.params.algorithm = totp::ParseAlgorithm(config.totp.algorithm).value_or(totp::Algorithm::kSha1);
  o.params.digits = config.totp.digits;
  o.params.period_seconds = config.totp.period;
  o.issuer = config.totp.issuer.empty() ? config.branding.organisation_name : config.totp.issuer;
  o.max_per_account = config.totp.max_per_user;
  return o;
}

WebAuthnMethodOptions WebAuthnOptionsFrom(const Config& config) {
  WebAuthnMethodOptions o;
  o.rp_id = config.webauthn.rp_id.empty() ? UrlHost(config.server.public_url) : config.webauthn.rp_id;
  o.rp_name =
      config.webauthn.rp_name.empty() ? config.branding.organisation_name : config.webauthn.rp_name;
  o.origins = config.webauthn.origins;
  if (o.origins.empty()) o.origins.push_back(UrlOrigin(config.server.public_url));
  o.require_user_verification = config.webauthn.require_user_verification;
  o.max_per_account = config.webauthn.max_per_user;
  return o;
}

SecurityQuestionsOptions SecurityQuestionsOptionsFrom(const Config& config) {
  const auto& c = config.security_questions;
  SecurityQuestionsOptions o;
  if (!c.questions.empty()) o.questions.clear();
  for (const auto* list : {&c.questions, &c.custom_questions}) {
    for (const auto& entry : *list) {
      if (std::optional<QuestionEntry> q = ParseQuestionEntry(entry)) {
        o.questions.push_back({q->id, q->text});
      }
    }
  }
  o.count_to_register = c.count_to_register;
  o.count_to_ask = c.count_to_ask;
  o.helpdesk_question = c.helpdesk_question;
  return o;
}

std::unique_ptr<MethodRegistry> MakeDefaultRegistry(const Config& config,
                                                    const PasswordHasher& hasher) {
  auto registry = std::make_unique<MethodRegistry>();
  EmailMethodOptions email;
  email.codes = {config.codes.length, std::chrono::minutes(config.codes.email_lifetime_minutes)};
  email.max_per_account = config.registration.max_emails;
  email.forbidden_domains = config.registration.email_forbidden_domains;
  registry->Add(MakeEmailCodeMethod(email));
  PhoneMethodOptions phone;
  phone.codes = {config.codes.length, std::chrono::minutes(config.codes.phone_lifetime_minutes)};
  phone.default_region = config.phone.default_region;
  registry->Add(MakeSmsCodeMethod(phone));
  registry->Add(MakeVoiceCodeMethod(phone));
  registry->Add(MakeOfficePhoneMethod(phone.codes));
  registry->Add(MakeTotpMethod(TotpOptionsFrom(config)));
  registry->Add(MakeWebAuthnMethod(WebAuthnOptionsFrom(config)));
  registry->Add(MakeRecoveryCodeMethod(RecoveryCodeOptions{config.recovery_codes.count}));
  // Off unless turned on: knowledge-based answers are the weakest method there is.
  if (config.security_questions.enabled) {
    registry->Add(MakeSecurityQuestionsMethod(SecurityQuestionsOptionsFrom(config), hasher));
  }
  return registry;
}

}  // namespace latchkey
