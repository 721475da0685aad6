// DeliveryWorker: takes due messages from the outbox and hands them to senders,
// with exponential backoff on failure. The outbox is the source of truth, so a
// restart loses nothing: a message leased by a process that died is taken again
// once its lease ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/message.hpp"
#include "core/store.hpp"
#include "delivery/sender.hpp"

namespace latchkey {

struct DeliveryOptions {
  Millis retry_initial = std::chrono::seconds(5);
  Millis retry_max = std::chrono::minutes(5);
  int max_attempts = 20;
  Millis poll_interval = std::chrono::seconds(1);
  Millis lease = std::chrono::minutes(2);
  int batch = 16;
};

class DeliveryWorker {
 public:
  // `senders` maps each channel to its sender; channels without one stay queued.
  DeliveryWorker(Store& store, const Clock& clock, std::map<Channel, Sender*> senders,
                 DeliveryOptions options, std::string owner);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Start();
  void Stop();
  // Wakes the worker now (a message was just queued). Thread-safe, cheap.
  void Wake();
  // Runs one pass synchronously: returns how many messages were attempted.
  int RunOnce();

 private:
  void Loop();
  Millis Backoff(int attempts) const;

  Store& store_;
  const Clock& clock_;
  const std::map<Channel, Sender*> senders_;
  const DeliveryOptions options_;
  const std::string owner_;
  std::atomic<std::uint64_t> claim_seq_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace latchkey
