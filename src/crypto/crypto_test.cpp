#include <gtest/gtest.h>

#include <fstream>

#include "core/work_pool.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/sodium_random.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

using testing_support::TempDir;
using testing_support::TestKeys;

TEST(HashingTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // A 32-byte key of 0x0b bytes; the expected MAC is OpenSSL's
  // (printf 'Hi There' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0b0b...).
  Key32 key{};
  key.fill(0x0b);
  EXPECT_EQ(HmacSha256Hex(key, "Hi There"),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7");
  std::string out;
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  ASSERT_TRUE(Base64UrlDecode("-_8", out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("+/8", out));
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
}

TEST(VaultTest, SealsAndOpensBoundToItsPlace) {
  const KeyRing& keys = TestKeys();
  const std::string sealed = keys.vault().Seal("alice@example.org", "method:m_1");
  EXPECT_EQ(sealed.find("alice"), std::string::npos);
  EXPECT_EQ(sealed.substr(0, sealed.find(':')), keys.vault().current_key_id());
  Result<SecretString> opened = keys.vault().Open(sealed, "method:m_1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->view(), "alice@example.org");
  EXPECT_FALSE(keys.vault().Open(sealed, "method:m_2").ok());
  std::string tampered = sealed;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys.vault().Open(tampered, "method:m_1").ok());
  // Two seals of the same text differ (random nonce).
  EXPECT_NE(keys.vault().Seal("x", "a"), keys.vault().Seal("x", "a"));
}

TEST(KeyRingTest, CreatesLoadsAndRotates) {
  TempDir dir;
  const std::string path = dir.File("secret.key");
  EXPECT_EQ(KeyRing::Load(path, {}, false).status().code(), Errc::kUnavailable);
  Result<KeyRing> first = KeyRing::Load(path, {}, true);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<KeyRing> again = KeyRing::Load(path, {}, false);
  ASSERT_TRUE(again.ok());
  const std::string sealed = first->vault().Seal("data", "aad");
  EXPECT_TRUE(again->vault().Open(sealed, "aad").ok());
  EXPECT_EQ(first->Lookup("c", "v"), again->Lookup("c", "v"));

  // Rotation: a new key seals, the old one still opens older data.
  const std::string newer = dir.File("new.key");
  ASSERT_TRUE(KeyRing::Load(newer, {}, true).ok());
  Result<KeyRing> rotated = KeyRing::Load(newer, {path}, false);
  ASSERT_TRUE(rotated.ok());
  EXPECT_TRUE(rotated->vault().Open(sealed, "aad").ok());
  EXPECT_NE(rotated->vault().current_key_id(), first->vault().current_key_id());

  std::ofstream(dir.File("bad.key")) << "not base64 at all!\n";
  EXPECT_EQ(KeyRing::Load(dir.File("bad.key"), {}, false).status().code(), Errc::kInvalidArgument);
}

TEST(PasswordHasherTest, HashesVerifiesAndNoticesOldParameters) {
  WorkPool pool(1, 4);
  PasswordHasher hasher({8192, 1}, pool);
  const SecretString pw("correct horse battery staple");
  Result<std::string> hash = hasher.Hash(pw);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_NE(hash->find("m=8192,t=1"), std::string::npos);
  EXPECT_TRUE(*hasher.Verify(*hash, pw));
  EXPECT_FALSE(*hasher.Verify(*hash, SecretString("correct horse battery stapl")));
  EXPECT_FALSE(*hasher.Verify("not a hash", pw));
  EXPECT_FALSE(hasher.NeedsRehash(*hash));
  PasswordHasher stronger({19456, 2}, pool);
  EXPECT_TRUE(stronger.NeedsRehash(*hash));
  EXPECT_TRUE(*stronger.Verify(*hash, pw));  // old hashes still verify
}

}  // namespace
}  // namespace latchkey
