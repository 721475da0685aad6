#include "delivery/http_client.hpp"

#include <curl/curl.h>

#include <cstdio>

namespace latchkey {
namespace {

constexpr std::size_t kMaxResponse = 64 * 1024;

std::size_t WriteCallback(char* data, std::size_t size, std::size_t nmemb, void* userdata) {
  auto* out = static_cast<std::string*>(userdata);
  const std::size_t n = size * nmemb;
  if (out->size() < kMaxResponse) out->append(data, std::min(n, kMaxResponse - out->size()));
  return n;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

}  // namespace

HttpResponse PerformHttp(const HttpRequest& req, int timeout_seconds) {
  HttpResponse resp;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    resp.error = "curl_easy_init failed";
    return resp;
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const std::string& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  // No "Expect: 100-continue" round trip before the body.
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "Latchkey");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteCallback);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp.body);
  if (req.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  if (!req.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, req.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, req.password.data());
  }

  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    resp.received = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp.status);
  } else {
    resp.error = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return resp;
}

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    out += FormEncode(k) + "=" + FormEncode(v);
  }
  return out;
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

std::string ProviderText(std::string_view text, const OutboxEntry& m) {
  std::string out(text.substr(0, 2048));
  const std::string hint = m.to_hint.empty() ? "(the number)" : m.to_hint;
  ReplaceAll(out, m.to, hint);
  if (!m.to.empty() && m.to[0] == '+') ReplaceAll(out, std::string_view(m.to).substr(1), hint);
  if (m.code.size() >= 4) ReplaceAll(out, m.code.view(), "******");
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  const auto b = out.find_first_not_of(' ');
  out = b == std::string::npos ? std::string() : out.substr(b, out.find_last_not_of(' ') - b + 1);
  if (out.size() > 300) {
    out.resize(300);
    // Do not leave half a UTF-8 sequence.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "...";
  }
  return out;
}

Status ClassifyHttp(std::string_view provider, const HttpResponse& r, std::string_view text) {
  const std::string name(provider);
  if (!r.received) return Status::Unavailable(name + ": " + r.error);
  const long s = r.status;
  if (s >= 200 && s < 300) return Status::Ok();
  std::string detail = name + " HTTP " + std::to_string(s);
  if (!text.empty()) detail += ": " + std::string(text);
  if (s >= 300 && s < 400) {
    return Status::Unavailable(detail + " (redirects are not followed: check the URL)");
  }
  if (s == 401 || s == 403 || s == 404) {
    return Status::Unavailable(detail + " (check the provider's URL and credentials)");
  }
  if (s == 408 || s == 425 || s == 429 || s >= 500 || s < 200) return Status::Unavailable(detail);
  return Status::InvalidArgument("provider_refused", "the provider refused the message")
      .WithDetail(detail);
}

}  // namespace latchkey
