// FlowService: the self-service flows (reset now; unlock and activate share it)
// as explicit state machines over verification gates.
//
//   choose_method --challenge--> verify --verify ok--> set_password --complete--> done
//        ^                         |  (more gates needed: back to choose_method)
//        +-------------------------+
//   any unfinished state --(lifetime over)--> expired
//   verify --(max_failures wrong answers)--> blocked
//
// Each operation checks the current state first and answers kOutOfOrder when the
// call does not fit it. An unknown, disabled or unregistered username gets a
// phantom flow: same status codes, same shape, same work, but no gate passes.
// Thread-safe: concurrent calls on one flow are serialised by the store's
// optimistic versioning (the loser gets kConflict).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/cidr.hpp"
#include "core/clock.hpp"
#include "core/flow.hpp"
#include "core/method.hpp"
#include "core/rate_limiter.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"
#include "core/throttle.hpp"
#include "flows/gate_rules.hpp"

namespace latchkey {

class Altcha;
class Directory;
class KeyRing;
class MessageTemplates;
class MethodRegistry;
class PasswordHistory;
class PasswordPolicy;
class PhoneGuard;
class Store;
class Tx;

struct FlowSettings {
  Millis lifetime = std::chrono::minutes(15);
  int max_failures = 5;
  int gates_required = 1;
  Millis completion_lease = std::chrono::seconds(60);
  RateSpec start_per_ip{30, std::chrono::minutes(1)};
  RateSpec start_per_account{10, std::chrono::minutes(15)};
  RateSpec verify_per_ip{60, std::chrono::minutes(1)};
  RateSpec send_per_destination{5, std::chrono::minutes(15)};
  bool dev_outbox = true;  // emails stay in the outbox (no SMTP relay configured)
  bool sms_dev_outbox = true;    // texts stay in the outbox ([sms] provider = "outbox")
  bool voice_dev_outbox = true;  // calls stay in the outbox ([voice] provider = "outbox")
  std::string organisation = "Latchkey";
  std::string helpdesk;
  // One gate must be the person's strong method when they have one (gate_rules.hpp).
  bool require_strong_gate = true;
  // Phone gates first ask for the full number on file (Entra's check).
  bool confirm_phone_number = false;
  // Tell a person with too little registered at the start, instead of a look-alike
  // flow (reveals that the account exists).
  bool reveal_unregistered = false;
  std::string default_region;  // for typed numbers in national format
  // Normalised usernames of the administrators ([flows] admin_accounts).
  std::set<std::string> admin_keys;
  // Entra's throttles ([throttle]): per person (keyed username), kept in the store.
  ThrottleRule verify_throttle{5, std::chrono::hours(1), std::chrono::hours(24)};
  ThrottleRule email_throttle{10, std::chrono::minutes(10), std::chrono::hours(24)};
  ThrottleRule failed_flow_throttle{5, std::chrono::hours(24), std::chrono::hours(24)};
  // Clients here start flows without a CAPTCHA ([captcha] skip_trusted).
  std::vector<Cidr> captcha_exempt;
};

struct FlowDeps {
  Store& store;
  Directory& directory;
  const Clock& clock;
  Random& random;
  const KeyRing& keys;
  RateLimiter& limiter;
  const MethodRegistry& methods;
  const MessageTemplates& templates;
  const PasswordPolicy& policy;
  const PasswordHistory& history;
  std::function<void()> on_enqueue;  // wakes the delivery worker; may be empty
  PhoneGuard* phone_guard = nullptr;  // toll-fraud checks; without it no SMS or voice code goes
  Altcha* captcha = nullptr;          // null: no CAPTCHA on flow start
};

// What a caller learns about a flow.
struct FlowView {
  std::string id;       // the client's flow id
  Flow flow;            // as stored
  FlowState state{};    // effective state (kExpired once the lifetime is over)
  // After a challenge: what the method gives the client (a WebAuthn request's
  // options, the questions to answer) as a JSON object, or "".
  std::string challenge = {};
  // The ids of the options the person may choose next (gate_rules.hpp); the others
  // are not shown.
  std::vector<std::string> offered = {};
};

struct StartRequest {
  FlowKind kind = FlowKind::kReset;
  std::string username;
  std::string ip;
  std::string captcha = {};  // the solved challenge (the widget's base64 payload)
  SecretString activation_code = {};  // kind activate: the code the administrator issued
};

class FlowService {
 public:
  FlowService(FlowDeps deps, FlowSettings settings);

