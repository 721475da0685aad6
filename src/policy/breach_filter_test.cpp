#include "policy/breach_filter.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "policy/breach_filter_format.hpp"

namespace latchkey {
namespace {

namespace bf = breach_format;
using Sha1 = std::array<std::uint8_t, 20>;

// ---------------------------------------------------------------- helpers

std::uint64_t SplitMix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A pseudo-random 20-byte hash, a function of (salt, i) only.
Sha1 TestSha1(std::uint64_t salt, std::uint64_t i) {
  Sha1 out;
  const std::uint64_t w[3] = {SplitMix(salt * 0x100000001b3ULL + 3 * i),
                              SplitMix(salt * 0x100000001b3ULL + 3 * i + 1),
                              SplitMix(salt * 0x100000001b3ULL + 3 * i + 2)};
  std::memcpy(out.data(), w, 20);
  return out;
}

std::string Hex(const Sha1& sha1, bool upper = true) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : sha1) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

Sha1 FromHex(const std::string& hex) {
  Sha1 out{};
  for (std::size_t i = 0; i < 20; ++i) out[i] = std::stoi(hex.substr(2 * i, 2), nullptr, 16);
  return out;
}

std::string MakeTempDir() {
  std::string tmpl = testing::TempDir() + "/breach_test_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return tmpl;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  ASSERT_TRUE(f.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile gz = gzopen(path.c_str(), "wb6");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

// `count` lines of `SHA1:COUNT\n` for TestSha1(salt, 0..count-1).
std::string Corpus(std::uint64_t salt, std::uint64_t count) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  text.reserve(count * 46);
  char line[64];
  for (std::uint64_t i = 0; i < count; ++i) {
    const Sha1 sha1 = TestSha1(salt, i);
    for (int b = 0; b < 20; ++b) {
      line[2 * b] = kDigits[sha1[b] >> 4];
      line[2 * b + 1] = kDigits[sha1[b] & 15];
    }
    line[40] = ':';
    line[41] = static_cast<char>('1' + i % 9);
    line[42] = '\n';
    text.append(line, 43);
  }
  return text;
}

// Files in `dir` other than the ones named.
std::vector<std::string> OtherFiles(const std::string& dir, const std::vector<std::string>& known) {
  std::vector<std::string> others;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (std::find(known.begin(), known.end(), name) == known.end()) others.push_back(name);
  }
  return others;
}

std::string FingerprintRegion(const std::string& file) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  return file.substr(bf::LoadU64(bytes + bf::HeaderOffsets::kFingerprintsOffset));
}

// ---------------------------------------------------------------- a million keys

constexpr std::uint64_t kPresentSalt = 7;
constexpr std::uint64_t kAbsentSalt = 8;
constexpr std::uint64_t kMillion = 1'000'000;

class BreachFilterMillionTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir());
    const std::string input = *dir_ + "/million.txt";
    WriteFile(input, Corpus(kPresentSalt, kMillion));
    BreachBuildOptions options;
    options.max_partition_entries = 1 << 18;  // four partitions
    Result<BreachBuildStats> stats = BuildBreachFilter(input, *dir_ + "/million.filter", options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    stats_ = new BreachBuildStats(*stats);
    std::filesystem::remove(input);
    Result<BreachFilter> filter = BreachFilter::Open(*dir_ + "/million.filter");
    ASSERT_TRUE(filter.ok()) << filter.status().ToString();
    filter_ = new BreachFilter(std::move(filter).value());
  }
  static void TearDownTestSuite() {
    delete filter_;
    delete stats_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static std::string* dir_;
  static BreachBuildStats* stats_;
  static BreachFilter* filter_;
};

std::string* BreachFilterMillionTest::dir_ = nullptr;
BreachBuildStats* BreachFilterMillionTest::stats_ = nullptr;
BreachFilter* BreachFilterMillionTest::filter_ = nullptr;

