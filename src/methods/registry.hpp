// MethodRegistry: the methods this service offers, looked up by kind. The one
// place that names the concrete methods is registry.cpp (the composition list).
#pragma once

#include <map>
#include <memory>

#include "core/method.hpp"

namespace latchkey {

struct Config;
class PasswordHasher;
struct TotpMethodOptions;
struct WebAuthnMethodOptions;
struct SecurityQuestionsOptions;

class MethodRegistry {
 public:
  // Adds a method; when it also implements Enroller, people can register it.
  void Add(std::unique_ptr<Method> method);
  // Null when the kind is not offered.
  Method* Find(MethodKind kind) const;
  // Null when people cannot register the kind themselves.
  Enroller* FindEnroller(MethodKind kind) const;

 private:
  std::map<MethodKind, std::unique_ptr<Method>> methods_;
  std::map<MethodKind, Enroller*> enrollers_;
};

// Every method the configuration enables. `hasher` (Argon2id for security
// answers) must outlive the registry.
std::unique_ptr<MethodRegistry> MakeDefaultRegistry(const Config& config,
                                                    const PasswordHasher& hasher);

// Each method's options as the configuration sets them (defaults filled in from
// [server] and [branding]).
TotpMethodOptions TotpOptionsFrom(const Config& config);
WebAuthnMethodOptions WebAuthnOptionsFrom(const Config& config);
SecurityQuestionsOptions SecurityQuestionsOptionsFrom(const Config& config);

}  // namespace latchkey
