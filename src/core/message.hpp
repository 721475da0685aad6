// Outbound messages: what the flows ask to be sent, and what the outbox holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"

namespace latchkey {

enum class Channel : std::uint8_t { kEmail, kSms, kVoice };

// queued: waiting for the delivery worker; sent: accepted by the relay;
// failed: gave up after the retry budget; expired: not worth sending any more (a
// code past its lifetime); dev: kept in the outbox as the dev sink, never sent.
enum class OutboxStatus : std::uint8_t { kQueued, kSent, kFailed, kExpired, kDev };

std::string_view ToString(Channel channel);
std::optional<Channel> ParseChannel(std::string_view text);
std::string_view ToString(OutboxStatus status);
std::optional<OutboxStatus> ParseOutboxStatus(std::string_view text);

struct OutboundMessage {
  Channel channel = Channel::kEmail;
  std::string template_id;      // "reset_code", "password_changed", ...
  std::string to;               // address or E.164 number
  std::string to_hint;          // masked form, for listings
  std::string subject;          // email only
  SecretString body;            // may hold a code: encrypted at rest, wiped after sending
  // SMS and voice code messages: the code alone, besides the text that carries it
  // (a call reads it digit by digit; a webhook may pass it as a field). Sealed and
  // wiped together with the body.
  SecretString code;
  std::optional<AccountId> account_id;
  std::optional<TimePoint> expires_at;  // after this, delivering is pointless
};

struct OutboxEntry {
  std::int64_t id = 0;
  Channel channel = Channel::kEmail;
  std::string template_id;
  std::string to;
  std::string to_hint;
  std::string subject;
  SecretString body;  // empty once sent (unless kept as the dev sink)
  SecretString code;  // see OutboundMessage::code; empty with the body
  OutboxStatus status = OutboxStatus::kQueued;
  int attempts = 0;
  TimePoint next_attempt_at{};
  std::string last_error;
  std::optional<AccountId> account_id;
  TimePoint created_at{};
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> sent_at;
};

}  // namespace latchkey
