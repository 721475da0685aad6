#include "core/lockout.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/blob.hpp"

namespace latchkey {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out.push_back(',');
    out += s;
  }
  return out;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

std::string LockoutState::Encode() const {
  Blob b;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const std::string p = i == 0 ? "f" : "u";
    const Class& c = classes[i];
    if (c.failures != 0) b[p + "n"] = std::to_string(c.failures);
    if (c.lockouts != 0) b[p + "l"] = std::to_string(c.lockouts);
    if (c.locked_until_ms != 0) b[p + "t"] = std::to_string(c.locked_until_ms);
    if (!c.recent_wrong.empty()) b[p + "w"] = Join(c.recent_wrong);
  }
  if (!networks.empty()) b["net"] = Join(networks);
  return EncodeBlob(b);
}

LockoutState LockoutState::Decode(const std::string& text) {
  LockoutState s;
  const std::optional<Blob> b = DecodeBlob(text);
  if (!b) return s;  // a damaged state resets rather than locking anyone out for ever
  for (std::size_t i = 0; i < s.classes.size(); ++i) {
    const std::string p = i == 0 ? "f" : "u";
    Class& c = s.classes[i];
    c.failures = static_cast<int>(BlobInt(*b, p + "n"));
    c.lockouts = static_cast<int>(BlobInt(*b, p + "l"));
    c.locked_until_ms = BlobInt(*b, p + "t");
    if (auto it = b->find(p + "w"); it != b->end()) c.recent_wrong = Split(it->second);
  }
  if (auto it = b->find("net"); it != b->end()) s.networks = Split(it->second);
  return s;
}

std::optional<TimePoint> SmartLockout::LockedUntil(const LockoutState& s, bool familiar,
                                                   TimePoint now) const {
  const auto& c = s.classes[familiar ? 0 : 1];
  if (c.locked_until_ms > ToUnixMillis(now)) return FromUnixMillis(c.locked_until_ms);
  return std::nullopt;
}

bool SmartLockout::RecordFailure(LockoutState& s, bool familiar, const std::string& wrong_tag,
                                 TimePoint now) const {
  auto& c = s.classes[familiar ? 0 : 1];
  if (std::find(c.recent_wrong.begin(), c.recent_wrong.end(), wrong_tag) != c.recent_wrong.end()) {
    return false;  // the same wrong password again: a typo repeated, not a guess
  }
  c.recent_wrong.insert(c.recent_wrong.begin(), wrong_tag);
  if (static_cast<int>(c.recent_wrong.size()) > policy_.remembered_wrong) {
    c.recent_wrong.resize(static_cast<std::size_t>(policy_.remembered_wrong));
  }
  ++c.failures;
  if (c.failures >= policy_.threshold) {
    Millis d = policy_.duration;
    for (int i = 0; i < c.lockouts && d < policy_.max_duration; ++i) d *= 2;
    if (d > policy_.max_duration) d = policy_.max_duration;
    c.locked_until_ms = ToUnixMillis(now + d);
    ++c.lockouts;
  }
  return true;
}

void SmartLockout::RecordSuccess(LockoutState& s, bool familiar, const std::string& network) const {
  s.classes[familiar ? 0 : 1] = LockoutState::Class{};
  if (network.empty()) return;
  s.networks.erase(std::remove(s.networks.begin(), s.networks.end(), network), s.networks.end());
  s.networks.insert(s.networks.begin(), network);
  if (static_cast<int>(s.networks.size()) > policy_.remembered_networks) {
    s.networks.resize(static_cast<std::size_t>(policy_.remembered_networks));
  }
}

bool SmartLockout::IsKnownNetwork(const LockoutState& s, const std::string& network) {
  return !network.empty() && std::find(s.networks.begin(), s.networks.end(), network) != s.networks.end();
}

std::string NetworkOf(const std::string& ip) {
  in_addr a4{};
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&a4);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.0/24", b[0], b[1], b[2]);
    return buf;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    in6_addr net{};
    for (int i = 0; i < 8; ++i) net.s6_addr[i] = a6.s6_addr[i];
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &net, buf, sizeof buf) == nullptr) return {};
    return std::string(buf) + "/64";
  }
  return {};
}

}  // namespace latchkey