TEST_F(BreachFilterMillionTest, EveryImportedHashIsFoundInAFileOfTheDesignedSize) {
  ASSERT_NE(filter_, nullptr);
  std::uint64_t missing = 0;
  for (std::uint64_t i = 0; i < kMillion; ++i) {
    missing += !filter_->MayContainSha1(TestSha1(kPresentSalt, i).data());
  }
  EXPECT_EQ(missing, 0u);

  EXPECT_EQ(stats_->lines, kMillion);
  EXPECT_EQ(stats_->entries, kMillion);
  EXPECT_EQ(stats_->duplicates, 0u);
  EXPECT_EQ(stats_->partitions, 4u);
  EXPECT_FALSE(stats_->gzip);
  EXPECT_EQ(filter_->entry_count(), kMillion);
  EXPECT_EQ(filter_->partition_count(), 4u);
  EXPECT_EQ(stats_->file_bytes, filter_->file_size());
  // 16-bit fingerprints need 2 bytes per cell; partitions of 250k keys take about
  // 1.15 cells per key. A filter storing more (or fewer) would be a different design.
  EXPECT_GT(stats_->bytes_per_entry, 2.0);
  EXPECT_LT(stats_->bytes_per_entry, 2.35);
}

TEST_F(BreachFilterMillionTest, FalsePositiveRateIsAboutTwoToTheMinus16) {
  ASSERT_NE(filter_, nullptr);
  // 4M absent hashes: 61 false positives expected at 2^-16. The bounds are a factor
  // of two either way (a broken or 8-bit filter gives thousands; one that answers
  // "no" too often gives none); the count is deterministic for this input.
  constexpr std::uint64_t kProbes = 4 * kMillion;
  std::uint64_t positives = 0;
  for (std::uint64_t i = 0; i < kProbes; ++i) {
    positives += filter_->MayContainSha1(TestSha1(kAbsentSalt, i).data());
  }
  const double expected = static_cast<double>(kProbes) / 65536.0;
  EXPECT_GE(static_cast<double>(positives), expected / 2);
  EXPECT_LE(static_cast<double>(positives), expected * 2);
}

// ---------------------------------------------------------------- small inputs

class BreachFilterTest : public testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  Result<BreachBuildStats> Build(const std::string& content, const std::string& name = "f",
                                 BreachBuildOptions options = {}) {
    WriteFile(Path(name + ".txt"), content);
    return BuildBreachFilter(Path(name + ".txt"), Path(name + ".filter"), options);
  }

  std::string dir_;
};

TEST_F(BreachFilterTest, FindsTheSha1OfAKnownPassword) {
  const std::string content =
      "000000005AD76BD555C1D6D771DE417A4B87E4B4:10\n"
      "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\n"
      "7C4A8D09CA3762AF61E59520943DC26494F8941B:37359195\n";  // "123456"
  Result<BreachBuildStats> stats = Build(content);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->entries, 3u);
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_TRUE(filter->MayContainPassword("password"));
  EXPECT_TRUE(filter->MayContainPassword("123456"));
  EXPECT_TRUE(filter->MayContainSha1(FromHex("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8").data()));
  // Exact bytes: no case folding or trimming.
  EXPECT_FALSE(filter->MayContainPassword("Password"));
  EXPECT_FALSE(filter->MayContainPassword("password "));
  EXPECT_FALSE(filter->MayContainPassword("correct horse battery staple"));
  EXPECT_FALSE(filter->MayContainPassword(""));
}

TEST_F(BreachFilterTest, RecordsTheInputsSha256) {
  // printf '5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3\n' | sha256sum
  Result<BreachBuildStats> stats = Build("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3\n");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const std::string expected = "4977cb73b13da8b903d358f9312bc54ac215aab2f56035ba17829d0e76dcef03";
  EXPECT_EQ(stats->source_sha256_hex, expected);
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(filter->source_sha256_hex(), expected);
  EXPECT_EQ(filter->source_lines(), 1u);
}

