// The WebAuthn method end to end with a software authenticator (OpenSSL keys and
// signatures, libcbor attestation objects): registration through the Enroller,
// assertions through the Method, counters, single-use challenges, expiry, limits,
// duplicate credentials, user handles and phantoms.
#include "methods/webauthn/webauthn_method.hpp"

#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/blob.hpp"
#include "methods/method_test_util.hpp"
#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_test_util.hpp"

namespace latchkey {
namespace {

using method_testing::EnrollBench;
using method_testing::GateBench;
using method_testing::ScriptedRandom;
using nlohmann::json;
using webauthn::testing::B64;

constexpr char kRpId[] = "login.example.test";
constexpr char kOrigin[] = "https://login.example.test";
constexpr std::uint8_t kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40;

std::string Sha256(std::string_view data) {
  unsigned char out[32];
  EVP_Digest(data.data(), data.size(), out, nullptr, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string Cbor(cbor_item_t* item) {
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t len = cbor_serialize_alloc(item, &buf, &cap);
  std::string out(reinterpret_cast<char*>(buf), len);
  free(buf);
  cbor_decref(&item);
  return out;
}
cbor_item_t* CborBytes(std::string_view b) {
  return cbor_build_bytestring(reinterpret_cast<const unsigned char*>(b.data()), b.size());
}
void Put(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
  cbor_map_add(map, cbor_pair{.key = cbor_move(key), .value = cbor_move(value)});
}

std::string Unb64(const json& value) {
  return webauthn::DecodeWebAuthnBase64(value.get<std::string>()).value();
}

// A security key in software: one ES256 credential, a signature counter, and
// the flags it reports.
class SoftKey {
 public:
  explicit SoftKey(std::string id = "") : key_(EVP_EC_gen("P-256"), EVP_PKEY_free) {
    id_ = id.empty() ? "soft-key-" + std::to_string(++made_) : std::move(id);
  }

  // navigator.credentials.create() for `options` (the "options" member of the
  // registration response); `origin` and `rp_id` as a browser would report them.
  std::string Create(const json& options, std::uint8_t flags = kUp | kUv,
                     const std::string& origin = kOrigin, const std::string& rp_id = kRpId) {
    user_handle_ = Unb64(options["user"]["id"]);
    const std::string client_data = ClientData("webauthn.create", options["challenge"], origin);
    std::string auth = AuthData(rp_id, flags | kAt, 0);
    auth += std::string(16, '\x2a');  // AAGUID
    auth.push_back(static_cast<char>(id_.size() >> 8));
    auth.push_back(static_cast<char>(id_.size() & 0xff));
    auth += id_ + Cose();
    cbor_item_t* att = cbor_new_definite_map(3);
    Put(att, cbor_build_string("fmt"), cbor_build_string("none"));
    Put(att, cbor_build_string("attStmt"), cbor_new_definite_map(0));
    Put(att, cbor_build_string("authData"), CborBytes(auth));
    return webauthn::testing::RegistrationJson(id_, client_data, Cbor(att), {"usb", "nfc"});
  }

  // navigator.credentials.get() for request options, with the next counter value.
  std::string Get(const json& options, std::uint8_t flags = kUp | kUv,
                  std::optional<std::uint32_t> count = {}, std::optional<std::string> handle = {}) {
    counter_ = count ? *count : counter_ + 1;
    const std::string client_data = ClientData("webauthn.get", options["challenge"], kOrigin);
    const std::string auth = AuthData(kRpId, flags, counter_);
    const std::string sig = Sign(auth + Sha256(client_data));
    return webauthn::testing::AssertionJson(id_, client_data, auth, sig,
                                            handle ? *handle : user_handle_);
  }

  const std::string& id() const { return id_; }
  const std::string& user_handle() const { return user_handle_; }

 private:
  static std::string ClientData(const std::string& type, const json& challenge,
                                const std::string& origin) {
    return json{
        {"type", type}, {"challenge", challenge}, {"origin", origin}, {"crossOrigin", false}}
        .dump();
  }
  static std::string AuthData(const std::string& rp_id, std::uint8_t flags, std::uint32_t count) {
    std::string out = Sha256(rp_id);
    out.push_back(static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(count >> shift));
    return out;
  }
  std::string Cose() const {
    unsigned char point[65];
    std::size_t len = 0;
    EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                    &len);
    const std::string p(reinterpret_cast<char*>(point), len);
    cbor_item_t* map = cbor_new_definite_map(5);  // CTAP2 canonical order: 1, 3, -1, -2, -3
    Put(map, cbor_build_uint8(1), cbor_build_uint8(2));
    Put(map, cbor_build_uint8(3), cbor_build_negint8(6));  // -7: ES256
    Put(map, cbor_build_negint8(0), cbor_build_uint8(1));  // crv: P-256
    Put(map, cbor_build_negint8(1), CborBytes(p.substr(1, 32)));
    Put(map, cbor_build_negint8(2), CborBytes(p.substr(33, 32)));
    return Cbor(map);
  }
  std::string Sign(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr);
    std::size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    EVP_DigestSign(ctx, nullptr, &len, in, data.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
  }

  static inline int made_ = 0;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
  std::string id_;
  std::string user_handle_;
  std::uint32_t counter_ = 0;
};

WebAuthnMethodOptions Options() {
  WebAuthnMethodOptions o;
  o.rp_id = kRpId;
  o.rp_name = "Example University";
  o.origins = {kOrigin};
  return o;
}

class WebAuthnMethodTest : public ::testing::Test {
 protected:
  WebAuthnMethodTest() : enroll_(clock_, random_), gate_(clock_, random_) { Rebuild(Options()); }

  void Rebuild(const WebAuthnMethodOptions& o) {
    method_ = MakeWebAuthnMethod(o);
    enroller_ = dynamic_cast<Enroller*>(method_.get());
  }

  // BeginEnroll: the enrollment and the creation options.
  std::pair<Enrollment, json> Start(const std::string& body = R"({"name":"Blue key"})") {
    Result<Enrollment> e = enroller_->BeginEnroll(enroll_.ctx(), body);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return {};
    return {*e, json::parse(enroll_.response())["options"]};
  }
  Status Finish(Enrollment& e, const std::string& credential) {
    return enroller_->FinishEnroll(enroll_.ctx(), e,
                                   json{{"credential", json::parse(credential)}}.dump());
  }
  Enrollment Register(SoftKey& key, std::uint8_t flags = kUp | kUv) {
    auto [e, options] = Start();
    const Status st = Finish(e, key.Create(options, flags));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return e;
  }

  // Begin at a gate: the request options.
  json Challenge(const Enrollment* e) {
    const Status st = method_->Begin(gate_.ctx(), e);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return json::parse(gate_.response)["options"];
  }
  Status Assert(Enrollment* e, const std::string& assertion) {
    return method_->Verify(gate_.ctx(), e, Answer{SecretString(), assertion});
  }

  ManualClock clock_;
  ScriptedRandom random_;
  EnrollBench enroll_;
  GateBench gate_;
  std::unique_ptr<Method> method_;
  Enroller* enroller_ = nullptr;
};

TEST_F(WebAuthnMethodTest, RegistrationAndAssertionRoundTrip) {
  SoftKey key;
  auto [e, options] = Start();
  EXPECT_EQ(e.state, EnrollmentState::kPending);
  EXPECT_EQ(e.label, "Blue key");
  EXPECT_EQ(options["rp"], json({{"id", kRpId}, {"name", "Example University"}}));
  EXPECT_GE(Unb64(options["challenge"]).size(), 32u);
  EXPECT_EQ(Unb64(options["user"]["id"]).size(), 64u);
  EXPECT_EQ(options["user"]["name"], "alice");
  EXPECT_EQ(options["user"]["displayName"], "Alice Liddell");
  EXPECT_TRUE(options["excludeCredentials"].empty());
  EXPECT_EQ(options["authenticatorSelection"]["userVerification"], "preferred");
  // The challenge and the handle wait in the pending blob.
  const Blob pending = DecodeBlob(e.pending.view()).value();
  EXPECT_EQ(pending.at("c"), options["challenge"]);
  EXPECT_FALSE(method_->IsUsable(e));

  ASSERT_TRUE(Finish(e, key.Create(options)).ok());
  EXPECT_EQ(e.state, EnrollmentState::kActive);
  EXPECT_EQ(e.confirmed_at, clock_.Now());
  EXPECT_TRUE(e.pending.empty());
  EXPECT_EQ(e.hint, "Security key");
  EXPECT_EQ(e.lookup, WebAuthnCredentialLookup(testing_support::TestKeys(), key.id()));
  EXPECT_TRUE(method_->IsUsable(e));
  const json record = json::parse(e.secret.view());
  EXPECT_EQ(Unb64(record["id"]), key.id());
  EXPECT_EQ(record["alg"], -7);
  EXPECT_EQ(record["count"], 0);
  EXPECT_EQ(record["uv"], true);
  EXPECT_EQ(record["be"], false);
  EXPECT_EQ(record["transports"], json({"usb", "nfc"}));
  EXPECT_EQ(record["aaguid"], "2a2a2a2a-2a2a-2a2a-2a2a-2a2a2a2a2a2a");
  EXPECT_EQ(record["fmt"], "none");
  EXPECT_EQ(Unb64(record["uh"]), key.user_handle());

  const json request = Challenge(&e);
  EXPECT_EQ(request["rpId"], kRpId);
  ASSERT_EQ(request["allowCredentials"].size(), 1u);
  EXPECT_EQ(Unb64(request["allowCredentials"][0]["id"]), key.id());
  EXPECT_EQ(request["allowCredentials"][0]["transports"], json({"usb", "nfc"}));
  const Status st = Assert(&e, key.Get(request));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(json::parse(e.secret.view())["count"], 1);
  ASSERT_TRUE(Assert(&e, key.Get(Challenge(&e))).ok());
  EXPECT_EQ(json::parse(e.secret.view())["count"], 2);
}

TEST_F(WebAuthnMethodTest, ACounterThatDoesNotIncreaseIsRefused) {
  SoftKey key;
  Enrollment e = Register(key);
  ASSERT_TRUE(Assert(&e, key.Get(Challenge(&e), kUp | kUv, 5)).ok());
  for (const std::uint32_t count : {5u, 3u, 0u}) {
    const Status st = Assert(&e, key.Get(Challenge(&e), kUp | kUv, count));
    EXPECT_EQ(st.code(), Errc::kVerifyFailed) << count;
    EXPECT_EQ(st.reason(), webauthn::reasons::kCounterRegressed) << count;
  }
  EXPECT_EQ(json::parse(e.secret.view())["count"], 5);
  EXPECT_TRUE(Assert(&e, key.Get(Challenge(&e), kUp | kUv, 6)).ok());
}

TEST_F(WebAuthnMethodTest, ChallengesAreSingleUseAndExpire) {
  SoftKey key;
  Enrollment e = Register(key);
  EXPECT_EQ(Assert(&e, "{}").code(), Errc::kOutOfOrder);  // nothing begun
  const std::string assertion = key.Get(Challenge(&e));
  ASSERT_TRUE(Assert(&e, assertion).ok());
  EXPECT_EQ(Assert(&e, assertion).code(), Errc::kOutOfOrder);  // the challenge is spent
  // Replayed against a new challenge.
  Challenge(&e);
  EXPECT_EQ(Assert(&e, assertion).reason(), webauthn::reasons::kBadChallenge);
  // A failed attempt spends the challenge too.
  const json request = Challenge(&e);
  EXPECT_FALSE(Assert(&e, "not json").ok());
  EXPECT_EQ(Assert(&e, key.Get(request)).code(), Errc::kOutOfOrder);
  // Too late.
  const json late = Challenge(&e);
  clock_.Advance(std::chrono::minutes(5));
  const Status st = Assert(&e, key.Get(late));
  EXPECT_EQ(st.code(), Errc::kExpired);
  EXPECT_EQ(st.reason(), "challenge_expired");
}

TEST_F(WebAuthnMethodTest, RegistrationFailuresSpendThePendingChallenge) {
  SoftKey key;
  auto [e, options] = Start();
  const Status origin = Finish(e, key.Create(options, kUp | kUv, "https://evil.test"));
  EXPECT_EQ(origin.reason(), webauthn::reasons::kBadOrigin);
  EXPECT_EQ(e.state, EnrollmentState::kPending);
  EXPECT_EQ(Finish(e, key.Create(options)).code(), Errc::kOutOfOrder);  // start again

  auto [e2, options2] = Start();
  EXPECT_EQ(Finish(e2, key.Create(options2, kUp | kUv, kOrigin, "evil.test")).reason(),
            webauthn::reasons::kBadRpId);
  auto [e3, options3] = Start();
  json other = options3;
  other["challenge"] = B64(std::string(32, 'x'));
  EXPECT_EQ(Finish(e3, key.Create(other)).reason(), webauthn::reasons::kBadChallenge);
  auto [e4, options4] = Start();
  EXPECT_EQ(Finish(e4, key.Create(options4, kUv)).reason(), webauthn::reasons::kBadFlags);  // no UP

  auto [e5, options5] = Start();
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(Finish(e5, key.Create(options5)).code(), Errc::kExpired);
}

TEST_F(WebAuthnMethodTest, MalformedRequests) {
  for (const char* body : {"{", "[]", R"({"name":7})", R"({"name":""})"}) {
    EXPECT_EQ(enroller_->BeginEnroll(enroll_.ctx(), body).status().code(), Errc::kInvalidArgument)
        << body;
  }
  auto [e, options] = Start();
  for (const char* body : {"", "{}", R"({"credential":"abc"})", R"({"credential":[]})"}) {
    const Status st = enroller_->FinishEnroll(enroll_.ctx(), e, body);
    EXPECT_EQ(st.reason(), "missing_field") << body;
    EXPECT_EQ(st.field(), "credential");
  }
  // A credential object that is not one: refused by the verifier as bad input.
  EXPECT_EQ(enroller_->FinishEnroll(enroll_.ctx(), e, R"({"credential":{"id":"x"}})").reason(),
            webauthn::reasons::kBadInput);
  SoftKey key;
  Enrollment good = Register(key);
  for (const char* body : {"", "[", R"({"id":"AAAA"})"}) {
    Challenge(&good);
    EXPECT_EQ(Assert(&good, body).code(), Errc::kInvalidArgument) << body;
  }
}

TEST_F(WebAuthnMethodTest, AtMostTenKeysAndNoCredentialTwice) {
  SoftKey first;
  Enrollment registered = Register(first);
  enroll_.existing.push_back(registered);
  // The same credential again (the browser would have excluded it).
  auto [again, options] = Start(R"({"name":"Same key"})");
  ASSERT_EQ(options["excludeCredentials"].size(), 1u);
  EXPECT_EQ(Unb64(options["excludeCredentials"][0]["id"]), first.id());
  EXPECT_EQ(Unb64(options["user"]["id"]), first.user_handle());  // one handle per account
  const Status dup = Finish(again, first.Create(options));
  EXPECT_EQ(dup.code(), Errc::kConflict);
  EXPECT_EQ(dup.reason(), "already_registered");
  EXPECT_EQ(again.state, EnrollmentState::kPending);

  EXPECT_EQ(enroller_->BeginEnroll(enroll_.ctx(), R"({"name":"blue KEY"})").status().reason(),
            "duplicate_name");
  for (int i = 1; i < 10; ++i) {
    Enrollment copy = registered;
    copy.id = "m_copy" + std::to_string(i);
    copy.label = "Key " + std::to_string(i);
    enroll_.existing.push_back(copy);
  }
  const Status full = enroller_->BeginEnroll(enroll_.ctx(), "{}").status();
  EXPECT_EQ(full.code(), Errc::kConflict);
  EXPECT_EQ(full.reason(), "too_many_methods");
}

TEST_F(WebAuthnMethodTest, UserHandlesArePerAccountAndChecked) {
  SoftKey key;
  Enrollment e = Register(key);
  // A pending registration also passes its handle on.
  enroll_.existing.clear();
  auto [pending, p_options] = Start();
  enroll_.existing.push_back(pending);
  auto [next, n_options] = Start(R"({"name":"Second"})");
  EXPECT_EQ(n_options["user"]["id"], p_options["user"]["id"]);
  // Another account (no keys) gets another random handle.
  EnrollBench bob(clock_, random_, method_testing::TestAccount(8, "bob"));
  ASSERT_TRUE(enroller_->BeginEnroll(bob.ctx(), "{}").ok());
  EXPECT_NE(json::parse(bob.response())["options"]["user"]["id"], p_options["user"]["id"]);

  const Status st = Assert(&e, key.Get(Challenge(&e), kUp | kUv, {}, std::string("someone else")));
  EXPECT_EQ(st.reason(), webauthn::reasons::kBadUserHandle);
}

TEST_F(WebAuthnMethodTest, AnotherKeysAssertionIsRefused) {
  SoftKey mine, theirs;
  Enrollment e = Register(mine);
  Enrollment other = Register(theirs);
  EXPECT_EQ(Assert(&e, theirs.Get(Challenge(&e))).reason(),
            webauthn::reasons::kCredentialNotAllowed);
  // A key using another's id cannot sign for it.
  SoftKey impostor(mine.id());
  EXPECT_EQ(Assert(&e, impostor.Get(Challenge(&e), kUp | kUv, {}, mine.user_handle())).reason(),
            webauthn::reasons::kBadSignature);
  (void)other;
}

TEST_F(WebAuthnMethodTest, UserVerificationAndBackupFlags) {
  WebAuthnMethodOptions o = Options();
  o.require_user_verification = true;
  Rebuild(o);
  SoftKey passkey;
  auto [e, options] = Start();
  EXPECT_EQ(options["authenticatorSelection"]["userVerification"], "required");
  EXPECT_EQ(Finish(e, passkey.Create(options, kUp)).reason(), webauthn::reasons::kBadFlags);
  auto [e2, options2] = Start();
  ASSERT_TRUE(Finish(e2, passkey.Create(options2, kUp | kUv | kBe | kBs)).ok());
  EXPECT_EQ(e2.hint, "Passkey");
  const json request = Challenge(&e2);
  EXPECT_EQ(request["userVerification"], "required");
  EXPECT_EQ(Assert(&e2, passkey.Get(request, kUp | kBe)).reason(), webauthn::reasons::kBadFlags);
  // BE may not change; BS may, and is recorded.
  EXPECT_EQ(Assert(&e2, passkey.Get(Challenge(&e2), kUp | kUv)).reason(),
            webauthn::reasons::kBadFlags);
  ASSERT_TRUE(Assert(&e2, passkey.Get(Challenge(&e2), kUp | kUv | kBe)).ok());
  EXPECT_EQ(json::parse(e2.secret.view())["bs"], false);
}

TEST_F(WebAuthnMethodTest, PhantomsGetOptionsOfTheSameShapeAndNeverPass) {
  SoftKey key;
  Enrollment e = Register(key);
  const json real = Challenge(&e);
  std::set<std::string> real_keys, phantom_keys;
  for (const auto& [k, v] : real.items()) real_keys.insert(k);

  auto phantom = [&](const std::string& scope, const std::string& subject) {
    GateBench bench(clock_, random_, scope);
    GateContext& ctx = bench.ctx();
    ctx.subject = subject;
    EXPECT_TRUE(method_->Begin(ctx, nullptr).ok());
    return json::parse(bench.response)["options"];
  };
  const json a = phantom("flow-1", "nobody");
  for (const auto& [k, v] : a.items()) phantom_keys.insert(k);
  EXPECT_EQ(phantom_keys, real_keys);
  ASSERT_EQ(a["allowCredentials"].size(), 1u);
  EXPECT_EQ(a["allowCredentials"][0]["type"], "public-key");
  EXPECT_GE(Unb64(a["allowCredentials"][0]["id"]).size(), 16u);
  // Stable across flows for one subject, different for another.
  EXPECT_EQ(phantom("flow-2", "nobody")["allowCredentials"], a["allowCredentials"]);
  EXPECT_NE(phantom("flow-3", "somebody else")["allowCredentials"], a["allowCredentials"]);
  EXPECT_NE(phantom("flow-4", "nobody")["challenge"], a["challenge"]);

  // A real key's assertion fails; so does one that names the decoy id.
  GateBench bench(clock_, random_, "flow-5");
  GateContext& ctx = bench.ctx();
  ctx.subject = "nobody";
  ASSERT_TRUE(method_->Begin(ctx, nullptr).ok());
  const json request = json::parse(bench.response)["options"];
  EXPECT_EQ(method_->Verify(ctx, nullptr, Answer{SecretString(), key.Get(request)}).reason(),
            webauthn::reasons::kCredentialNotAllowed);
  ASSERT_TRUE(method_->Begin(ctx, nullptr).ok());
  const json request2 = json::parse(bench.response)["options"];
  SoftKey forger(Unb64(request2["allowCredentials"][0]["id"]));
  const Status st = method_->Verify(ctx, nullptr, Answer{SecretString(), forger.Get(request2)});
  EXPECT_EQ(st.code(), Errc::kVerifyFailed);
  EXPECT_EQ(st.reason(), webauthn::reasons::kBadSignature);
}

}  // namespace
}  // namespace latchkey
