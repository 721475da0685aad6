#include "cli/diag_command.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "cli/exit_code.hpp"
#include "methods/webauthn/webauthn_spec_vectors.hpp"
#include "methods/webauthn/webauthn_test_util.hpp"

namespace latchkey {
namespace {

namespace sv = webauthn::spec_vectors;
using webauthn::testing::B64;
using webauthn::testing::Hex;

struct DiagRun {
  int code = -1;
  std::string out;
  std::string err;
  // "key: value" lines of the output.
  std::map<std::string, std::string> fields;
};

DiagRun Parse(int code, const std::ostringstream& out, const std::ostringstream& err) {
  DiagRun r{code, out.str(), err.str(), {}};
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) r.fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return r;
}

DiagRun Register(const sv::SpecVector& v, DiagRegisterArgs args = {}) {
  if (args.rp_id.empty()) args.rp_id = std::string(sv::kRpId);
  if (args.origin.empty()) args.origin = std::string(sv::kOrigin);
  if (args.challenge_b64url.empty()) args.challenge_b64url = B64(Hex(v.registration_challenge));
  std::istringstream in(webauthn::testing::RegistrationJson(
      Hex(v.credential_id), Hex(v.registration_client_data_json), Hex(v.attestation_object)));
  std::ostringstream out, err;
  const int code = CmdDiagWebauthnRegister(args, in, out, err);
  return Parse(code, out, err);
}

DiagRun Assert(const sv::SpecVector& v, DiagAssertArgs args) {
  if (args.rp_id.empty()) args.rp_id = std::string(sv::kRpId);
  if (args.origin.empty()) args.origin = std::string(sv::kOrigin);
  if (args.challenge_b64url.empty()) args.challenge_b64url = B64(Hex(v.authentication_challenge));
  std::istringstream in(
      webauthn::testing::AssertionJson(Hex(v.credential_id), Hex(v.authentication_client_data_json),
                                       Hex(v.authenticator_data), Hex(v.signature)));
  std::ostringstream out, err;
  const int code = CmdDiagWebauthnAssert(args, in, out, err);
  return Parse(code, out, err);
}

TEST(DiagWebauthn, RegisterThenAssertWithThePrintedKey) {
  for (const sv::SpecVector* v : {&sv::kPackedEs256, &sv::kPackedEdDsa, &sv::kPackedRs256,
                                  &sv::kFidoU2fEs256, &sv::kTpmEs256, &sv::kAppleEs256}) {
    SCOPED_TRACE(v->name);
    const DiagRun reg = Register(*v);
    ASSERT_EQ(reg.code, kExitOk) << reg.err;
    EXPECT_EQ(reg.fields.at("fmt"), v->fmt);
    EXPECT_EQ(reg.fields.at("credential_id"), B64(Hex(v->credential_id)));
    EXPECT_EQ(reg.fields.at("sign_count"), "0");
    EXPECT_NE(reg.fields.at("attestation").find("trust not established"), std::string::npos);

    DiagAssertArgs args;
    args.public_key_b64url = reg.fields.at("public_key");
    const DiagRun asserted = Assert(*v, args);
    ASSERT_EQ(asserted.code, kExitOk) << asserted.err;
    EXPECT_EQ(asserted.fields.at("credential_id"), reg.fields.at("credential_id"));
    EXPECT_EQ(asserted.fields.at("sign_count"), "0");
    EXPECT_TRUE(asserted.err.empty());
  }
}

TEST(DiagWebauthn, RegisterPrintsTheRecord) {
  const DiagRun reg = Register(sv::kPackedEs256);
  ASSERT_EQ(reg.code, kExitOk) << reg.err;
  EXPECT_EQ(reg.fields.at("alg"), "-7 (ES256)");
  EXPECT_EQ(reg.fields.at("aaguid"), "876ca4f5-2071-c3e9-b255-09ef2cdf7ed6");
  EXPECT_EQ(reg.fields.at("flags"), "UP UV BE AT");
  EXPECT_EQ(reg.fields.at("attestation"), "basic (trust not established)");
  EXPECT_EQ(reg.out.rfind("valid: registration\n", 0), 0u);
}

TEST(DiagWebauthn, InvalidResponsesExitOneNamingTheStep) {
  DiagRegisterArgs wrong_origin;
  wrong_origin.origin = "https://example.com";
  const DiagRun origin = Register(sv::kNoneEs256, wrong_origin);
  EXPECT_EQ(origin.code, kExitRejected);
  EXPECT_NE(origin.err.find("client data origin"), std::string::npos) << origin.err;
  EXPECT_NE(origin.err.find("[webauthn_bad_origin]"), std::string::npos) << origin.err;
  EXPECT_TRUE(origin.out.empty());

  DiagRegisterArgs wrong_rp;
  wrong_rp.rp_id = "example.com";
  EXPECT_NE(Register(sv::kNoneEs256, wrong_rp).err.find("[webauthn_bad_rpid]"), std::string::npos);

  // The assertion of another credential, with this one's key.
  const DiagRun reg = Register(sv::kNoneEs256);
  ASSERT_EQ(reg.code, kExitOk);
  DiagAssertArgs args;
  args.public_key_b64url = reg.fields.at("public_key");
  const DiagRun forged = Assert(sv::kPackedSelfEs256, args);
  EXPECT_EQ(forged.code, kExitRejected);
  EXPECT_NE(forged.err.find("[webauthn_bad_signature]"), std::string::npos) << forged.err;

  DiagAssertArgs counter = args;
  counter.sign_count = 3;
  const DiagRun regressed = Assert(sv::kNoneEs256, counter);
  EXPECT_EQ(regressed.code, kExitRejected);
  EXPECT_NE(regressed.err.find("[webauthn_counter_regressed]"), std::string::npos);

  DiagAssertArgs uv = args;
  uv.require_uv = true;  // this vector's assertion has no UV
  EXPECT_NE(Assert(sv::kNoneEs256, uv).err.find("[webauthn_bad_flags]"), std::string::npos);

  std::istringstream junk("not json");
  std::ostringstream out, err;
  DiagRegisterArgs plain{std::string(sv::kRpId), std::string(sv::kOrigin), "AAAA"};
  EXPECT_EQ(CmdDiagWebauthnRegister(plain, junk, out, err), kExitRejected);
  EXPECT_NE(err.str().find("[webauthn_bad_input]"), std::string::npos);
}

TEST(DiagWebauthn, BadArgumentsAreUsageErrors) {
  DiagRegisterArgs bad_challenge;
  bad_challenge.challenge_b64url = "not base64!";
  const DiagRun reg = Register(sv::kNoneEs256, bad_challenge);
  EXPECT_EQ(reg.code, kExitUsage);
  EXPECT_NE(reg.err.find("--challenge"), std::string::npos);

  DiagAssertArgs bad_key;
  bad_key.public_key_b64url = "***";
  EXPECT_EQ(Assert(sv::kNoneEs256, bad_key).code, kExitUsage);

  std::istringstream in("{}");
  std::ostringstream out, err;
  EXPECT_EQ(CmdDiagWebauthnRegister(DiagRegisterArgs{}, in, out, err), kExitUsage);
  DiagAssertArgs no_origin{"example.org", "", "AAAA", "AAAA", 0, false};
  EXPECT_EQ(CmdDiagWebauthnAssert(no_origin, in, out, err), kExitUsage);
}

}  // namespace
}  // namespace latchkey