TEST_F(BreachFilterTest, GzipInputGivesTheSameFileAsPlainText) {
  const std::string content = Corpus(11, 5000);
  WriteFile(Path("plain.txt"), content);
  WriteGzip(Path("packed.txt.gz"), content);
  Result<BreachBuildStats> plain = BuildBreachFilter(Path("plain.txt"), Path("plain.filter"));
  Result<BreachBuildStats> packed = BuildBreachFilter(Path("packed.txt.gz"), Path("packed.filter"));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  EXPECT_FALSE(plain->gzip);
  EXPECT_TRUE(packed->gzip);
  EXPECT_EQ(packed->entries, 5000u);
  EXPECT_EQ(packed->input_bytes, content.size());
  // Same text, same SHA-256, same seeds: byte-identical files.
  EXPECT_EQ(ReadFile(Path("plain.filter")), ReadFile(Path("packed.filter")));
}

TEST_F(BreachFilterTest, ConcatenatedGzipMembersAreReadWhole) {
  const std::string a = Corpus(12, 100);
  const std::string b = Corpus(13, 100);
  WriteGzip(Path("a.gz"), a);
  WriteGzip(Path("b.gz"), b);
  WriteFile(Path("ab.gz"), ReadFile(Path("a.gz")) + ReadFile(Path("b.gz")));
  Result<BreachBuildStats> stats = BuildBreachFilter(Path("ab.gz"), Path("ab.filter"));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->entries, 200u);
}