  // Starts a flow. kInvalidArgument for a malformed username or a kind not offered;
  // kRateLimited per client address and per username.
  Result<FlowView> Start(const StartRequest& request);
  // kNotFound for an unknown id (or one purged after expiry).
  Result<FlowView> Get(std::string_view flow_id);
  // Sends a code for `option_id`. kInvalidArgument (unknown option), kOutOfOrder,
  // kExpired, kForbidden (blocked), kRateLimited.
  // `confirm`: the full phone number, when [flows] confirm_phone_number asks for it.
  Result<FlowView> Challenge(std::string_view flow_id, std::string_view option_id,
                             std::string_view ip, std::string_view confirm = {});
  // Checks an answer. A wrong answer counts towards max_failures and is reported as
  // kVerifyFailed (or kForbidden "flow_blocked" when it was the last allowed).
  Result<FlowView> Verify(std::string_view flow_id, std::string_view option_id,
                          const Answer& answer, std::string_view ip);
  // Reset: sets the new password. kPolicyRejected, with every broken rule in
  // Status::violations(), when the policy (history included) or the directory
  // refuses it; the flow stays in set_password so the user may try another.
  // Unlock: `new_password` is ignored; the directory unlocks the account.
  Result<FlowView> Complete(std::string_view flow_id, const SecretString& new_password,
                            std::string_view ip);

  const FlowSettings& settings() const { return settings_; }

 private:
  struct Loaded;
  friend struct Loaded;
  Result<Loaded> Load(Tx& tx, std::string_view flow_id);
  Status CheckActive(const Flow& flow, TimePoint now, bool want_set_password) const;
  void Audit(Tx& tx, const Flow& flow, std::string_view event, std::string_view outcome,
             std::string_view reason, std::string_view method, std::string_view ip,
             const std::string& subject);
  void Notify();
  Result<FlowView> StartActivation(const StartRequest& req, const std::string& username_key,
                                   const std::string& subject_key);
  Status Claim(std::string_view flow_id, const std::string& busy_message, std::string& subject,
               MethodKind& last_method);
  Result<FlowView> CompleteUnlock(std::string_view flow_id, const Account& account, std::string_view ip);
  Status ClearSignInLockout(Tx& tx, AccountId account_id, TimePoint now);
  Status Activate(Tx& tx, AccountId account_id, TimePoint now);
  // Queues `template_id` to every confirmed email address; true when one was queued.
  Result<bool> NotifyAddresses(Tx& tx, const Account& account, const std::vector<Enrollment>& enrollments,
                               const std::string& template_id, MethodKind method, TimePoint now,
                               const std::map<std::string, std::string>& extra = {});
  Result<bool> NotifyOtherAdmins(Tx& tx, const Account& account, std::string_view what, MethodKind method,
                                 TimePoint now);
  OutboxStatus InitialStatus(Channel channel) const;
  const GateRules& Rules() const { return rules_; }
  // Fills in what the client may choose next.
  FlowView Offer(FlowView view) const;
  bool CaptchaExempt(std::string_view ip) const;
  std::string HelpdeskSentence() const;
  // A wrong answer: counted, and the flow blocked at max_failures. What to answer.
  Status WrongAnswer(Flow& f, const Status& checked, std::string& audit_outcome) const;
  // kRateLimited "throttled" (saying until when) while one of the subject's
  // throttles blocks it.
  Status CheckThrottles(Tx& tx, std::string_view subject, TimePoint now);
  // Counts one event against a throttle; true when it started a block (audited).
  Result<bool> CountThrottled(Tx& tx, const Flow& flow, std::string_view name, const ThrottleRule& rule,
                              TimePoint now, std::string_view ip, const std::string& subject);
  Status ThrottledStatus(Millis left, TimePoint now) const;

  FlowDeps d_;
  FlowSettings settings_;
  GateRules rules_;
};

// The flow id's storage key: hex SHA-256 (the id itself is never stored).
std::string FlowIdHash(std::string_view flow_id);

}  // namespace latchkey
