// What the phone methods share (SMS code, voice code, office phone): reading the
// numbers people type, checking a typed number against the one on file, and the
// Method + Enroller of a code sent to a registered mobile number.
//
// A mobile number serves SMS and voice through one enrollment per kind: registering
// it for texts makes an `sms` enrollment proven by a text, for calls a `voice`
// enrollment proven by a call. Each is a separate gate option and is removed on its
// own; both carry the same E.164 number and the same lookup (keyed hash under
// "phone"), so duplicates and per-number limits see one number. An administrator's
// `user add --phone` makes an active `sms` enrollment.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/method.hpp"
#include "methods/one_time_code.hpp"
#include "text/phone.hpp"

namespace latchkey {

struct PhoneMethodOptions {
  CodeOptions codes{6, std::chrono::minutes(5)};
  std::string default_region;  // for numbers typed without +CC
  int max_per_account = 3;     // numbers of this kind one person may register
};

// Which kinds of line a method accepts when a person registers a number.
enum class LineUse : std::uint8_t {
  kTexts,       // sms: mobiles (and lines the numbering plan cannot tell apart)
  kCalls,       // voice: mobiles and landlines
  kOfficeLine,  // office phone (set by an administrator): any line but premium-rate
                // and other cost-bearing or forwarding numbers
};

// Parses what a person typed: international ("+44 7400 123456") or national
// ("07400 123456") with `default_region`. kInvalidArgument (field "phone") with a
// message for people when it is not a number, does not exist, or is a kind of line
// that `use` cannot reach (a landline for texts, an internet (VoIP) number,
// premium-rate, ...).
Result<PhoneNumber> ParseNumberFor(LineUse use, std::string_view typed,
                                   std::string_view default_region);

// "Type the full number": Ok when `typed` (any format `default_region` allows) is
// the enrollment's number. Compared in constant time, on digests of the normalised
// E.164 forms, so timing says nothing about how much of it was right. Otherwise
// kVerifyFailed "number_mismatch" (also for input that is not a number at all).
Status ConfirmTypedNumber(std::string_view typed, const Enrollment& enrollment,
                          std::string_view default_region);

// The keyed lookup of a number (duplicate checks), as AccountAdmin computes it.
std::string PhoneLookup(const KeyRing& keys, std::string_view e164);

// A code sent to a registered number over `channel`: the gate, and registration by
// the person ({"phone"} -> code; {"code"} -> active). Returns an object that
// implements both Method and Enroller. Used by sms_code and voice_code.
std::unique_ptr<Method> MakePhoneCodeMethod(MethodKind kind, Channel channel, LineUse use,
                                            const PhoneMethodOptions& options);

}  // namespace latchkey
