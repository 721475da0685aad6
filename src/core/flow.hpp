// Flow: a self-service reset, unlock or activation in progress.
//
// A flow is a server-side record with an unguessable id (the client holds the id;
// the store keeps only its SHA-256), a state from the contract, an expiry and the
// gate options offered to the user. Each method keeps its pending data (a code's
// keyed hash, a challenge) in its own opaque blob, so the flow never needs to know
// what is inside.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/method_kind.hpp"

namespace latchkey {

enum class FlowKind : std::uint8_t { kReset, kUnlock, kActivate };
enum class FlowState : std::uint8_t {
  kChooseMethod,
  kVerify,
  kSetPassword,
  kDone,
  kExpired,
  kBlocked,
};

std::string_view ToString(FlowKind kind);
std::optional<FlowKind> ParseFlowKind(std::string_view text);
std::string_view ToString(FlowState state);
std::optional<FlowState> ParseFlowState(std::string_view text);

// One way the user may pass a gate, as offered in this flow.
struct GateOption {
  std::string id;             // per-flow opaque id: stable ids would let flows be correlated
  MethodKind kind = MethodKind::kEmail;
  std::string hint;           // masked destination
  std::string enrollment_id;  // empty for the options of a phantom flow
};

struct Flow {
  std::string id_hash;  // hex SHA-256 of the client's flow id
  FlowKind kind = FlowKind::kReset;
  FlowState state = FlowState::kChooseMethod;
  // Empty for a phantom flow: an unknown, disabled or unregistered account. Such a
  // flow looks and behaves like a real one, but no gate ever passes.
  std::optional<AccountId> account_id;
  std::string subject_key;  // keyed hash of the normalised username (rate limits, audit)
  int gates_required = 1;
  std::vector<GateOption> options;
  std::vector<std::string> passed;        // ids of options already passed, in order
  std::string active_option;              // the option last challenged
  std::map<std::string, std::string> method_state;  // option id -> the method's blob
  int failures = 0;                        // wrong answers in this flow, all methods
  // While a completion is writing to the directory, other completions wait.
  std::optional<TimePoint> completing_until;
  std::string ip;                          // where the flow was started
  TimePoint created_at{};
  TimePoint updated_at{};
  TimePoint expires_at{};
  std::int64_t version = 1;

  bool phantom() const { return !account_id.has_value(); }
  const GateOption* FindOption(std::string_view option_id) const;
  bool HasPassed(std::string_view option_id) const;
  int gates_passed() const { return static_cast<int>(passed.size()); }
  // The state as seen at `now`: an unfinished flow past its expiry is kExpired.
  FlowState EffectiveState(TimePoint now) const;
  // A short, non-secret reference for logs and audit (a prefix of id_hash).
  std::string_view ref() const { return std::string_view(id_hash).substr(0, 12); }
};

}  // namespace latchkey
