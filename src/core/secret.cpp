#include "core/secret.hpp"

#include <string.h>  // explicit_bzero (glibc): a wipe the optimiser may not remove

namespace latchkey {

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    Wipe();
    value_ = other.value_;
  }
  return *this;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Wipe();
    value_ = std::move(other.value_);
    other.Wipe();
  }
  return *this;
}

void SecretString::Wipe() noexcept {
  // Wipe the whole capacity: a shrinking assignment may have left old bytes behind.
  if (value_.capacity() > 0) explicit_bzero(value_.data(), value_.capacity());
  value_.clear();
}

bool SecretString::Equals(std::string_view other) const { return ConstantTimeEquals(value_, other); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^
                                              static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

}  // namespace latchkey
