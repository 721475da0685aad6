// Small rules shared by the methods people register themselves: the names they
// give them and how many of a kind an account holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/enrollment.hpp"
#include "core/status.hpp"

namespace latchkey {

inline constexpr std::size_t kMaxMethodNameLength = 64;  // characters (code points)

// A user-given name ("Work phone", "Blue YubiKey"): surrounding whitespace is
// removed; it must then be valid UTF-8 of 1 to kMaxMethodNameLength characters
// without control characters. kInvalidArgument naming `field` otherwise.
Result<std::string> CleanMethodName(std::string_view raw, std::string_view field = "name");

// True when an enrollment of `kind` in `existing` already has `name` (compared
// without regard to ASCII case): an active one, or, given `now`, a registration
// still in its window (see CountTowardsMaximum), so that two registrations in
// progress cannot both end with one name. `except_id` is left out (the one being
// finished).
bool MethodNameTaken(std::string_view name, MethodKind kind, const std::vector<Enrollment>& existing,
                     std::optional<TimePoint> now = std::nullopt, std::string_view except_id = {});

// `base` when no enrollment of `kind` uses it (active or in progress at `now`),
// else "base 2", "base 3", ...
std::string DefaultMethodName(std::string_view base, MethodKind kind,
                              const std::vector<Enrollment>& existing, TimePoint now);

// The name a registration takes: `given` (the body's "name"; nullopt when absent,
// `given_is_text` false when it was not a string) cleaned and not taken by an
// active enrollment of `kind`, or a default from `base`. `what` names the kind in
// the message ("an authenticator app"). kInvalidArgument with field "name".
Result<std::string> ChooseMethodName(const std::optional<std::string>& given, bool given_is_text,
                                     MethodKind kind, std::string_view base, std::string_view what,
                                     const std::vector<Enrollment>& existing, TimePoint now);

// kConflict "too_many_methods" when `existing` already takes `max` places of
// `kind` (CountTowardsMaximum). `plural` names the kind ("security keys").
Status CheckMethodMaximum(MethodKind kind, const std::vector<Enrollment>& existing, TimePoint now,
                          int max, std::string_view plural);

// How many places of the per-kind maximum `existing` takes for `kind`: every
// active enrollment, and every pending one whose registration window (the "exp"
// entry of its pending blob, unix milliseconds) has not passed at `now`. An
// abandoned registration stops counting once its window is over.
int CountTowardsMaximum(MethodKind kind, const std::vector<Enrollment>& existing, TimePoint now);

}  // namespace latchkey
