// WorkPool: a fixed number of threads with a bounded queue.
//
// Used to keep expensive, memory-hard work (Argon2id) off the HTTP threads'
// critical path: at most `threads` hashes run at once (so memory is bounded by
// threads x memory cost), and at most `queue_limit` wait. When the queue is full,
// Run() refuses at once instead of letting requests pile up.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.hpp"

namespace latchkey {

class WorkPool {
 public:
  WorkPool(std::size_t threads, std::size_t queue_limit);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Runs `fn` on a pool thread and waits for it. kUnavailable when the queue is full
  // or the pool is shutting down. Thread-safe.
  template <class T>
  Result<T> Run(std::function<T()> fn) {
    auto task = std::make_shared<std::packaged_task<T()>>(std::move(fn));
    std::future<T> done = task->get_future();
    if (!Post([task] { (*task)(); })) {
      return Status::Unavailable("work pool queue is full");
    }
    return done.get();
  }

  std::size_t threads() const { return workers_.size(); }
  // Jobs waiting for a thread (not counting running ones).
  std::size_t pending() const;

 private:
  bool Post(std::function<void()> job);
  void Loop();

  const std::size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace latchkey
