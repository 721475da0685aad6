#include "methods/enroll_util.hpp"

#include "core/blob.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

Result<std::string> CleanMethodName(std::string_view raw, std::string_view field) {
  while (!raw.empty() && IsSpace(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && IsSpace(raw.back())) raw.remove_suffix(1);
  const std::string f(field);
  if (raw.empty()) return Status::InvalidArgument("missing_field", "Give it a name.", f);
  if (!IsValidUtf8(raw)) {
    return Status::InvalidArgument("invalid_name",
                                   "The name contains characters that are not text.", f);
  }
  if (CodePointCount(raw) > kMaxMethodNameLength) {
    return Status::InvalidArgument(
        "invalid_name",
        "Use a name of at most " + std::to_string(kMaxMethodNameLength) + " characters.", f);
  }
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument("invalid_name", "The name cannot contain control characters.",
                                     f);
    }
  }
  return std::string(raw);
}

namespace {
bool InWindow(const Enrollment& e, TimePoint now) {
  const std::optional<Blob> blob = DecodeBlob(e.pending.view());
  return blob && BlobInt(*blob, "exp") > ToUnixMillis(now);
}
}  // namespace

bool MethodNameTaken(std::string_view name, MethodKind kind, const std::vector<Enrollment>& existing,
                     std::optional<TimePoint> now, std::string_view except_id) {
  const std::string wanted = AsciiLower(name);
  for (const auto& e : existing) {
    if (e.kind != kind || e.id == except_id || AsciiLower(e.label) != wanted) continue;
    if (e.state == EnrollmentState::kActive) return true;
    if (now && InWindow(e, *now)) return true;
  }
  return false;
}

std::string DefaultMethodName(std::string_view base, MethodKind kind,
                              const std::vector<Enrollment>& existing, TimePoint now) {
  std::string name(base);
  for (int n = 2; MethodNameTaken(name, kind, existing, now); ++n) {
    name = std::string(base) + " " + std::to_string(n);
  }
  return name;
}

int CountTowardsMaximum(MethodKind kind, const std::vector<Enrollment>& existing, TimePoint now) {
  int count = 0;
  for (const auto& e : existing) {
    if (e.kind != kind) continue;
    if (e.state == EnrollmentState::kActive) {
      ++count;
      continue;
    }
    if (InWindow(e, now)) ++count;
  }
  return count;
}

Result<std::string> ChooseMethodName(const std::optional<std::string>& given, bool given_is_text,
                                     MethodKind kind, std::string_view base, std::string_view what,
                                     const std::vector<Enrollment>& existing, TimePoint now) {
  if (!given_is_text) return Status::InvalidArgument("invalid_name", "The name must be text.", "name");
  if (!given) return DefaultMethodName(base, kind, existing, now);
  Result<std::string> clean = CleanMethodName(*given);
  if (!clean.ok()) return clean.status();
  if (MethodNameTaken(*clean, kind, existing)) {
    return Status::InvalidArgument("duplicate_name", "You already have " + std::string(what) + " with that name.",
                                   "name");
  }
  return clean;
}

Status CheckMethodMaximum(MethodKind kind, const std::vector<Enrollment>& existing, TimePoint now,
                          int max, std::string_view plural) {
  if (CountTowardsMaximum(kind, existing, now) < max) return Status::Ok();
  return Status::Error(Errc::kConflict, "too_many_methods",
                       "You have registered the most " + std::string(plural) + " allowed (" +
                           std::to_string(max) + "). Remove one first.");
}

}  // namespace latchkey
