#include "directory/ldap_text.hpp"

#include <gtest/gtest.h>

namespace latchkey::ldap_text {
namespace {

std::string Hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += d[(static_cast<unsigned char>(c) >> 4) & 0xf];
    out += d[static_cast<unsigned char>(c) & 0xf];
  }
  return out;
}

TEST(LdapFilterEscapeTest, SpecialCharactersBecomeHexEscapes) {
  EXPECT_EQ(EscapeFilterValue("alice"), "alice");
  EXPECT_EQ(EscapeFilterValue("*"), "\\2a");
  EXPECT_EQ(EscapeFilterValue("a(b)c"), "a\\28b\\29c");
  EXPECT_EQ(EscapeFilterValue("back\\slash"), "back\\5cslash");
  EXPECT_EQ(EscapeFilterValue(std::string("nul\0x", 5)), "nul\\00x");
  EXPECT_EQ(EscapeFilterValue("tab\there"), "tab\\09here");
  // UTF-8 passes through unchanged (RFC 4515 allows it).
  EXPECT_EQ(EscapeFilterValue("J\xc3\xb6rg"), "J\xc3\xb6rg");
}

TEST(LdapFilterEscapeTest, AnInjectionAttemptStaysOneValue) {
  const std::string f = SubstituteUsername("(uid={username})", "*)(uid=*");
  EXPECT_EQ(f, "(uid=\\2a\\29\\28uid=\\2a)");
  // Still one balanced filter with no unescaped wildcard or parenthesis inside.
  std::string why;
  EXPECT_TRUE(IsValidFilterTemplate(f, false, &why)) << why;
  EXPECT_EQ(f.find('*'), std::string::npos);
  EXPECT_EQ(SubstituteUsername("(|(uid={username})(mail={username}))", "a)(|(x=*"),
            "(|(uid=a\\29\\28|\\28x=\\2a)(mail=a\\29\\28|\\28x=\\2a))");
  EXPECT_EQ(SubstituteUsername("(cn=x)", "ignored"), "(cn=x)");
}

TEST(LdapFilterTemplateTest, ChecksShapeAndPlaceholder) {
  std::string why;
  EXPECT_TRUE(IsValidFilterTemplate("(uid={username})", true, &why));
  EXPECT_TRUE(IsValidFilterTemplate(
      "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))", true, &why));
  EXPECT_TRUE(IsValidFilterTemplate("(cn=a\\29b)", false, &why));  // an escaped ')'
  EXPECT_FALSE(IsValidFilterTemplate("uid={username}", true, &why));
  EXPECT_NE(why.find("parenthesised"), std::string::npos);
  EXPECT_FALSE(IsValidFilterTemplate("(uid=alice)", true, &why));
  EXPECT_NE(why.find("{username}"), std::string::npos);
  EXPECT_FALSE(IsValidFilterTemplate("(uid={username})(cn=x)", true, &why));
  EXPECT_FALSE(IsValidFilterTemplate("((uid={username})", true, &why));
  EXPECT_FALSE(IsValidFilterTemplate("(uid={username}))", true, &why));
  EXPECT_FALSE(IsValidFilterTemplate("", false, &why));
}

