// TOTP: the RFC 4226 and RFC 6238 vectors, agreement with oathtool (run as a
// separate program), and the method's registration and gate rules on a manual
// clock: drift window, single use, leading zeros, limits, bad input, the QR code.
#include "methods/totp/totp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "core/blob.hpp"
#include "crypto/hashing.hpp"
#include "methods/method_test_util.hpp"
#include "methods/totp/qr_svg.hpp"
#include "methods/totp/totp_method.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using method_testing::EnrollBench;
using method_testing::GateBench;
using method_testing::ScriptedRandom;
using totp::Algorithm;

const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

// Runs `command` through the shell; its standard output without the final newline.
std::string RunShell(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return "<popen failed>";
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  const int rc = pclose(p);
  if (status != nullptr) *status = rc;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// ---------------------------------------------------------------- the algorithms

TEST(TotpAlgorithm, Rfc4226AppendixDVectors) {
  const std::array<const char*, 10> expected = {"755224", "287082", "359152", "969429", "338314",
                                                "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t count = 0; count < expected.size(); ++count) {
    EXPECT_EQ(totp::Hotp(kSeed20, count, 6), expected[count]) << "count " << count;
  }
}

TEST(TotpAlgorithm, Rfc6238AppendixBVectorsForEachHashWithItsSeed) {
  struct Row {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Row rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},  // needs 64-bit time and counter
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.time);
    EXPECT_EQ(totp::Totp(kSeed20, r.time, {Algorithm::kSha1, 8, 30}), r.sha1);
    EXPECT_EQ(totp::Totp(kSeed32, r.time, {Algorithm::kSha256, 8, 30}), r.sha256);
    EXPECT_EQ(totp::Totp(kSeed64, r.time, {Algorithm::kSha512, 8, 30}), r.sha512);
  }
  EXPECT_EQ(totp::TimeStep(20000000000, 30), 0x27BC86AAu);
  EXPECT_EQ(totp::TimeStep(1111111109, 30), 0x023523ECu);
  // The 20-byte seed is not the SHA-256 and SHA-512 seed: the values differ.
  EXPECT_EQ(totp::Totp(kSeed20, 59, {Algorithm::kSha256, 8, 30}), "32247374");
  EXPECT_EQ(totp::Totp(kSeed20, 59, {Algorithm::kSha512, 8, 30}), "69342147");
}

TEST(TotpAlgorithm, SixDigitCodesKeepLeadingZeros) {
  EXPECT_EQ(totp::Totp(kSeed20, 59, {Algorithm::kSha1, 6, 30}), "287082");
  EXPECT_EQ(totp::Totp(kSeed20, 1111111109, {Algorithm::kSha1, 6, 30}), "081804");
}

