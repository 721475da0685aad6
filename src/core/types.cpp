// String forms of the core enums. Each is part of the contract or the schema:
// changing one is a breaking change.
#include <array>
#include <string_view>

#include "core/account.hpp"
#include "core/enrollment.hpp"
#include "core/flow.hpp"
#include "core/method_kind.hpp"

namespace latchkey {
namespace {

template <class E, std::size_t N>
std::optional<E> ParseFrom(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 4> kAccountStatus = {"active", "locked", "disabled",
                                                            "pending_activation"};
constexpr std::array<std::string_view, 8> kMethodKind = {
    "email", "sms", "voice", "office_phone", "totp", "webauthn", "security_questions",
    "recovery_code"};
constexpr std::array<std::string_view, 2> kEnrollmentState = {"pending", "active"};
constexpr std::array<std::string_view, 3> kEnrollmentSource = {"user", "admin", "directory"};
constexpr std::array<std::string_view, 3> kFlowKind = {"reset", "unlock", "activate"};
constexpr std::array<std::string_view, 6> kFlowState = {"choose_method", "verify", "set_password",
                                                        "done",          "expired", "blocked"};

}  // namespace

std::string_view ToString(AccountStatus s) { return kAccountStatus.at(static_cast<std::size_t>(s)); }
std::optional<AccountStatus> ParseAccountStatus(std::string_view t) {
  return ParseFrom<AccountStatus>(kAccountStatus, t);
}
std::string_view ToString(MethodKind k) { return kMethodKind.at(static_cast<std::size_t>(k)); }
std::optional<MethodKind> ParseMethodKind(std::string_view t) {
  return ParseFrom<MethodKind>(kMethodKind, t);
}
std::string_view ToString(EnrollmentState s) {
  return kEnrollmentState.at(static_cast<std::size_t>(s));
}
std::optional<EnrollmentState> ParseEnrollmentState(std::string_view t) {
  return ParseFrom<EnrollmentState>(kEnrollmentState, t);
}
std::string_view ToString(EnrollmentSource s) {
  return kEnrollmentSource.at(static_cast<std::size_t>(s));
}
std::optional<EnrollmentSource> ParseEnrollmentSource(std::string_view t) {
  return ParseFrom<EnrollmentSource>(kEnrollmentSource, t);
}
std::string_view ToString(FlowKind k) { return kFlowKind.at(static_cast<std::size_t>(k)); }
std::optional<FlowKind> ParseFlowKind(std::string_view t) { return ParseFrom<FlowKind>(kFlowKind, t); }
std::string_view ToString(FlowState s) { return kFlowState.at(static_cast<std::size_t>(s)); }
std::optional<FlowState> ParseFlowState(std::string_view t) {
  return ParseFrom<FlowState>(kFlowState, t);
}

const GateOption* Flow::FindOption(std::string_view option_id) const {
  for (const auto& o : options) {
    if (o.id == option_id) return &o;
  }
  return nullptr;
}

bool Flow::HasPassed(std::string_view option_id) const {
  for (const auto& p : passed) {
    if (p == option_id) return true;
  }
  return false;
}

FlowState Flow::EffectiveState(TimePoint now) const {
  if (state == FlowState::kDone || state == FlowState::kBlocked) return state;
  if (now >= expires_at) return FlowState::kExpired;
  return state;
}

}  // namespace latchkey
