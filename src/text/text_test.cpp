#include <gtest/gtest.h>

#include "text/phone.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

TEST(UnicodeTest, UsernameKeysFoldCaseAndWidth) {
  EXPECT_EQ(UsernameKey("Alice"), "alice");
  EXPECT_EQ(UsernameKey("ALICE"), "alice");
  EXPECT_EQ(UsernameKey("\xEF\xBC\xA1lice"), "alice");  // full-width A
  EXPECT_EQ(UsernameKey("k1234567@KCL.ac.uk"), "k1234567@kcl.ac.uk");
  EXPECT_EQ(UsernameKey("Stra\xC3\x9F" "e"), "strasse");  // ß folds to ss
}

TEST(UnicodeTest, UsernameKeysRejectWhatCannotBeAName) {
  std::string why;
  EXPECT_FALSE(UsernameKey("", &why).has_value());
  EXPECT_FALSE(UsernameKey("al ice", &why).has_value());
  EXPECT_NE(why.find("spaces"), std::string::npos);
  EXPECT_FALSE(UsernameKey("al\tice").has_value());
  EXPECT_FALSE(UsernameKey("alice\x01").has_value());
  EXPECT_FALSE(UsernameKey("\xff\xfe").has_value());                  // malformed UTF-8
  EXPECT_FALSE(UsernameKey("al\xE2\x80\x8Bice").has_value());         // zero-width space
  EXPECT_FALSE(UsernameKey(std::string(300, 'a')).has_value());
  EXPECT_TRUE(UsernameKey(std::string(256, 'a')).has_value());
}

TEST(UnicodeTest, NfkcAndCounting) {
  EXPECT_EQ(NormalizeNfkc("\xEF\xAC\x81"), "fi");  // the ligature ﬁ
  EXPECT_EQ(NormalizeNfkc("e\xCC\x81"), "\xC3\xA9");  // e + combining acute -> é
  EXPECT_EQ(CodePointCount("\xC3\xA9t\xC3\xA9"), 3u);
  EXPECT_FALSE(NormalizeNfkc("\xC3").has_value());
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // a UTF-16 surrogate
}

TEST(PhoneTest, ParsesInternationalAndNationalNumbers) {
  Result<PhoneNumber> intl = ParsePhone("+44 7400 123456", "");
  ASSERT_TRUE(intl.ok()) << intl.status().ToString();
  EXPECT_EQ(intl->e164, "+447400123456");
  EXPECT_EQ(intl->country_code, 44);
  EXPECT_EQ(intl->region, "GB");
  Result<PhoneNumber> national = ParsePhone("07400 123456", "GB");
  ASSERT_TRUE(national.ok());
  EXPECT_EQ(national->e164, "+447400123456");
  Result<PhoneNumber> us = ParsePhone("(816) 235-2000", "US");
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(us->e164, "+18162352000");
}

TEST(PhoneTest, RejectsInvalidNumbersWithAClearMessage) {
  Result<PhoneNumber> no_region = ParsePhone("07400 123456", "");
  ASSERT_FALSE(no_region.ok());
  EXPECT_NE(no_region.status().message().find("country code"), std::string_view::npos);
  EXPECT_EQ(no_region.status().field(), "phone");
  EXPECT_FALSE(ParsePhone("+44 123", "").ok());
  EXPECT_FALSE(ParsePhone("not a number", "GB").ok());
  EXPECT_FALSE(ParsePhone("", "GB").ok());
  // Ofcom's drama range (07700 900xxx) is not a real number.
  EXPECT_FALSE(ParsePhone("+44 7700 900123", "").ok());
}

}  // namespace
}  // namespace latchkey
