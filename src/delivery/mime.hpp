// Building RFC 5322 messages: headers, encoded words for non-ASCII text, and a
// body encoding that survives any relay.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace latchkey {

struct Mailbox {
  std::string display;  // may be empty
  std::string address;  // local@domain
};

// Parses "Name <local@domain>" or "local@domain". False when there is no usable
// address or the text holds line breaks (header injection).
bool ParseMailbox(std::string_view text, Mailbox& out);

// True for a plausible single address: one '@', no spaces, controls or brackets,
// non-empty local part and a dotted or "localhost" domain.
bool IsPlausibleAddress(std::string_view address);

// A whole message with CRLF line ends, ready for SMTP DATA.
std::string BuildEmail(const Mailbox& from, std::string_view to, std::string_view subject,
                       std::string_view body, TimePoint date, std::string_view message_id);

// RFC 2047 "=?UTF-8?B?...?=" for non-ASCII text; ASCII text unchanged.
std::string EncodeHeaderText(std::string_view text);

}  // namespace latchkey
