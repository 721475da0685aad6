#include "delivery/delivery_worker.hpp"

#include "core/log.hpp"

namespace latchkey {

DeliveryWorker::DeliveryWorker(Store& store, const Clock& clock,
                               std::map<Channel, Sender*> senders, DeliveryOptions options,
                               std::string owner)
    : store_(store),
      clock_(clock),
      senders_(std::move(senders)),
      options_(options),
      owner_(std::move(owner)) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

Millis DeliveryWorker::Backoff(int attempts) const {
  Millis d = options_.retry_initial;
  for (int i = 1; i < attempts && d < options_.retry_max; ++i) d *= 2;
  return d < options_.retry_max ? d : options_.retry_max;
}

int DeliveryWorker::RunOnce() {
  const TimePoint now = clock_.Now();
  const std::string token = owner_ + ":" + std::to_string(++claim_seq_);
  std::vector<OutboxEntry> due;
  Status st = store_.Write([&](Tx& tx) -> Status {
    Result<std::vector<OutboxEntry>> r = tx.outbox().ClaimDue(token, now, options_.lease, options_.batch);
    if (!r.ok()) return r.status();
    due = std::move(r).value();
    return Status::Ok();
  });
  if (!st.ok()) {
    log::Warn("delivery.claim_failed", {{"error", st.ToString()}});
    return 0;
  }
  for (const OutboxEntry& m : due) {
    const std::string id = std::to_string(m.id);
    if (m.expires_at && clock_.Now() >= *m.expires_at) {
      (void)store_.Write([&](Tx& tx) {
        return tx.outbox().MarkFinal(m.id, OutboxStatus::kExpired, "expired before delivery");
      });
      log::Info("delivery.expired", {{"message", id}, {"template", m.template_id}});
      continue;
    }
    auto it = senders_.find(m.channel);
    if (it == senders_.end() || it->second == nullptr) {
      // No sender for this channel in this process: leave it for one that has.
      (void)store_.Write([&](Tx& tx) {
        return tx.outbox().MarkRetry(m.id, clock_.Now() + options_.retry_max, "no sender configured");
      });
      continue;
    }
    const Status sent = it->second->Send(m);
    const int attempts = m.attempts + 1;
    Status recorded;
    if (sent.ok()) {
      recorded = store_.Write([&](Tx& tx) { return tx.outbox().MarkSent(m.id, clock_.Now()); });
      log::Info("delivery.sent", {{"message", id},
                                  {"channel", std::string(ToString(m.channel))},
                                  {"template", m.template_id},
                                  {"attempts", std::to_string(attempts)}});
    } else if (sent.code() == Errc::kInvalidArgument || attempts >= options_.max_attempts) {
      const std::string why = sent.ToString();
      recorded = store_.Write([&](Tx& tx) {
        return tx.outbox().MarkFinal(m.id, OutboxStatus::kFailed, why);
      });
      log::Error("delivery.failed", {{"message", id}, {"template", m.template_id},
                                     {"attempts", std::to_string(attempts)}, {"error", why}});
    } else {
      const Millis wait = Backoff(attempts);
      const std::string why = sent.ToString();
      recorded = store_.Write([&](Tx& tx) {
        return tx.outbox().MarkRetry(m.id, clock_.Now() + wait, why);
      });
      log::Warn("delivery.retry", {{"message", id}, {"template", m.template_id},
                                   {"attempts", std::to_string(attempts)},
                                   {"retry_in_ms", std::to_string(wait.count())},
                                   {"error", why}});
    }
    if (!recorded.ok()) {
      // The lease expires and the message is tried again: at-least-once delivery.
      log::Error("delivery.record_failed", {{"message", id}, {"error", recorded.ToString()}});
    }
  }
  return static_cast<int>(due.size());
}

void DeliveryWorker::Loop() {
  for (;;) {
    int n = 0;
    do {
      n = RunOnce();
    } while (n == options_.batch);  // a full batch: there may be more right away
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.poll_interval, [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

}  // namespace latchkey