TEST(TotpAlgorithm, Base32) {
  EXPECT_EQ(totp::Base32Encode(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  // RFC 4648 §10, without padding.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "MY"},
                                                         {"fo", "MZXQ"},
                                                         {"foo", "MZXW6"},
                                                         {"foob", "MZXW6YQ"},
                                                         {"fooba", "MZXW6YTB"},
                                                         {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(totp::Base32Encode(plain), encoded);
    EXPECT_EQ(totp::Base32Decode(encoded), std::optional<std::string>(plain));
  }
  EXPECT_EQ(totp::Base32Decode("mzxw6ytboi"), std::optional<std::string>("foobar"));
  EXPECT_EQ(totp::Base32Decode("MZXW 6YTB OI======"), std::optional<std::string>("foobar"));
  EXPECT_EQ(totp::Base32Decode("MZXW1"), std::nullopt);  // 1 is not in the alphabet
  EXPECT_EQ(totp::Base32Decode("MZX"), std::nullopt);    // 3 symbols cannot end a group
  EXPECT_EQ(totp::Base32Decode("MY=Y"), std::nullopt);   // data after padding
}

TEST(TotpAlgorithm, OtpauthUriPercentEncodesIssuerAndAccount) {
  const std::string uri = totp::OtpauthUri("King's College & Co", "o'brien+test@example.org",
                                           "GEZDGNBV", {Algorithm::kSha256, 8, 60});
  EXPECT_EQ(uri,
            "otpauth://totp/King%27s%20College%20%26%20Co:o%27brien%2Btest%40example.org"
            "?secret=GEZDGNBV&issuer=King%27s%20College%20%26%20Co&algorithm=SHA256&digits=8"
            "&period=60");
  EXPECT_EQ(totp::PercentEncode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(totp::PercentEncode("Zoë:/?#"), "Zo%C3%AB%3A%2F%3F%23");
}

// ---------------------------------------------------------------- against oathtool

TEST(TotpOathtool, RfcSeedsThroughXxdAgree) {
  // The commands of standards.md §4.3: ASCII seeds turned into hex by xxd.
  EXPECT_EQ(RunShell("oathtool --totp -d 8 -N '@59' $(printf " + kSeed20 + " | xxd -p -c 200)"),
            "94287082");
  EXPECT_EQ(
      RunShell("oathtool --totp=sha256 -d 8 -N '@59' $(printf " + kSeed32 + " | xxd -p -c 200)"),
      totp::Totp(kSeed32, 59, {Algorithm::kSha256, 8, 30}));
  EXPECT_EQ(RunShell("oathtool --totp=sha512 -d 8 -N '@20000000000' $(printf " + kSeed64 +
                     " | xxd -p -c 200)"),
            totp::Totp(kSeed64, 20000000000, {Algorithm::kSha512, 8, 30}));
  EXPECT_EQ(RunShell("oathtool --hotp -c 9 $(printf " + kSeed20 + " | xxd -p -c 200)"),
            totp::Hotp(kSeed20, 9, 6));
}

TEST(TotpOathtool, RandomKeysTimesAndParametersAgree) {
  std::mt19937_64 gen(20260101);  // fixed seed: a failure can be reproduced
  const std::pair<Algorithm, const char*> algs[] = {
      {Algorithm::kSha1, "sha1"}, {Algorithm::kSha256, "sha256"}, {Algorithm::kSha512, "sha512"}};
  int compared = 0;
  for (const auto& [alg, name] : algs) {
    for (const int digits : {6, 8}) {
      for (const int period : {30, 60}) {
        std::string key(totp::KeyBytes(alg), '\0');
        for (auto& c : key) c = static_cast<char>(gen() & 0xff);
        const auto t = static_cast<std::int64_t>(gen() % 4'000'000'000ULL);
        const std::string hex =
            HexEncode(reinterpret_cast<const std::uint8_t*>(key.data()), key.size());
        const std::string mine = totp::Totp(key, t, {alg, digits, period});
        std::string theirs =
            RunShell(std::string("oathtool --totp=") + name + " -d " + std::to_string(digits) +
                     " -s " + std::to_string(period) + "s -N '@" + std::to_string(t) + "' " + hex);
        EXPECT_EQ(mine, theirs) << name << " digits " << digits << " period " << period << " t "
                                << t << " key " << hex;
        // The Base32 form an app would be given.
        theirs = RunShell(std::string("oathtool -b --totp=") + name + " -d " +
                          std::to_string(digits) + " -s " + std::to_string(period) + "s -N '@" +
                          std::to_string(t) + "' " + totp::Base32Encode(key));
        EXPECT_EQ(mine, theirs) << "base32 " << name;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 12);
}

// ---------------------------------------------------------------- the method

class TotpMethodTest : public ::testing::Test {
 protected:
  // 2026-01-01T00:00:00Z is the start of a 30 s step.
  TotpMethodTest() : enroll_(clock_, random_), gate_(clock_, random_) {
    method_ = MakeTotpMethod(options_);
    enroller_ = dynamic_cast<Enroller*>(method_.get());
  }

  void Rebuild(TotpMethodOptions options) {
    options_ = std::move(options);
    method_ = MakeTotpMethod(options_);
    enroller_ = dynamic_cast<Enroller*>(method_.get());
  }

  std::int64_t Now() const { return ToUnixMillis(clock_.Now()) / 1000; }

  // The code an app with `key` shows `steps` time steps from now.
  std::string CodeAt(const std::string& key, int steps, const totp::Params& p = {}) const {
    return totp::Totp(key, Now() + static_cast<std::int64_t>(steps) * p.period_seconds, p);
  }

  // Registers an app, reading the key back from the otpauth URI like an app does.
  Enrollment Register(std::string* key = nullptr, const std::string& body = "{}") {
    Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), body);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return {};
    const auto response = nlohmann::json::parse(enroll_.response());
    std::smatch m;
    const std::string uri = response["otpauth_uri"];
    EXPECT_TRUE(std::regex_search(uri, m, std::regex("[?&]secret=([A-Z2-7]+)")));
    const std::string k = totp::Base32Decode(m[1].str()).value();
    const Status done = enroller_->FinishEnroll(
        enroll_.ctx(), *e, nlohmann::json{{"code", CodeAt(k, 0, options_.params)}}.dump());
    EXPECT_TRUE(done.ok()) << done.ToString();
    if (key != nullptr) *key = k;
    return *e;
  }

  Status Verify(Enrollment* e, const std::string& code) {
    return method_->Verify(gate_.ctx(), e, Answer{SecretString(code), ""});
  }

  TotpMethodOptions options_;
  ManualClock clock_;
  ScriptedRandom random_;
  EnrollBench enroll_;
  GateBench gate_;
  std::unique_ptr<Method> method_;
  Enroller* enroller_ = nullptr;
};

TEST_F(TotpMethodTest, RegistrationAnswersWithUriQrAndSecretAndNeedsAFirstCode) {
  Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), R"({"name":"Work phone"})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->state, EnrollmentState::kPending);
  EXPECT_EQ(e->kind, MethodKind::kTotp);
  EXPECT_EQ(e->label, "Work phone");
  EXPECT_EQ(e->account_id, 7);
  EXPECT_FALSE(method_->IsUsable(*e));  // not before the first code
  const auto r = nlohmann::json::parse(enroll_.response());
  const std::string secret = r["secret"];
  const std::string key = totp::Base32Decode(secret).value();
  EXPECT_EQ(key.size(), 20u);  // 160 bits for SHA-1
  EXPECT_EQ(r["otpauth_uri"], "otpauth://totp/Latchkey:alice?secret=" + secret +
                                  "&issuer=Latchkey&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(r["digits"], 6);
  EXPECT_EQ(r["period"], 30);
  EXPECT_EQ(r["algorithm"], "SHA1");
  const std::string svg = r["qr_svg"];
  EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg.find("<title id=\"qr-title\">QR code to add alice (Latchkey)"), std::string::npos);
  // The key is not in the clear anywhere but the secret (sealed by the store).
  EXPECT_EQ(e->hint.find(secret), std::string::npos);
  EXPECT_EQ(e->label.find(secret), std::string::npos);
  EXPECT_EQ(std::string(e->pending.view()).find(secret), std::string::npos);

  // A wrong first code leaves it pending; the right one activates it.
  const std::string wrong = CodeAt(key, 0) == "000000" ? "000001" : "000000";
  Status st = enroller_->FinishEnroll(enroll_.ctx(), *e, nlohmann::json{{"code", wrong}}.dump());
  EXPECT_EQ(st.reason(), "wrong_code");
  EXPECT_EQ(e->state, EnrollmentState::kPending);
  clock_.Advance(std::chrono::seconds(40));
  st = enroller_->FinishEnroll(enroll_.ctx(), *e, nlohmann::json{{"code", CodeAt(key, 0)}}.dump());
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(e->state, EnrollmentState::kActive);
  EXPECT_EQ(e->confirmed_at, clock_.Now());
  EXPECT_TRUE(e->pending.empty());
  EXPECT_TRUE(method_->IsUsable(*e));
  // The code that confirmed the registration cannot pass a gate afterwards.
  EXPECT_EQ(Verify(&*e, CodeAt(key, 0)).reason(), "code_reused");
}

TEST_F(TotpMethodTest, RegistrationExpires) {
  Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_TRUE(e.ok());
  const std::string key =
      totp::Base32Decode(nlohmann::json::parse(enroll_.response())["secret"].get<std::string>())
          .value();
  clock_.Advance(std::chrono::minutes(15));
  const Status st =
      enroller_->FinishEnroll(enroll_.ctx(), *e, nlohmann::json{{"code", CodeAt(key, 0)}}.dump());
  EXPECT_EQ(st.code(), Errc::kExpired);
  EXPECT_EQ(e->state, EnrollmentState::kPending);
}

TEST_F(TotpMethodTest, DriftOfOneStepIsAcceptedAndTwoIsNot) {
  std::string key;
  Enrollment e = Register(&key);
  clock_.Advance(std::chrono::minutes(5));
  Status st = Verify(&e, CodeAt(key, -2));
  EXPECT_EQ(st.code(), Errc::kVerifyFailed);
  EXPECT_EQ(st.reason(), "wrong_code");
  EXPECT_EQ(Verify(&e, CodeAt(key, 2)).reason(), "wrong_code");
  EXPECT_TRUE(Verify(&e, CodeAt(key, -1)).ok());  // the phone's clock is 30 s behind
  EXPECT_TRUE(Verify(&e, CodeAt(key, 0)).ok());
  EXPECT_TRUE(Verify(&e, CodeAt(key, 1)).ok());  // 30 s ahead
  // Every one of them is spent now, and so is anything older.
  for (int d : {-1, 0, 1}) EXPECT_EQ(Verify(&e, CodeAt(key, d)).reason(), "code_reused") << d;
  // The next step's code passes once the clock gets there.
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_TRUE(Verify(&e, CodeAt(key, 0)).ok());
}

TEST_F(TotpMethodTest, ACodeIsAcceptedOnceEvenWithinItsStep) {
  std::string key;
  Enrollment e = Register(&key);
  clock_.Advance(std::chrono::seconds(90));
  const std::string code = CodeAt(key, 0);
  Enrollment stored = e;
  ASSERT_TRUE(Verify(&stored, code).ok());
  // The caller stores the updated enrollment; a replay against it fails.
  const Status replay = Verify(&stored, code);
  EXPECT_EQ(replay.code(), Errc::kVerifyFailed);
  EXPECT_EQ(replay.reason(), "code_reused");
  clock_.Advance(std::chrono::seconds(29));  // still inside the window of that step
  EXPECT_EQ(Verify(&stored, code).reason(), "code_reused");
  // An earlier step's code, still in the window, is refused as well.
  EXPECT_EQ(Verify(&stored, CodeAt(key, -1)).reason(), "code_reused");
  // Verify changed the stored last step: the enrollment before it still takes the code.
  EXPECT_TRUE(Verify(&e, code).ok());
}

TEST_F(TotpMethodTest, LeadingZerosAndTypingVariants) {
  // An enrollment with the RFC key at 1111111109 s, whose 6-digit code is 081804.
  clock_.Set(FromUnixMillis(1111111109LL * 1000 - 60'000));
  random_.Queue(kSeed20);
  Enrollment e = Register();
  ASSERT_EQ(e.state, EnrollmentState::kActive);
  clock_.Set(FromUnixMillis(1111111109LL * 1000));
  EXPECT_EQ(Verify(&e, "81804").reason(), "wrong_code");
  EXPECT_EQ(Verify(&e, "0818O4").reason(), "wrong_code");
  EXPECT_TRUE(Verify(&e, "081 804").ok());
}

TEST_F(TotpMethodTest, Sha256AndEightDigitsFromTheSettings) {
  TotpMethodOptions o;
  o.params = {Algorithm::kSha256, 8, 30};
  o.issuer = "Example University";
  Rebuild(o);
  clock_.Set(FromUnixMillis(0));
  random_.Queue(kSeed32);
  Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_TRUE(e.ok());
  const auto r = nlohmann::json::parse(enroll_.response());
  EXPECT_EQ(r["otpauth_uri"],
            "otpauth://totp/Example%20University:alice?secret=" + totp::Base32Encode(kSeed32) +
                "&issuer=Example%20University&algorithm=SHA256&digits=8&period=30");
  clock_.Set(FromUnixMillis(59'000));
  // RFC 6238's SHA-256 row at T = 59 s.
  const Status st = enroller_->FinishEnroll(enroll_.ctx(), *e, R"({"code":"46119246"})");
  EXPECT_TRUE(st.ok()) << st.ToString();
  // Changing the settings later does not change a registered app.
  Rebuild(TotpMethodOptions{});
  clock_.Set(FromUnixMillis(1111111109'000));
  EXPECT_TRUE(Verify(&*e, "68084774").ok());
}

TEST_F(TotpMethodTest, AtMostFiveAppsAndAbandonedRegistrationsStopCounting) {
  for (int i = 0; i < 4; ++i) enroll_.existing.push_back(Register());
  Result<Enrollment> pending = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_TRUE(pending.ok());
  enroll_.existing.push_back(*pending);  // the fifth, still unconfirmed
  Result<Enrollment> sixth = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.status().code(), Errc::kConflict);
  EXPECT_EQ(sixth.status().reason(), "too_many_methods");
  clock_.Advance(std::chrono::minutes(16));  // the fifth was abandoned
  EXPECT_TRUE(enroller_->BeginEnroll(enroll_.ctx(), "{}").ok());

  TotpMethodOptions o;
  o.max_per_account = 1;
  Rebuild(o);
  EXPECT_EQ(enroller_->BeginEnroll(enroll_.ctx(), "{}").status().reason(), "too_many_methods");
}

TEST_F(TotpMethodTest, NamesAreCheckedAndDefaultsAreNumbered) {
  enroll_.existing.push_back(Register());
  EXPECT_EQ(enroll_.existing.back().label, "Authenticator app");
  Result<Enrollment> second = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->label, "Authenticator app 2");
  EXPECT_EQ(
      enroller_->BeginEnroll(enroll_.ctx(), R"({"name":"authenticator APP"})").status().reason(),
      "duplicate_name");
  EXPECT_EQ(enroller_->BeginEnroll(enroll_.ctx(), R"({"name":"   "})").status().field(), "name");
  EXPECT_EQ(enroller_->BeginEnroll(enroll_.ctx(), R"({"name":"a\u0007b"})").status().reason(),
            "invalid_name");
  EXPECT_EQ(enroller_->BeginEnroll(enroll_.ctx(), R"({"name":42})").status().reason(),
            "invalid_name");
  EXPECT_EQ(
      enroller_->BeginEnroll(enroll_.ctx(), nlohmann::json{{"name", std::string(65, 'x')}}.dump())
          .status()
          .reason(),
      "invalid_name");
  Result<Enrollment> named = enroller_->BeginEnroll(enroll_.ctx(), R"({"name":"  Zoë's phone "})");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->label, "Zoë's phone");
}

TEST_F(TotpMethodTest, MalformedRequestsAreInputErrors) {
  for (const char* body : {"{", "[]", "\"x\"", "{\"name\":"}) {
    const Status st = enroller_->BeginEnroll(enroll_.ctx(), body).status();
    EXPECT_EQ(st.code(), Errc::kInvalidArgument) << body;
  }
  Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_TRUE(e.ok());
  for (const char* body : {"", "{}", R"({"code":123456})", "not json"}) {
    const Status st = enroller_->FinishEnroll(enroll_.ctx(), *e, body);
    EXPECT_EQ(st.code(), Errc::kInvalidArgument) << body;
    EXPECT_EQ(st.field(), "code");
  }
  EXPECT_EQ(e->state, EnrollmentState::kPending);
}

TEST_F(TotpMethodTest, BeginSendsNothingAndPhantomsNeverPass) {
  std::string key;
  Enrollment e = Register(&key);
  EXPECT_TRUE(method_->Begin(gate_.ctx(), &e).ok());
  EXPECT_TRUE(method_->Begin(gate_.ctx(), nullptr).ok());
  EXPECT_EQ(gate_.sender.sent, 0);
  EXPECT_EQ(enroll_.sender.sent, 0);
  // Whatever is typed (even the code of the only real key), a phantom fails alike.
  for (const std::string& code : {CodeAt(key, 0), std::string("123456"), std::string("")}) {
    const Status st = Verify(nullptr, code);
    EXPECT_EQ(st.code(), Errc::kVerifyFailed);
    EXPECT_EQ(st.reason(), "wrong_code");
  }
}

TEST_F(TotpMethodTest, AppsComputeTheSameCodesAsOathtoolFromTheUri) {
  // What the issue asks of the integration: a code computed by oathtool from the
  // secret in the QR's URI completes the registration and passes the gate.
  Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), "{}");
  ASSERT_TRUE(e.ok());
  const std::string secret = nlohmann::json::parse(enroll_.response())["secret"];
  auto oath = [&] {
    return RunShell("oathtool --totp -b -d 6 -N '@" + std::to_string(Now()) + "' " + secret);
  };
  ASSERT_TRUE(
      enroller_->FinishEnroll(enroll_.ctx(), *e, nlohmann::json{{"code", oath()}}.dump()).ok());
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_TRUE(Verify(&*e, oath()).ok());
}

// ---------------------------------------------------------------- the QR code

TEST(TotpQr, DecodesBackToTheExactUri) {
  testing_support::TempDir dir;
  const std::string uri =
      totp::OtpauthUri("King's College London", "zoë.o'brien+it@example.ac.uk",
                       totp::Base32Encode(kSeed64), {Algorithm::kSha512, 8, 30});
  Result<std::string> svg = QrSvg(uri, "QR code <for> \"Zoë\" & co");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(
      svg->find("<title id=\"qr-title\">QR code &lt;for&gt; &quot;Zoë&quot; &amp; co</title>"),
      std::string::npos);
  // zbarimg reads the SVG through ImageMagick, which has librsvg (rsvg-convert)
  // draw it: another program's rendering of what a browser is given.
  const std::string path = dir.File("qr.svg");
  std::ofstream(path) << *svg;
  int status = -1;
  const std::string decoded =
      RunShell("zbarimg --raw -q " + path + " 2>" + dir.File("zbarimg.err"), &status);
  std::ifstream err_file(dir.File("zbarimg.err"));
  const std::string err((std::istreambuf_iterator<char>(err_file)),
                        std::istreambuf_iterator<char>());
  EXPECT_EQ(status, 0) << err;
  EXPECT_EQ(decoded, uri) << err;
}

TEST(TotpQr, HasAQuietZoneOfFourModules) {
  Result<std::string> svg = QrSvg("hello", "t");  // fits in version 1
  ASSERT_TRUE(svg.ok());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*svg, m, std::regex("viewBox=\"0 0 ([0-9]+) ([0-9]+)\"")));
  const int size = std::stoi(m[1]);
  EXPECT_EQ(size, 21 + 8);  // version 1 is 21 modules wide
  // No dark module starts before column/row 4 or ends after size - 4.
  const std::regex run("M([0-9]+) ([0-9]+)h([0-9]+)");
  int runs = 0;
  for (auto it = std::sregex_iterator(svg->begin(), svg->end(), run); it != std::sregex_iterator();
       ++it, ++runs) {
    const int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), w = std::stoi((*it)[3]);
    EXPECT_GE(x, 4);
    EXPECT_GE(y, 4);
    EXPECT_LE(x + w, size - 4);
    EXPECT_LE(y + 1, size - 4);
  }
  EXPECT_GT(runs, 21);  // the finder patterns alone have more
}

TEST(TotpQr, TooLongTextIsRefused) {
  EXPECT_EQ(QrSvg(std::string(8000, 'a'), "t").status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey
