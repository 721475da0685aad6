// MethodRegistry: the methods this service offers, looked up by kind. The one
// place that names the concrete methods is registry.cpp (the composition list).
#pragma once

#include <map>
#include <memory>

#include "core/method.hpp"

namespace latchkey {

struct Config;

class MethodRegistry {
 public:
  void Add(std::unique_ptr<Method> method);
  // Null when the kind is not offered.
  Method* Find(MethodKind kind) const;

 private:
  std::map<MethodKind, std::unique_ptr<Method>> methods_;
};

// Every method the configuration enables.
std::unique_ptr<MethodRegistry> MakeDefaultRegistry(const Config& config);

}  // namespace latchkey