TEST_F(BreachFilterTest, DamagedGzipIsRejected) {
  const std::string content = Corpus(14, 20000);
  WriteGzip(Path("full.gz"), content);
  const std::string gz = ReadFile(Path("full.gz"));
  WriteFile(Path("cut.gz"), gz.substr(0, gz.size() / 2));
  Result<BreachBuildStats> stats = BuildBreachFilter(Path("cut.gz"), Path("cut.filter"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(stats.status().message().find("gzip"), std::string_view::npos)
      << stats.status().message();
  EXPECT_FALSE(std::filesystem::exists(Path("cut.filter")));
}

TEST_F(BreachFilterTest, CrlfAndLetterCaseDoNotChangeTheFilter) {
  std::string lf, crlf, lower;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    const Sha1 sha1 = TestSha1(21, i);
    lf += Hex(sha1) + ":5\n";
    crlf += Hex(sha1) + ":5\r\n";
    std::string mixed = Hex(sha1, /*upper=*/false);
    if (i % 2 == 0) mixed = Hex(sha1).substr(0, 20) + mixed.substr(20);
    lower += mixed + ":5\n";
  }
  lower.pop_back();  // last line without its newline
  BreachBuildOptions options;
  options.seed = 42;  // the texts differ, so their SHA-256 (the default seed) does too
  ASSERT_TRUE(Build(lf, "lf", options).ok());
  Result<BreachBuildStats> crlf_stats = Build(crlf, "crlf", options);
  ASSERT_TRUE(crlf_stats.ok()) << crlf_stats.status().ToString();
  Result<BreachBuildStats> lower_stats = Build(lower, "lower", options);
  ASSERT_TRUE(lower_stats.ok()) << lower_stats.status().ToString();
  EXPECT_EQ(crlf_stats->entries, 3000u);
  EXPECT_EQ(lower_stats->entries, 3000u);
  const std::string reference = FingerprintRegion(ReadFile(Path("lf.filter")));
  EXPECT_EQ(FingerprintRegion(ReadFile(Path("crlf.filter"))), reference);
  EXPECT_EQ(FingerprintRegion(ReadFile(Path("lower.filter"))), reference);
  Result<BreachFilter> filter = BreachFilter::Open(Path("lower.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  for (std::uint64_t i = 0; i < 3000; ++i) {
    ASSERT_TRUE(filter->MayContainSha1(TestSha1(21, i).data())) << i;
  }
}

TEST_F(BreachFilterTest, ThreadCountDoesNotChangeTheFile) {
  WriteFile(Path("in.txt"), Corpus(22, 20000));
  std::string reference;
  for (std::uint32_t threads : {1u, 2u, 3u, 16u}) {
    SCOPED_TRACE(threads);
    BreachBuildOptions options;
    options.max_partition_entries = 2000;  // 16 partitions
    options.threads = threads;
    Result<BreachBuildStats> stats = BuildBreachFilter(Path("in.txt"), Path("f.filter"), options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_EQ(stats->partitions, 16u);
    EXPECT_EQ(stats->entries, 20000u);
    const std::string file = ReadFile(Path("f.filter"));
    if (reference.empty()) reference = file;
    EXPECT_EQ(file, reference);
  }
}

TEST_F(BreachFilterTest, DuplicatesAreStoredOnceAndCounted) {
  std::string content;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const Sha1 sha1 = TestSha1(31, i);
    content += Hex(sha1) + ":1\n";
    if (i % 3 == 0) content += Hex(sha1, /*upper=*/false) + ":99\n";  // same hash again
    if (i % 500 == 0) content += Hex(sha1) + ":1\n" + Hex(sha1) + ":1\n";
  }
  Result<BreachBuildStats> stats = Build(content);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const std::uint64_t extra = 667 + 2 * 4;
  EXPECT_EQ(stats->lines, 2000u + extra);
  EXPECT_EQ(stats->entries, 2000u);
  EXPECT_EQ(stats->duplicates, extra);
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(filter->entry_count(), 2000u);
  EXPECT_EQ(filter->source_lines(), 2000u + extra);
  for (std::uint64_t i = 0; i < 2000; ++i) {
    ASSERT_TRUE(filter->MayContainSha1(TestSha1(31, i).data())) << i;
  }
}

TEST_F(BreachFilterTest, EveryLineTheSameHash) {
  std::string content;
  for (int i = 0; i < 1000; ++i) content += "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:1\n";
  Result<BreachBuildStats> stats = Build(content);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->duplicates, 999u);
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_TRUE(filter->MayContainPassword("password"));
}

TEST_F(BreachFilterTest, TinyAndEmptyPartitionsWork) {
  // 10 keys split into 8 partitions: some hold one key or none.
  BreachBuildOptions options;
  options.max_partition_entries = 1;
  Result<BreachBuildStats> stats = Build(Corpus(41, 10), "f", options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->partitions, 8u);
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  for (std::uint64_t i = 0; i < 10; ++i)
    EXPECT_TRUE(filter->MayContainSha1(TestSha1(41, i).data()));
  int positives = 0;
  for (std::uint64_t i = 0; i < 10000; ++i)
    positives += filter->MayContainSha1(TestSha1(42, i).data());
  EXPECT_LT(positives, 5);  // about 0.15 expected
}

TEST_F(BreachFilterTest, ConcurrentLookupsAgree) {
  constexpr std::uint64_t kKeys = 100000;
  ASSERT_TRUE(Build(Corpus(52, kKeys)).ok());
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  std::atomic<std::uint64_t> missing{0};
  std::atomic<std::uint64_t> positives{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::uint64_t local_missing = 0;
      std::uint64_t local_positives = 0;
      for (int round = 0; round < 3; ++round) {
        for (std::uint64_t i = t % 2; i < kKeys; i += 2) {
          local_missing += !filter->MayContainSha1(TestSha1(52, i).data());
          local_positives += filter->MayContainSha1(TestSha1(53, i).data());
        }
      }
      missing += local_missing;
      positives += local_positives;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(missing.load(), 0u);
  // Every thread sees the same answers: each absent hash was probed 6 times.
  EXPECT_EQ(positives.load() % 6, 0u);
}

TEST_F(BreachFilterTest, MovedFilterKeepsWorkingAndTheSourceIsEmpty) {
  ASSERT_TRUE(Build(Corpus(51, 100)).ok());
  Result<BreachFilter> opened = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  BreachFilter a = std::move(opened).value();
  BreachFilter b = std::move(a);
  EXPECT_TRUE(b.MayContainSha1(TestSha1(51, 7).data()));
  EXPECT_FALSE(a.MayContainSha1(TestSha1(51, 7).data()));  // NOLINT(bugprone-use-after-move)
  Result<BreachFilter> other = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(other.ok());
  a = std::move(other).value();
  EXPECT_TRUE(a.MayContainSha1(TestSha1(51, 7).data()));
}

// ---------------------------------------------------------------- bad input

struct BadInput {
  std::string name;
  std::string content;
  int line;
  std::string problem;
};

TEST_F(BreachFilterTest, MalformedLinesFailTheImportWithTheirLineNumber) {
  const std::string good = "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3\n";
  const std::string hash = "7C4A8D09CA3762AF61E59520943DC26494F8941B";
  const std::vector<BadInput> cases = {
      {"short hash", good + "7C4A8D09CA3762AF61E59520943DC26494F8941:1\n", 2,
       "the hash has 39 hex digits"},
      {"ntlm", good + good + "32ED87BDB5FDC5E9CBA88547376818D4:12\n", 3, "NTLM"},
      {"long hash", hash + "A:1\n", 1, "longer than 40 hex digits"},
      {"not hex", good + "7C4AG809CA3762AF61E59520943DC26494F8941B:1\n", 2,
       "character 5 is not a hex digit"},
      {"no count", good + hash + "\n", 2, "no ':' and count"},
      {"empty count", hash + ":\n", 1, "the count after ':' is missing"},
      {"word count", hash + ":many\n", 1, "the count is not a decimal number"},
      {"huge count", hash + ":123456789012345678901\n", 1, "more than 20 digits"},
      {"trailing space", hash + ":12 \n", 1, "unexpected character 44 after the count"},
      {"cr only", hash + ":1\r" + hash + ":2\r", 1, "unexpected character 43"},
      {"empty line", good + "\n" + good, 2, "empty line"},
      {"blank last line", good + good + "\r\n", 3, "empty line"},
      {"plain password", good + "hunter2\n", 2, "character 1 is not a hex digit"},
      {"cut last line", good + good + "7C4A8D09CA3762AF6", 3, "line ends after 17 characters"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.name);
    WriteFile(Path("bad.txt"), c.content);
    Result<BreachBuildStats> stats = BuildBreachFilter(Path("bad.txt"), Path("bad.filter"));
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.status().code(), Errc::kInvalidArgument);
    EXPECT_EQ(stats.status().reason(), "breach_input_malformed");
    const std::string message(stats.status().message());
    EXPECT_NE(message.find(Path("bad.txt") + ": line " + std::to_string(c.line) + ": "),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(c.problem), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << "the line must not be quoted";
    EXPECT_FALSE(std::filesystem::exists(Path("bad.filter")));
    EXPECT_EQ(OtherFiles(dir_, {"bad.txt"}), std::vector<std::string>{});
  }
}

TEST_F(BreachFilterTest, EveryNonHexByteIsCaughtAtEveryPosition) {
  // Mid-file, where the parser checks 16 bytes at a time, and in the last line,
  // where it checks one at a time. The bytes bracket each hex range.
  const std::string before = Corpus(62, 3);
  const std::string after = Corpus(63, 3);
  const std::string hash = "0123456789ABCDEFabcdef0123456789ABCDEFab";
  struct Case {
    bool last;
    std::string bytes;
  };
  const Case cases[] = {{false, std::string("/:@G`g\x80\xff", 8)}, {true, std::string("/G\0", 3)}};
  for (const Case& c : cases) {
    for (char bad : c.bytes) {
      for (int pos = 0; pos < 40; ++pos) {
        std::string line = hash + ":1\n";
        line[pos] = bad;
        WriteFile(Path("bad.txt"), before + line + (c.last ? "" : after));
        Result<BreachBuildStats> stats = BuildBreachFilter(Path("bad.txt"), Path("bad.filter"));
        ASSERT_FALSE(stats.ok()) << "byte " << int(bad) << " at " << pos << " last " << c.last;
        EXPECT_NE(stats.status().message().find("line 4: "), std::string_view::npos)
            << stats.status().message();
      }
    }
  }
  // And the untouched line is accepted in both places.
  ASSERT_TRUE(Build(before + hash + ":1\n" + after).ok());
  ASSERT_TRUE(Build(before + hash + ":1\n").ok());
  Result<BreachFilter> filter = BreachFilter::Open(Path("f.filter"));
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter->MayContainSha1(FromHex(hash).data()));
}

TEST_F(BreachFilterTest, MalformedLineFarIntoALargeFileIsFound) {
  // Past the 4 MiB read buffer, so the line number carries across refills.
  std::string content = Corpus(61, 200000);
  content += "XYZ\n";
  Result<BreachBuildStats> stats = Build(content);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("line 200001: "), std::string_view::npos)
      << stats.status().message();
}

