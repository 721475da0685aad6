#include "flows/code_senders.hpp"

#include "crypto/keys.hpp"
#include "delivery/templates.hpp"

namespace latchkey {
namespace {

const char* TemplateFor(CodePurpose purpose) {
  switch (purpose) {
    case CodePurpose::kReset: return "reset_code";
    case CodePurpose::kRegistration: return "registration_code";
    case CodePurpose::kSignIn: return "signin_code";
  }
  return "reset_code";
}

std::string DestinationKey(const KeyRing& keys, std::string_view to) {
  std::string norm(to);
  for (auto& c : norm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return keys.Lookup("destination", norm);
}

}  // namespace

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
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(lifetime).count();
  const std::string id = TemplateFor(purpose);
  Result<RenderedMessage> r = templates_.Render(
      id, {{"organisation", settings_.organisation},
           {"code", std::string(code.view())},
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
