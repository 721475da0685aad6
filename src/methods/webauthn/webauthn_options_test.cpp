#include "methods/webauthn/webauthn_options.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "methods/webauthn/webauthn_encoding.hpp"

namespace latchkey::webauthn {
namespace {

using nlohmann::json;

// Fills with 0, 1, 2, ...: predictable, so the test can check what it got.
class SequenceRandom final : public Random {
 public:
  void Fill(std::uint8_t* out, std::size_t len) override {
    for (std::size_t i = 0; i < len; ++i) out[i] = next_++;
  }
  std::uint32_t Uniform(std::uint32_t upper) override { return next_++ % upper; }

 private:
  std::uint8_t next_ = 0;
};

CreationOptionsParams Params() {
  SequenceRandom random;
  CreationOptionsParams p;
  p.rp_id = "login.example.test";
  p.rp_name = "Example login";
  p.user_id = "\x01\x02\x03\x04";
  p.user_name = "alice";
  p.user_display_name = "Alice Liddell";
  p.challenge = NewChallenge(random);
  p.exclude_credentials = {{"old-credential", {"usb", "nfc"}}, {"another", {}}};
  return p;
}

std::string Decode(const json& j) { return DecodeWebAuthnBase64(j.get<std::string>()).value(); }

TEST(WebAuthnOptions, ChallengeIsThirtyTwoFreshBytes) {
  SequenceRandom random;
  const ByteString first = NewChallenge(random);
  const ByteString second = NewChallenge(random);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(first[31]), 31);
  EXPECT_EQ(static_cast<unsigned char>(second[0]), 32);  // drawn again, not reused
}

TEST(WebAuthnOptions, CreationOptionsCarryEveryMember) {
  const CreationOptionsParams p = Params();
  auto text = BuildCreationOptionsJson(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  const json j = json::parse(*text);
  EXPECT_EQ(j["rp"]["id"], "login.example.test");
  EXPECT_EQ(j["rp"]["name"], "Example login");
  EXPECT_EQ(Decode(j["user"]["id"]), p.user_id);
  EXPECT_EQ(j["user"]["name"], "alice");
  EXPECT_EQ(j["user"]["displayName"], "Alice Liddell");
  EXPECT_EQ(Decode(j["challenge"]), p.challenge);
  EXPECT_EQ(j["challenge"].get<std::string>().find('='),
            std::string::npos);  // base64url, no padding
  ASSERT_EQ(j["pubKeyCredParams"].size(), 3u);
  EXPECT_EQ(j["pubKeyCredParams"][0], json({{"type", "public-key"}, {"alg", -7}}));
  EXPECT_EQ(j["pubKeyCredParams"][1]["alg"], -8);
  EXPECT_EQ(j["pubKeyCredParams"][2]["alg"], -257);
  EXPECT_EQ(j["timeout"], 300000);
  ASSERT_EQ(j["excludeCredentials"].size(), 2u);
  EXPECT_EQ(Decode(j["excludeCredentials"][0]["id"]), "old-credential");
  EXPECT_EQ(j["excludeCredentials"][0]["transports"], json({"usb", "nfc"}));
  EXPECT_FALSE(j["excludeCredentials"][1].contains("transports"));
  EXPECT_EQ(j["authenticatorSelection"]["residentKey"], "preferred");
  EXPECT_EQ(j["authenticatorSelection"]["requireResidentKey"], false);
  EXPECT_EQ(j["authenticatorSelection"]["userVerification"], "preferred");
  EXPECT_FALSE(j["authenticatorSelection"].contains("authenticatorAttachment"));
  EXPECT_EQ(j["attestation"], "none");
  EXPECT_EQ(j["extensions"]["credProps"], true);
}

TEST(WebAuthnOptions, CreationChoicesAreValidated) {
  CreationOptionsParams p = Params();
  p.resident_key = "required";
  p.authenticator_attachment = "platform";
  p.attestation = "direct";
  p.hints = {"client-device"};
  auto text = BuildCreationOptionsJson(p);
  ASSERT_TRUE(text.ok());
  const json j = json::parse(*text);
  EXPECT_EQ(j["authenticatorSelection"]["requireResidentKey"], true);
  EXPECT_EQ(j["authenticatorSelection"]["authenticatorAttachment"], "platform");
  EXPECT_EQ(j["attestation"], "direct");
  EXPECT_EQ(j["hints"], json({"client-device"}));

  auto expect_bad = [](const CreationOptionsParams& bad) {
    auto r = BuildCreationOptionsJson(bad);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), "webauthn_bad_options");
  };
  CreationOptionsParams short_challenge = Params();
  short_challenge.challenge.resize(31);
  expect_bad(short_challenge);
  CreationOptionsParams no_user = Params();
  no_user.user_id.clear();
  expect_bad(no_user);
  CreationOptionsParams long_user = Params();
  long_user.user_id.assign(65, 'u');
  expect_bad(long_user);
  CreationOptionsParams bad_rk = Params();
  bad_rk.resident_key = "always";
  expect_bad(bad_rk);
  CreationOptionsParams bad_att = Params();
  bad_att.attestation = "full";
  expect_bad(bad_att);
  CreationOptionsParams no_algs = Params();
  no_algs.algorithms.clear();
  expect_bad(no_algs);
  CreationOptionsParams no_rp = Params();
  no_rp.rp_id.clear();
  expect_bad(no_rp);
}

TEST(WebAuthnOptions, RequestOptions) {
  SequenceRandom random;
  RequestOptionsParams p;
  p.rp_id = "login.example.test";
  p.challenge = NewChallenge(random);
  p.allow_credentials = {{"cred-1", {"internal", "hybrid"}}};
  p.user_verification = "required";
  auto text = BuildRequestOptionsJson(p);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  const json j = json::parse(*text);
  EXPECT_EQ(j["rpId"], "login.example.test");
  EXPECT_EQ(Decode(j["challenge"]), p.challenge);
  EXPECT_EQ(Decode(j["allowCredentials"][0]["id"]), "cred-1");
  EXPECT_EQ(j["allowCredentials"][0]["type"], "public-key");
  EXPECT_EQ(j["userVerification"], "required");
  EXPECT_EQ(j["timeout"], 300000);

  p.user_verification = "sometimes";
  EXPECT_FALSE(BuildRequestOptionsJson(p).ok());
  p.user_verification = "preferred";
  p.challenge = "short";
  EXPECT_FALSE(BuildRequestOptionsJson(p).ok());
  p.challenge = NewChallenge(random);
  p.allow_credentials.clear();  // discoverable credentials
  auto discoverable = BuildRequestOptionsJson(p);
  ASSERT_TRUE(discoverable.ok());
  EXPECT_EQ(json::parse(*discoverable)["allowCredentials"], json::array());
}

}  // namespace
}  // namespace latchkey::webauthn
