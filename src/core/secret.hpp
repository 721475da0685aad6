// SecretString: a password, code or key held in memory.
//
// It has no stream operator and no implicit conversion to std::string, so it cannot
// end up in a log line by accident; it compares in constant time (for equal
// lengths) and wipes its buffer when destroyed or reassigned.
#pragma once

#include <string>
#include <string_view>

namespace latchkey {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }
  SecretString& operator=(const SecretString& other);
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString() { Wipe(); }

  // The secret's bytes, for hashing or sending. Do not copy them into other strings.
  std::string_view view() const { return value_; }
  const char* data() const { return value_.data(); }
  std::size_t size() const { return value_.size(); }
  bool empty() const { return value_.empty(); }

  // Constant time in the length of the shorter input; lengths may leak.
  bool Equals(std::string_view other) const;

 private:
  void Wipe() noexcept;
  std::string value_;
};

// Constant-time equality of two byte strings of equal length; false for unequal
// lengths (length is not treated as secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace latchkey
