// Helpers shared by the method tests (included by *_test.cpp only): a sender
// that records instead of sending, predictable randomness, and the contexts a
// flow or the registration endpoint would pass.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "core/method.hpp"
#include "crypto/sodium_random.hpp"
#include "test_support.hpp"

namespace latchkey::method_testing {

// Counts what it is asked to send; sends nothing.
class RecordingSender final : public CodeSender {
 public:
  Status SendCode(CodePurpose, Channel, std::string_view, std::string_view, const SecretString&,
                  Millis) override {
    ++sent;
    return Status::Ok();
  }
  int sent = 0;
};

// Hands out queued bytes first (so a test can choose a key), then real random bytes.
class ScriptedRandom final : public Random {
 public:
  void Queue(std::string bytes) { queued_.insert(queued_.end(), bytes.begin(), bytes.end()); }
  void Fill(std::uint8_t* out, std::size_t len) override {
    for (std::size_t i = 0; i < len; ++i) {
      if (!queued_.empty()) {
        out[i] = static_cast<std::uint8_t>(queued_.front());
        queued_.pop_front();
      } else {
        real_.Fill(out + i, 1);
      }
    }
  }
  std::uint32_t Uniform(std::uint32_t upper) override { return real_.Uniform(upper); }

 private:
  std::deque<char> queued_;
  SodiumRandom real_;
};

inline Account TestAccount(AccountId id = 7, std::string username = "alice") {
  Account a;
  a.id = id;
  a.username = std::move(username);
  a.username_key = a.username;
  a.display_name = "Alice Liddell";
  return a;
}

// What the registration endpoint passes: the account and its other enrollments.
struct EnrollBench {
  EnrollBench(const Clock& clock, Random& random, Account account = TestAccount())
      : account_(std::move(account)), ctx_{clock,    random,   testing_support::TestKeys(),
                                           account_, existing, sender,
                                           {}} {}
  EnrollContext& ctx() {
    ctx_.response.clear();
    return ctx_;
  }
  const std::string& response() const { return ctx_.response; }

  std::vector<Enrollment> existing;
  RecordingSender sender;

 private:
  Account account_;
  EnrollContext ctx_;
};

// What a flow passes at a gate: a scope, an option and the option's state blob.
struct GateBench {
  GateBench(const Clock& clock, Random& random, std::string scope = "flow-scope-1")
      : scope_(std::move(scope)), ctx_{clock,  random,   testing_support::TestKeys(),
                                       scope_, "opt1",   sender,
                                       state,  &response} {}
  GateContext& ctx() {
    response.clear();
    return ctx_;
  }

  std::string state;
  std::string response;
  RecordingSender sender;

 private:
  std::string scope_;
  GateContext ctx_;
};

}  // namespace latchkey::method_testing