TEST(AdPasswordEncodingTest, QuotedUtf16Le) {
  Result<SecretString> v = AdUnicodePwd(SecretString("Ab1"));
  ASSERT_TRUE(v.ok());
  // "\"Ab1\"" as UTF-16LE ([MS-ADTS] 3.1.1.3.1.5.1).
  EXPECT_EQ(Hex(v->view()), "220041006200310022" "00");
  // Non-ASCII: U+00E9 and U+1F600 (a surrogate pair).
  Result<SecretString> w = AdUnicodePwd(SecretString("\xc3\xa9\xf0\x9f\x98\x80"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(Hex(w->view()), "2200e9003dd800de2200");
  EXPECT_EQ(Hex(AdUnicodePwd(SecretString("")).value().view()), "22002200");
}

TEST(AdPasswordEncodingTest, InvalidUtf8IsRefused) {
  for (const std::string& bad : {std::string("\xc3"), std::string("\xc0\xaf"),  // truncated, overlong
                                std::string("\xed\xa0\x80"),                   // a surrogate
                                std::string("\xf4\x90\x80\x80"),               // > U+10FFFF
                                std::string("\x80"), std::string("\xe0\x80\xaf")}) {
    EXPECT_FALSE(Utf8ToUtf16Le(bad).has_value()) << Hex(bad);
    EXPECT_EQ(AdUnicodePwd(SecretString(bad)).status().code(), Errc::kInvalidArgument);
  }
  EXPECT_EQ(Hex(*Utf8ToUtf16Le("\xe2\x82\xac")), "ac20");  // the euro sign
}

TEST(DirectoryErrorsTest, AdDiagnosticsGiveTheirCodes) {
  EXPECT_EQ(AdExtendedError("0000052D: Constraint violation - check_password_restrictions"),
            0x52du);
  EXPECT_EQ(AdExtendedError("00000005: SecErr: DSID-03152857, problem 4003"), 0x5u);
  EXPECT_FALSE(AdExtendedError("Password fails quality checking policy").has_value());
  EXPECT_FALSE(AdExtendedError("").has_value());
  EXPECT_EQ(AdBindSubcode("80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext "
                          "error, data 775, v1db1"),
            kAdLockedOut);
  EXPECT_EQ(AdBindSubcode("80090308: LdapErr: DSID-0C09042F, comment: AcceptSecurityContext "
                          "error, data 52e, v4563"),
            kAdWrongPassword);
  EXPECT_EQ(AdBindSubcode("comment: AcceptSecurityContext error, data 773, v2580"), kAdMustChange);
  EXPECT_FALSE(AdBindSubcode("Invalid credentials").has_value());
}

TEST(DirectoryErrorsTest, PpolicyCodesBecomeReadableViolations) {
  EXPECT_EQ(PpolicyViolation(5)->rule, "directory_quality");
  EXPECT_EQ(PpolicyViolation(6)->rule, "directory_too_short");
  EXPECT_EQ(PpolicyViolation(7)->rule, "directory_too_young");
  EXPECT_EQ(PpolicyViolation(8)->rule, "directory_history");
  EXPECT_EQ(PpolicyViolation(9)->rule, "directory_too_long");
  EXPECT_NE(PpolicyViolation(8)->message.find("used this password before"), std::string::npos);
  // Not about the new password: expired, locked, must change, not allowed.
  for (int e : {-1, 0, 1, 2, 3, 4, 65535}) EXPECT_FALSE(PpolicyViolation(e).has_value()) << e;
}

TEST(DirectoryErrorsTest, SambaTextsNameTheRuleAndWindowsFallsBack) {
  const std::string prefix = "0000052D: Constraint violation - check_password_restrictions: ";
  Violation v = AdViolation(prefix + "the password is too short. It should be equal or longer than 10 characters!", "");
  EXPECT_EQ(v.rule, "directory_too_short");
  EXPECT_NE(v.message.find("at least 10 characters"), std::string::npos) << v.message;
  EXPECT_EQ(AdViolation(prefix + "the password does not meet the complexity criteria!", "").rule,
            "directory_quality");
  EXPECT_EQ(AdViolation(prefix + "the password was already used (in history)!", "").rule,
            "directory_history");
  EXPECT_EQ(AdViolation(prefix + "password is too young to change!", "").rule, "directory_too_young");
  // Windows: "0000052D: AtrErr: DSID-03191083, #1: ..." names no rule.
  const std::string windows = "0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, "
                              "problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)";
  const std::string fallback = DescribeAdPolicy(14, true, 24);
  Violation w = AdViolation(windows, fallback);
  EXPECT_EQ(w.rule, "directory_policy");
  EXPECT_EQ(w.message, fallback);
  EXPECT_EQ(fallback,
            "The domain did not accept this password. It requires at least 14 characters; "
            "characters from three of: capital letters, small letters, digits and symbols, and no "
            "part of your name; and not one of your last 24 passwords.");
  EXPECT_EQ(AdViolation(windows, "").rule, "directory_policy");
  EXPECT_EQ(DescribeAdPolicy(0, false, 0), "");
  EXPECT_EQ(DescribeAdPolicy(8, false, 1),
            "The domain did not accept this password. It requires at least 8 characters; and "
            "not one of your last 1 password.");
}

TEST(DirectoryErrorsTest, RejectionHasThePolicyEngineShapeAndKeepsTheRawTextOutOfTheMessage) {
  const Status st = Rejected({{"directory_history", "You have used this password before."}},
                             "dn=uid=alice,ou=people: code 19: Password is in history");
  EXPECT_EQ(st.code(), Errc::kPolicyRejected);
  EXPECT_EQ(st.reason(), "password_rejected");
  EXPECT_EQ(st.field(), "new_password");
  EXPECT_EQ(st.message(), "Choose a different password: You have used this password before.");
  ASSERT_EQ(st.violations().size(), 1u);
  EXPECT_EQ(st.violations()[0].first, "directory_history");
  EXPECT_EQ(st.message().find("uid="), std::string::npos);
  EXPECT_NE(st.detail().find("uid=alice"), std::string::npos);
}

TEST(DirectoryTimeTest, GeneralizedTimeAndFileTime) {
  // 2026-12-01T23:27:16Z = 1796167636 s.
  EXPECT_EQ(ToUnixMillis(*ParseGeneralizedTime("20261201232716Z")), 1796167636000);
  EXPECT_EQ(ToUnixMillis(*ParseGeneralizedTime("20261201232716.378082Z")), 1796167636378);
  EXPECT_EQ(ToUnixMillis(*ParseGeneralizedTime("19700101000000Z")), 0);
  EXPECT_FALSE(ParseGeneralizedTime("000001010000Z").has_value());
  EXPECT_TRUE(IsPermanentLock("000001010000Z"));
  EXPECT_FALSE(IsPermanentLock("20261201232716Z"));
  EXPECT_FALSE(ParseGeneralizedTime("20261301232716Z").has_value());
  EXPECT_FALSE(ParseGeneralizedTime("2026120123Z").has_value());
  EXPECT_FALSE(ParseGeneralizedTime("").has_value());
  // FILETIME: 100 ns since 1601. 134406411583513280 = 2026-12-01T23:25:58.351Z.
  EXPECT_EQ(ToUnixMillis(*ParseFileTime("134406411583513280")), 1796167558351);
  EXPECT_EQ(ToUnixMillis(*ParseFileTime("116444736000000000")), 0);
  EXPECT_FALSE(ParseFileTime("0").has_value());
  EXPECT_FALSE(ParseFileTime("9223372036854775807").has_value());  // never
  EXPECT_FALSE(ParseFileTime("abc").has_value());
}

TEST(DirectoryDnTest, DomainOfABaseDn) {
  EXPECT_EQ(DomainDnOf("OU=Staff,DC=corp,DC=example"), "DC=corp,DC=example");
  EXPECT_EQ(DomainDnOf("CN=Users, DC=lk, DC=test"), "DC=lk, DC=test");
  EXPECT_EQ(DomainDnOf("dc=example,dc=test"), "dc=example,dc=test");
  EXPECT_EQ(DomainDnOf("ou=people,o=Example"), "ou=people,o=Example");
  EXPECT_EQ(DomainDnOf("OU=a\\,DC=b,DC=real"), "DC=real");
}

}  // namespace
}  // namespace latchkey::ldap_text
