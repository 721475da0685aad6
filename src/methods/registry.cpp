#include "methods/registry.hpp"

#include "config/config.hpp"
#include "methods/email_code/email_code_method.hpp"

namespace latchkey {

void MethodRegistry::Add(std::unique_ptr<Method> method) {
  const MethodKind k = method->kind();
  methods_[k] = std::move(method);
}

Method* MethodRegistry::Find(MethodKind kind) const {
  auto it = methods_.find(kind);
  return it == methods_.end() ? nullptr : it->second.get();
}

std::unique_ptr<MethodRegistry> MakeDefaultRegistry(const Config& config) {
  auto registry = std::make_unique<MethodRegistry>();
  registry->Add(MakeEmailCodeMethod(
      {config.codes.length, std::chrono::minutes(config.codes.email_lifetime_minutes)}));
  return registry;
}

}  // namespace latchkey
