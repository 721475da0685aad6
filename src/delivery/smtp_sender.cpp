// SMTP delivery with libcurl: plain, STARTTLS (opportunistic, or required when
// credentials are configured, so a password never crosses the wire in clear),
// SMTPS, and AUTH.
#include <curl/curl.h>

#include <atomic>
#include <cstring>

#include "core/random.hpp"
#include "crypto/sodium_random.hpp"
#include "delivery/mime.hpp"
#include "delivery/sender.hpp"

namespace latchkey {
namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadCallback(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  const std::size_t room = size * nitems;
  const std::size_t left = up->data->size() - up->offset;
  const std::size_t n = left < room ? left : room;
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

class SmtpSender final : public Sender {
 public:
  SmtpSender(SmtpOptions options, Mailbox from) : o_(std::move(options)), from_(std::move(from)) {
    const auto at = from_.address.find('@');
    domain_ = from_.address.substr(at + 1);
  }

  Status Send(const OutboxEntry& m) override {
    if (!IsPlausibleAddress(m.to)) {
      return Status::InvalidArgument("invalid_recipient", "the recipient address is not valid");
    }
    SodiumRandom random;
    const std::string message_id = random.Token(18) + "@" + domain_;
    const std::string data =
        BuildEmail(from_, m.to, m.subject, m.body.view(), FromUnixMillis(time(nullptr) * 1000LL),
                   message_id);

    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Status::Unavailable("curl_easy_init failed");
    char errbuf[CURL_ERROR_SIZE] = {0};
    const std::string mail_from = "<" + from_.address + ">";
    const std::string rcpt = "<" + m.to + ">";
    curl_slist* rcpts = curl_slist_append(nullptr, rcpt.c_str());
    Upload up{&data};

    curl_easy_setopt(curl, CURLOPT_URL, o_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadCallback);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(o_.timeout_seconds));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(o_.timeout_seconds));
    if (o_.url.rfind("smtp://", 0) == 0) {
      curl_easy_setopt(curl, CURLOPT_USE_SSL,
                       o_.username.empty() ? static_cast<long>(CURLUSESSL_TRY)
                                           : static_cast<long>(CURLUSESSL_ALL));
    }
    if (!o_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o_.ca_file.c_str());
    if (!o_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, o_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, o_.password.c_str());
    }

    const CURLcode rc = curl_easy_perform(curl);
    long response = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(curl);

    if (rc == CURLE_OK) return Status::Ok();
    std::string why = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
    if (response > 0) why += " (SMTP " + std::to_string(response) + ")";
    // A 5xx answer is the relay's final word (unknown mailbox, policy): retrying
    // will not help. Authentication failures are configuration errors: retry, so
    // that fixing the configuration delivers what is queued.
    if (response >= 500 && response < 600 && rc != CURLE_LOGIN_DENIED) {
      return Status::InvalidArgument("rejected", "the relay refused the message").WithDetail(why);
    }
    return Status::Unavailable(why);
  }

 private:
  const SmtpOptions o_;
  const Mailbox from_;
  std::string domain_;
};

}  // namespace

void InitHttpClientLibrary() { curl_global_init(CURL_GLOBAL_DEFAULT); }

Result<std::unique_ptr<Sender>> MakeSmtpSender(const SmtpOptions& options) {
  Mailbox from;
  if (!ParseMailbox(options.from, from)) {
    return Status::InvalidArgument("invalid_from", "mail.from has no valid address", "mail.from");
  }
  return std::unique_ptr<Sender>(std::make_unique<SmtpSender>(options, std::move(from)));
}

}  // namespace latchkey
