#include "flows/code_senders.hpp"

#include <ctime>

#include "crypto/keys.hpp"
#include "delivery/phone_guard.hpp"
#include "delivery/templates.hpp"

namespace latchkey {
namespace {

std::string TemplateFor(CodePurpose purpose, Channel channel) {
  std::string id;
  switch (purpose) {
    case CodePurpose::kReset: id = "reset_code"; break;
    case CodePurpose::kRegistration: id = "registration_code"; break;
    case CodePurpose::kSignIn: id = "signin_code"; break;
  }
  switch (channel) {
    case Channel::kEmail: return id;
    case Channel::kSms: return "sms_" + id;
    case Channel::kVoice: return "voice_" + id;
  }
  return id;
}

// "492817" -> "4, 9, 2, 8, 1, 7": text-to-speech reads digits one by one, with a
// short pause after each, instead of "four hundred and ninety-two thousand...".
std::string SpokenDigits(std::string_view code) {
  std::string out;
  for (const char c : code) {
    if (!out.empty()) out += ", ";
    out.push_back(c);
  }
  return out;
}

AuditEvent BudgetAlertEvent(const PhoneBudgetAlert& alert, TimePoint now) {
  AuditEvent e;
  e.at = now;
  e.event = "phone.budget_exceeded";
  e.outcome = "refused";
  e.reason = std::string(ToString(alert.channel)) + "_hourly_budget:" + std::to_string(alert.budget);
  e.method = std::string(ToString(alert.channel));
  e.actor = "system";
  return e;
}

std::string DestinationKey(const KeyRing& keys, std::string_view to) {
  std::string norm(to);
  for (auto& c : norm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return keys.Lookup("destination", norm);
}

}  // namespace

std::string UtcTime(TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string HelpdeskLine(const std::string& helpdesk) {
  return helpdesk.empty() ? std::string() : "\nNeed help? Contact the helpdesk: " + helpdesk + "\n";
}

OutboxCodeSender::OutboxCodeSender(RateLimiter& limiter, const KeyRing& keys,
                                   const MessageTemplates& templates, const Clock& clock,
                                   const CodeMessageSettings& settings,
                                   std::optional<AccountId> account)
    : limiter_(limiter), keys_(keys), templates_(templates), clock_(clock), settings_(settings),
      account_(account) {}

Status OutboxCodeSender::SendCode(CodePurpose purpose, Channel channel, std::string_view to,
                                  std::string_view to_hint, const SecretString& code,
                                  Millis lifetime) {
  LK_RETURN_IF_ERROR(limiter_.Take("code_send_destination", DestinationKey(keys_, to),
                                   settings_.send_per_destination));
  const bool phone = channel == Channel::kSms || channel == Channel::kVoice;
  if (phone && settings_.phone_guard == nullptr) {
    // Fail closed: a code to a phone that skipped the toll-fraud checks is a wiring bug.
    return Status::Internal("SMS and voice codes need CodeMessageSettings::phone_guard");
  }
  if (phone) {
    std::optional<PhoneBudgetAlert> alert;
    Status admitted = settings_.phone_guard->Admit(channel, to, &alert);
    if (alert) events.push_back(BudgetAlertEvent(*alert, clock_.Now()));
    LK_RETURN_IF_ERROR(admitted);
  }
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(lifetime).count();
  const std::string id = TemplateFor(purpose, channel);
  Result<RenderedMessage> r = templates_.Render(
      id, {{"organisation", settings_.organisation},
           {"code", channel == Channel::kVoice ? SpokenDigits(code.view()) : std::string(code.view())},
           {"minutes", std::to_string(minutes)},
           {"helpdesk", settings_.helpdesk},
           {"helpdesk_line", HelpdeskLine(settings_.helpdesk)}});
  if (!r.ok()) return r.status();
  OutboundMessage m;
  m.channel = channel;
  m.template_id = id;
  m.to = std::string(to);
  m.to_hint = std::string(to_hint);
  m.subject = r->subject;
  m.body = SecretString(std::move(r->body));
  if (phone) m.code = code;
  m.account_id = account_;
  m.expires_at = clock_.Now() + lifetime;
  messages.push_back(std::move(m));
  return Status::Ok();
}

PhantomCodeSender::PhantomCodeSender(RateLimiter& limiter, const KeyRing& keys,
                                     const CodeMessageSettings& settings, std::string subject_key)
    : limiter_(limiter), keys_(keys), settings_(settings), subject_key_(std::move(subject_key)) {}

Status PhantomCodeSender::SendCode(CodePurpose, Channel, std::string_view, std::string_view,
                                   const SecretString&, Millis) {
  return limiter_.Take("code_send_destination", keys_.Lookup("destination", "phantom:" + subject_key_),
                       settings_.send_per_destination);
}

}  // namespace latchkey
