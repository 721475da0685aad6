#include "methods/registry.hpp"

#include "config/config.hpp"
#include "methods/email_code/email_code_method.hpp"
#include "methods/office_phone/office_phone_method.hpp"
#include "methods/sms_code/sms_code_method.hpp"
#include "methods/voice_code/voice_code_method.hpp"

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

std::unique_ptr<MethodRegistry> MakeDefaultRegistry(const Config& config) {
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
  return registry;
}

}  // namespace latchkey
