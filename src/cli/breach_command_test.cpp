#include "cli/breach_command.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/exit_code.hpp"
#include "policy/breach_filter.hpp"

namespace latchkey {
namespace {

class BreachCommandTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "/breach_cmd_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

constexpr const char* kThree =
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n"
    "7c4a8d09ca3762af61e59520943dc26494f8941b:37359195\r\n"
    "000000005AD76BD555C1D6D771DE417A4B87E4B4:10\r\n";

TEST_F(BreachCommandTest, ImportPrintsEntriesBytesAndBytesPerEntry) {
  const std::string input = Write("pwned.txt", kThree);
  const std::string output = dir_ + "/out/breach.filter";  // directory created on demand
  EXPECT_EQ(CmdBreachImport(input, output, out_, err_), kExitOk) << err_.str();
  const std::string text = out_.str();
  EXPECT_NE(text.find("entries: 3\n"), std::string::npos) << text;
  const auto size = std::filesystem::file_size(output);
  EXPECT_NE(text.find("bytes: " + std::to_string(size) + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("bytes per entry: "), std::string::npos) << text;
  EXPECT_EQ(err_.str(), "");
  Result<BreachFilter> filter = BreachFilter::Open(output);
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_TRUE(filter->MayContainPassword("password"));
  EXPECT_TRUE(filter->MayContainPassword("123456"));
}

TEST_F(BreachCommandTest, MalformedInputExitsOneAndNamesTheLine) {
  const std::string input = Write("pwned.txt", std::string(kThree) + "not a hash\n");
  EXPECT_EQ(CmdBreachImport(input, dir_ + "/breach.filter", out_, err_), kExitRejected);
  EXPECT_NE(err_.str().find("line 4: "), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().rfind("latchkey: breach import: ", 0), 0u) << err_.str();
  EXPECT_EQ(out_.str(), "");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/breach.filter"));
}

TEST_F(BreachCommandTest, MissingOrEmptyInputExitsOne) {
  EXPECT_EQ(CmdBreachImport(dir_ + "/none.txt", dir_ + "/f", out_, err_), kExitRejected);
  EXPECT_EQ(CmdBreachImport(Write("empty.txt", ""), dir_ + "/f", out_, err_), kExitRejected);
  EXPECT_NE(err_.str().find("no entries"), std::string::npos) << err_.str();
}

TEST_F(BreachCommandTest, UnwritableOutputExitsThree) {
  const std::string input = Write("pwned.txt", kThree);
  const std::string blocker = Write("plainfile", "x");  // a file where a directory should be
  EXPECT_EQ(CmdBreachImport(input, blocker + "/sub/breach.filter", out_, err_), kExitUnavailable);
  EXPECT_NE(err_.str().find("plainfile"), std::string::npos) << err_.str();
  EXPECT_EQ(CmdBreachImport(input, blocker + "/breach.filter", out_, err_), kExitUnavailable);
}

TEST_F(BreachCommandTest, DefaultOutputIsVarBreachFilter) {
  const std::string input = Write("pwned.txt", kThree);
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  const int rc = CmdBreachImport(input, "", out_, err_);
  std::filesystem::current_path(cwd);
  EXPECT_EQ(rc, kExitOk) << err_.str();
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/var/breach.filter"));
  EXPECT_NE(out_.str().find("./var/breach.filter"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace latchkey