TEST_F(BreachFilterTest, EmptyInputIsRefused) {
  Result<BreachBuildStats> stats = Build("");
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(stats.status().reason(), "breach_input_empty");
  EXPECT_NE(stats.status().message().find("no entries"), std::string_view::npos);
  EXPECT_FALSE(std::filesystem::exists(Path("f.filter")));
}

TEST_F(BreachFilterTest, MissingInputIsInvalidArgument) {
  Result<BreachBuildStats> stats = BuildBreachFilter(Path("absent.txt"), Path("f.filter"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(stats.status().message().find(Path("absent.txt")), std::string_view::npos);
}

TEST_F(BreachFilterTest, UnwritableOutputIsUnavailable) {
  WriteFile(Path("in.txt"), Corpus(71, 10));
  Result<BreachBuildStats> stats = BuildBreachFilter(Path("in.txt"), Path("no-such-dir/f.filter"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Errc::kUnavailable);
  EXPECT_NE(stats.status().message().find("no-such-dir"), std::string_view::npos)
      << stats.status().message();
}

TEST_F(BreachFilterTest, FailedImportLeavesThePreviousFilter) {
  ASSERT_TRUE(Build(Corpus(81, 100)).ok());
  const std::string before = ReadFile(Path("f.filter"));
  WriteFile(Path("f.txt"), Corpus(82, 100) + "garbage\n");
  ASSERT_FALSE(BuildBreachFilter(Path("f.txt"), Path("f.filter")).ok());
  EXPECT_EQ(ReadFile(Path("f.filter")), before);
  EXPECT_EQ(OtherFiles(dir_, {"f.txt", "f.filter"}), std::vector<std::string>{});
  // And a successful one replaces it.
  ASSERT_TRUE(Build(Corpus(83, 100)).ok());
  EXPECT_NE(ReadFile(Path("f.filter")), before);
  EXPECT_EQ(OtherFiles(dir_, {"f.txt", "f.filter"}), std::vector<std::string>{});
}

// ---------------------------------------------------------------- bad files

class BreachFilterOpenTest : public BreachFilterTest {
 protected:
  void SetUp() override {
    BreachFilterTest::SetUp();
    BreachBuildOptions options;
    options.max_partition_entries = 1000;  // several partitions, so a directory
    Result<BreachBuildStats> stats = Build(Corpus(91, 5000), "good", options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    good_ = ReadFile(Path("good.filter"));
    ASSERT_TRUE(BreachFilter::Open(Path("good.filter")).ok());
  }

  // Opens a modified copy; returns the error message (empty if it opened).
  std::string OpenModified(const std::string& bytes) {
    WriteFile(Path("bad.filter"), bytes);
    Result<BreachFilter> filter = BreachFilter::Open(Path("bad.filter"));
    if (filter.ok()) return "";
    EXPECT_EQ(filter.status().code(), Errc::kInvalidArgument);
    const std::string message(filter.status().message());
    EXPECT_NE(message.find(Path("bad.filter") + ": "), std::string::npos) << message;
    return message;
  }

  std::string Flipped(std::size_t offset) const {
    std::string bytes = good_;
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
    return bytes;
  }

  std::uint64_t FingerprintOffset() const {
    return bf::LoadU64(reinterpret_cast<const unsigned char*>(good_.data()) +
                       bf::HeaderOffsets::kFingerprintsOffset);
  }

  std::string good_;
};

TEST_F(BreachFilterOpenTest, MissingFileIsNotFound) {
  Result<BreachFilter> filter = BreachFilter::Open(Path("nothing.filter"));
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().code(), Errc::kNotFound);
  EXPECT_NE(filter.status().message().find("latchkey breach import"), std::string_view::npos);
}

TEST_F(BreachFilterOpenTest, ShorterThanAHeaderIsTruncated) {
  EXPECT_NE(OpenModified(good_.substr(0, 100)).find("truncated: 100 bytes"), std::string::npos);
  EXPECT_NE(OpenModified("").find("truncated: 0 bytes"), std::string::npos);
}

TEST_F(BreachFilterOpenTest, WrongMagicIsNotABreachFilter) {
  EXPECT_NE(OpenModified(Flipped(0)).find("bad magic"), std::string::npos);
  EXPECT_NE(OpenModified(std::string(4096, 'x')).find("bad magic"), std::string::npos);
}

TEST_F(BreachFilterOpenTest, OtherVersionIsRejectedByNumber) {
  std::string bytes = good_;
  bf::StoreU32(reinterpret_cast<unsigned char*>(bytes.data()) + bf::HeaderOffsets::kVersion, 2);
  EXPECT_NE(OpenModified(bytes).find("unsupported format version 2"), std::string::npos);
}

TEST_F(BreachFilterOpenTest, FlippedHeaderByteIsDetected) {
  for (std::size_t offset :
       {bf::HeaderOffsets::kEntryCount, bf::HeaderOffsets::kPartitionBits,
        bf::HeaderOffsets::kBaseSeed, bf::HeaderOffsets::kSourceSha256 + 5,
        bf::HeaderOffsets::kFingerprintsSha256 + 31, bf::HeaderOffsets::kMetaSha256}) {
    SCOPED_TRACE(offset);
    EXPECT_NE(OpenModified(Flipped(offset)).find("header or directory checksum mismatch"),
              std::string::npos);
  }
}

TEST_F(BreachFilterOpenTest, FlippedDirectoryByteIsDetected) {
  // The first partition's seed: a wrong seed would silently lose every key in it.
  const std::size_t seed = bf::kHeaderSize + bf::DirectoryOffsets::kSeed;
  EXPECT_NE(OpenModified(Flipped(seed)).find("header or directory checksum mismatch"),
            std::string::npos);
}

TEST_F(BreachFilterOpenTest, FlippedFingerprintByteIsDetected) {
  for (std::size_t offset : {FingerprintOffset(), FingerprintOffset() + 4321, good_.size() - 1}) {
    SCOPED_TRACE(offset);
    EXPECT_NE(OpenModified(Flipped(offset)).find("fingerprint checksum mismatch"),
              std::string::npos);
  }
}

TEST_F(BreachFilterOpenTest, TruncatedOrExtendedFileIsDetected) {
  const std::string cut = OpenModified(good_.substr(0, good_.size() - 64));
  EXPECT_NE(cut.find("truncated: " + std::to_string(good_.size() - 64) +
                     " bytes, the header records " + std::to_string(good_.size())),
            std::string::npos)
      << cut;
  // Cut inside the directory: the offsets checked before reading must catch it.
  EXPECT_NE(OpenModified(good_.substr(0, bf::kHeaderSize + 10)).find("out of range"),
            std::string::npos);
  EXPECT_NE(OpenModified(good_ + std::string(1, '\0')).find("wrong size"), std::string::npos);
}

}  // namespace
}  // namespace latchkey
