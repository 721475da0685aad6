// SecurityInfoService: the signed-in side of security info ("Security info" /
// "keep your account secure"): what is registered, registering and removing each
// method, re-confirming, and changing the password.
//
// Every change needs an active session; adding or removing a method needs a proof
// from the last few minutes (SignInService::IsFresh): a stolen session cookie alone
// must not be enough to add the thief's phone. The person is told at every
// registered address whenever a method is added or removed or the password changes.
//
// Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/enrollment.hpp"
#include "core/method_kind.hpp"
#include "core/status.hpp"
#include "flows/code_senders.hpp"
#include "flows/signin_service.hpp"

namespace latchkey {

class PasswordHistory;
class PasswordPolicy;

struct RegistrationSettings {
  std::vector<MethodKind> allowed;  // kinds people may register; empty: every registrable kind
  int methods_required = 1;         // usable gates a person needs to be "registered"
  bool require_at_signin = false;   // the portal asks the person to register after sign-in
  int reconfirm_days = 0;           // ask to confirm the security info this often; 0: never
  CodeMessageSettings messages;
  bool dev_outbox = true;        // emails stay in the outbox (no SMTP relay)
  bool sms_dev_outbox = true;    // texts stay in the outbox ([sms] provider = "outbox")
  bool voice_dev_outbox = true;  // calls stay in the outbox ([voice] provider = "outbox")
};

struct SecurityInfoDeps {
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
  SignInService& signin;
  std::function<void()> on_enqueue;
};

struct MeView {
  Account account;
  std::vector<Enrollment> enrollments;
  int usable = 0;              // enrollments usable as reset gates
  bool registered = false;     // usable >= methods_required
  int methods_required = 1;
  bool reconfirm_due = false;
  bool registration_required = false;  // require_at_signin and not registered
};

struct EnrollView {
  Enrollment enrollment;
  std::string response;  // the method's answer for the client (JSON object), or ""
};

class SecurityInfoService {
 public:
  SecurityInfoService(SecurityInfoDeps deps, RegistrationSettings settings);

  Result<MeView> Me(const SessionView& session);
  // Starts registering a method of `kind`. kForbidden "reauthentication_required"
  // without a fresh proof; kInvalidArgument for a kind that cannot be registered;
  // the Enroller's own errors.
  Result<EnrollView> AddMethod(const SessionView& session, MethodKind kind,
                               std::string_view request_json, std::string_view ip);
  // Completes a pending registration. kNotFound for a method that is not the
  // person's; kOutOfOrder when it is not pending.
  Result<EnrollView> VerifyMethod(const SessionView& session, std::string_view method_id,
                                  std::string_view request_json, std::string_view ip);
  // Removes a method. kForbidden for one managed by an administrator.
  Status RemoveMethod(const SessionView& session, std::string_view method_id, std::string_view ip);
  // Records that the person looked at their security info and confirmed it.
  Status Reconfirm(const SessionView& session, std::string_view ip);
  // Changes the password: the current one must be right; the new one goes through the
  // policy (history included) and the directory; other sessions end; the person is
  // told. kPolicyRejected with the violations; kUnauthenticated for a wrong current
  // password (counted by the smart lockout).
  Status ChangePassword(const SessionView& session, const SecretString& current,
                        const SecretString& replacement, std::string_view ip);

  const RegistrationSettings& settings() const { return settings_; }

 private:
  Status RequireActive(const SessionView& s) const;
  OutboxStatus InitialStatus(Channel channel) const;
  void Notify(Tx& tx, const Account& account, const std::vector<Enrollment>& enrollments,
              const std::string& template_id, const std::string& method_phrase,
              const std::string& hint);
  void Audit(Tx& tx, const Account& account, std::string_view event, std::string_view outcome,
             std::string_view reason, std::string_view method, std::string_view ip);

  SecurityInfoDeps d_;
  RegistrationSettings settings_;
};

// "an authenticator app", "a security key or passkey", ...: for messages.
std::string MethodPhraseFor(MethodKind kind);

}  // namespace latchkey
