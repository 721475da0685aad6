#include <array>

#include "core/message.hpp"

namespace latchkey {
namespace {
constexpr std::array<std::string_view, 3> kChannel = {"email", "sms", "voice"};
constexpr std::array<std::string_view, 5> kOutboxStatus = {"queued", "sent", "failed", "expired",
                                                           "dev"};
}  // namespace

std::string_view ToString(Channel c) { return kChannel.at(static_cast<std::size_t>(c)); }
std::optional<Channel> ParseChannel(std::string_view t) {
  for (std::size_t i = 0; i < kChannel.size(); ++i) {
    if (kChannel[i] == t) return static_cast<Channel>(i);
  }
  return std::nullopt;
}
std::string_view ToString(OutboxStatus s) { return kOutboxStatus.at(static_cast<std::size_t>(s)); }
std::optional<OutboxStatus> ParseOutboxStatus(std::string_view t) {
  for (std::size_t i = 0; i < kOutboxStatus.size(); ++i) {
    if (kOutboxStatus[i] == t) return static_cast<OutboxStatus>(i);
  }
  return std::nullopt;
}

}  // namespace latchkey
