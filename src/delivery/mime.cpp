#include "delivery/mime.hpp"

#include <ctime>

#include "crypto/hashing.hpp"

namespace latchkey {
namespace {

bool IsAscii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string StripControls(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

std::string RfcDate(TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// Base64 in lines of 76 characters (RFC 2045).
std::string WrappedBase64(std::string_view data) {
  const std::string b64 = Base64Encode(data);
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) {
    out += b64.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

}  // namespace

bool IsPlausibleAddress(std::string_view a) {
  const auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size()) return false;
  if (a.find('@', at + 1) != std::string_view::npos) return false;
  if (a.size() > 254) return false;
  for (const char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') {
      return false;
    }
  }
  const std::string_view domain = a.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return false;
  }
  return domain.find('.') != std::string_view::npos || domain == "localhost";
}

bool ParseMailbox(std::string_view text, Mailbox& out) {
  if (text.find('\r') != std::string_view::npos || text.find('\n') != std::string_view::npos) {
    return false;
  }
  const auto lt = text.rfind('<');
  if (lt != std::string_view::npos) {
    const auto gt = text.find('>', lt);
    if (gt == std::string_view::npos) return false;
    out.address = std::string(text.substr(lt + 1, gt - lt - 1));
    std::string display(text.substr(0, lt));
    while (!display.empty() && display.back() == ' ') display.pop_back();
    while (!display.empty() && display.front() == ' ') display.erase(0, 1);
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
      display = display.substr(1, display.size() - 2);
    }
    out.display = display;
  } else {
    out.display.clear();
    out.address = std::string(text);
  }
  return IsPlausibleAddress(out.address);
}

std::string EncodeHeaderText(std::string_view text) {
  const std::string clean = StripControls(text);
  if (IsAscii(clean)) return clean;
  return "=?UTF-8?B?" + Base64Encode(clean) + "?=";
}

std::string BuildEmail(const Mailbox& from, std::string_view to, std::string_view subject,
                       std::string_view body, TimePoint date, std::string_view message_id) {
  std::string from_header;
  if (from.display.empty()) {
    from_header = from.address;
  } else if (IsAscii(from.display)) {
    std::string quoted;
    for (const char c : from.display) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    from_header = "\"" + quoted + "\" <" + from.address + ">";
  } else {
    from_header = EncodeHeaderText(from.display) + " <" + from.address + ">";
  }
  // Normalise the body's line ends to CRLF.
  std::string text;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\r') continue;
    if (body[i] == '\n') text += "\r\n";
    else text.push_back(body[i]);
  }
  std::string m;
  m += "Date: " + RfcDate(date) + "\r\n";
  m += "From: " + from_header + "\r\n";
  m += "To: " + StripControls(to) + "\r\n";
  m += "Subject: " + EncodeHeaderText(subject) + "\r\n";
  m += "Message-ID: <" + StripControls(message_id) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  if (IsAscii(text)) {
    m += "Content-Transfer-Encoding: 7bit\r\n\r\n";
    // SMTP transparency (a line starting with '.') is handled by libcurl.
    m += text;
    if (text.size() < 2 || text.compare(text.size() - 2, 2, "\r\n") != 0) m += "\r\n";
  } else {
    m += "Content-Transfer-Encoding: base64\r\n\r\n";
    m += WrappedBase64(text);
  }
  return m;
}

}  // namespace latchkey
