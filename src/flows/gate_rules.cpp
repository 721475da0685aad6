#include "flows/gate_rules.hpp"

#include <algorithm>

namespace latchkey {
namespace {

// Texts and calls to the mobile are one method.
int Family(MethodKind kind) {
  return kind == MethodKind::kVoice ? static_cast<int>(MethodKind::kSms) : static_cast<int>(kind);
}

bool Secondary(const GateRules& rules, MethodKind kind) {
  return rules.secondary_only && rules.secondary_only(kind);
}

}  // namespace

bool IsStrongGate(MethodKind kind) {
  return kind == MethodKind::kTotp || kind == MethodKind::kWebauthn ||
         kind == MethodKind::kRecoveryCode;
}

Status CheckGate(const Flow& flow, const GateOption& option, const GateRules& rules) {
  if (flow.HasPassed(option.id)) {
    return Status::OutOfOrder("You have already used that method. Choose another one.");
  }
  bool passed_strong = false;
  bool passed_primary = false;
  for (const std::string& id : flow.passed) {
    const GateOption* p = flow.FindOption(id);
    if (p == nullptr) continue;
    if (Family(p->kind) == Family(option.kind)) {
      return Status::InvalidArgument("method_not_allowed",
                                     "Use a different kind of method for this step.", "method");
    }
    passed_strong = passed_strong || IsStrongGate(p->kind);
    passed_primary = passed_primary || !Secondary(rules, p->kind);
  }
  const bool last_gate = flow.gates_passed() + 1 >= flow.gates_required;
  if (!last_gate) return Status::Ok();
  if (rules.require_strong && !passed_strong && !IsStrongGate(option.kind)) {
    const bool has_strong = std::any_of(flow.options.begin(), flow.options.end(),
                                        [](const GateOption& o) { return IsStrongGate(o.kind); });
    if (has_strong) {
      return Status::InvalidArgument(
          "strong_method_required",
          "Use your authenticator app, your security key or a recovery code for this step.",
          "method");
    }
  }
  if (!passed_primary && Secondary(rules, option.kind)) {
    return Status::InvalidArgument("method_not_allowed",
                                   "Security questions cannot be the only check. Choose another "
                                   "method.",
                                   "method");
  }
  return Status::Ok();
}

std::vector<std::string> OfferedOptions(const Flow& flow, const GateRules& rules) {
  std::vector<std::string> out;
  if (flow.gates_passed() >= flow.gates_required) return out;  // verified: nothing left to choose
  for (const GateOption& o : flow.options) {
    if (CheckGate(flow, o, rules).ok()) out.push_back(o.id);
  }
  return out;
}

void DropUnusableOptions(Flow& flow, const GateRules& rules) {
  if (flow.gates_required > 1) return;
  std::erase_if(flow.options, [&](const GateOption& o) { return Secondary(rules, o.kind); });
}

}  // namespace latchkey
