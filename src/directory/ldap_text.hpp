// The pure parts of speaking LDAP and Active Directory: filter escaping, the
// unicodePwd encoding, timestamps, and turning the directories' own refusals
// (ppolicy codes, AD extended errors) into violations people can read.
// No libldap here, so every piece is unit tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "core/status.hpp"
#include "policy/violation.hpp"

namespace latchkey::ldap_text {

// RFC 4515 §3: a value inside a filter, with '*', '(', ')', '\' and NUL (and, for
// readability of logs, every other byte below 0x20 and 0x7f) written as \XX, so that
// no input can add a wildcard or a clause.
std::string EscapeFilterValue(std::string_view value);

// `filter` with every "{username}" replaced by the escaped `username`.
std::string SubstituteUsername(std::string_view filter, std::string_view username);

// Checks a configured filter: one parenthesised, balanced expression that names
// {username} (when `needs_username`). `why` says what is wrong.
bool IsValidFilterTemplate(std::string_view filter, bool needs_username, std::string* why);

// AD's unicodePwd value: the password in double quotes, as UTF-16LE
// ([MS-ADTS] 3.1.1.3.1.5.1). kInvalidArgument when the password is not UTF-8.
Result<SecretString> AdUnicodePwd(const SecretString& password);

// UTF-8 to UTF-16LE bytes; nullopt for invalid UTF-8 (overlong forms, surrogates,
// values past U+10FFFF, truncated sequences).
std::optional<std::string> Utf8ToUtf16Le(std::string_view utf8);

// The Win32 error an AD diagnostic message starts with: "0000052D: Constraint..."
// gives 0x52d.
std::optional<std::uint32_t> AdExtendedError(std::string_view diagnostic);
// The sub-code in an AD bind failure: "... AcceptSecurityContext error, data 775,
// v1db1" gives 0x775.
std::optional<std::uint32_t> AdBindSubcode(std::string_view diagnostic);

// AD bind sub-codes ([MS-ADTS], "data" values of LDAP_INVALID_CREDENTIALS).
inline constexpr std::uint32_t kAdNoSuchUser = 0x525;
inline constexpr std::uint32_t kAdWrongPassword = 0x52e;
inline constexpr std::uint32_t kAdLogonHours = 0x530;
inline constexpr std::uint32_t kAdWorkstation = 0x531;
inline constexpr std::uint32_t kAdPasswordExpired = 0x532;
inline constexpr std::uint32_t kAdAccountDisabled = 0x533;
inline constexpr std::uint32_t kAdAccountExpired = 0x701;
inline constexpr std::uint32_t kAdMustChange = 0x773;
inline constexpr std::uint32_t kAdLockedOut = 0x775;
// ERROR_PASSWORD_RESTRICTION: length, complexity, history or age.
inline constexpr std::uint32_t kAdPasswordRestriction = 0x52d;

// userAccountControl and msDS-User-Account-Control-Computed bits.
inline constexpr std::uint32_t kUacAccountDisable = 0x2;
inline constexpr std::uint32_t kUacLockout = 0x10;
inline constexpr std::uint32_t kUacDontExpirePassword = 0x10000;
inline constexpr std::uint32_t kUacPasswordExpired = 0x800000;

// LDAP GeneralizedTime ("20261201232716Z", fractions allowed). nullopt when it is
// not one, and for ppolicy's "000001010000Z" (a permanent lock, see below).
std::optional<TimePoint> ParseGeneralizedTime(std::string_view text);
// ppolicy's marker for an administrative (permanent) lock in pwdAccountLockedTime.
bool IsPermanentLock(std::string_view pwd_account_locked_time);

// AD's FILETIME (100 ns since 1601-01-01). nullopt for 0 and for "never"
// (0x7fffffffffffffff), and for text that is not a number.
std::optional<TimePoint> ParseFileTime(std::string_view text);

// The rule broken, from a ppolicy response control's error
// (draft-behera-ldap-password-policy: 5 quality, 6 too short, 7 too young,
// 8 in history, 9 too long). nullopt for the codes that are not about the password.
std::optional<Violation> PpolicyViolation(int ppolicy_error);

// What AD (and Samba AD) said about a refused password (the 0000052D diagnostic).
// Samba names the rule; Windows does not, so `fallback` (see DescribeAdPolicy)
// explains the domain's rules instead.
Violation AdViolation(std::string_view diagnostic, const std::string& fallback);

// The domain's password rules in words, from the domain object's minPwdLength,
// pwdProperties (bit 0: complexity) and pwdHistoryLength. Empty values are left out.
std::string DescribeAdPolicy(int min_length, bool complexity, int history);

// The domain naming context a base DN lies in: its trailing DC= components
// ("OU=Staff,DC=corp,DC=example" gives "DC=corp,DC=example"); the whole DN when
// it has none.
std::string DomainDnOf(std::string_view base_dn);

// kPolicyRejected in the shape FlowService uses for its own policy: reason
// "password_rejected", field "new_password", every violation listed. `detail` (the
// directory's text, the DN) goes to logs only.
Status Rejected(const std::vector<Violation>& violations, std::string detail);

}  // namespace latchkey::ldap_text
