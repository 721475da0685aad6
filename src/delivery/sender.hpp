// Senders deliver one outbox message over one channel.
#pragma once

#include <memory>
#include <string>

#include "core/message.hpp"
#include "core/status.hpp"

namespace latchkey {

class Sender {
 public:
  virtual ~Sender() = default;
  // Ok when the relay or provider accepted the message. kUnavailable for a
  // transient failure (retry later); kInvalidArgument for a permanent refusal
  // (the recipient does not exist; retrying will not help). Thread-safe.
  virtual Status Send(const OutboxEntry& message) = 0;
};

struct SmtpOptions {
  std::string url;       // smtp://host:port or smtps://host:port
  std::string from;      // "Name <address>"
  std::string username;  // AUTH; empty = none
  std::string password;
  std::string ca_file;
  int timeout_seconds = 30;
};

// Call once at start-up, before any thread uses libcurl.
void InitHttpClientLibrary();

// kInvalidArgument when the options are unusable (no address in `from`).
Result<std::unique_ptr<Sender>> MakeSmtpSender(const SmtpOptions& options);

}  // namespace latchkey
