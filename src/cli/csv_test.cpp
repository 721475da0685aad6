#include "cli/csv.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(CsvTest, ParsesQuotesCrlfAndBom) {
  auto r = ParseCsv("\xEF\xBB\xBFusername,display_name\r\nalice,\"Smith, Alice\"\r\n\r\nbob,\"He said \"\"hi\"\"\"\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].fields, (std::vector<std::string>{"username", "display_name"}));
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"alice", "Smith, Alice"}));
  EXPECT_EQ((*r)[2].fields, (std::vector<std::string>{"bob", "He said \"hi\""}));
  EXPECT_EQ((*r)[2].line, 4);  // the blank line 3 is skipped but counted
}

TEST(CsvTest, QuotedNewlinesStayInTheField) {
  auto r = ParseCsv("a,b\n\"x\ny\",z\nlast,row");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1].fields[0], "x\ny");
  EXPECT_EQ((*r)[2].line, 4);
  EXPECT_EQ((*r)[2].fields, (std::vector<std::string>{"last", "row"}));
}

TEST(CsvTest, EmptyFieldsAreKept) {
  auto r = ParseCsv("a,,c\n,,\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].fields, (std::vector<std::string>{"a", "", "c"}));
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"", "", ""}));
}

TEST(CsvTest, MalformedQuotingNamesTheLine) {
  auto open = ParseCsv("a,b\nok,fine\n\"never closed,x\n");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("line 3"), std::string_view::npos);
  auto after = ParseCsv("a\n\"x\"y\n");
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.status().message().find("line 2"), std::string_view::npos);
}

}  // namespace
}  // namespace latchkey
