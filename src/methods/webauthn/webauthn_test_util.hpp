// Helpers shared by the WebAuthn tests (included by *_test.cpp only): hex, the
// JSON a browser sends, and inputs built from the specification's vectors.
#pragma once

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_spec_vectors.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey::webauthn::testing {

inline std::string Hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not hex");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline std::string B64(std::string_view bytes) { return EncodeBase64Url(bytes); }

// PublicKeyCredential.toJSON() of a registration.
inline std::string RegistrationJson(std::string_view credential_id, std::string_view client_data,
                                    std::string_view attestation_object,
                                    const std::vector<std::string>& transports = {}) {
  std::string t;
  for (const auto& s : transports) t += (t.empty() ? "\"" : ",\"") + s + "\"";
  return R"({"id":")" + B64(credential_id) + R"(","rawId":")" + B64(credential_id) +
         R"(","type":"public-key","response":{"clientDataJSON":")" + B64(client_data) +
         R"(","attestationObject":")" + B64(attestation_object) + R"(","transports":[)" + t +
         R"(]},"clientExtensionResults":{},"authenticatorAttachment":"cross-platform"})";
}

// PublicKeyCredential.toJSON() of an assertion; an empty user handle is sent as null.
inline std::string AssertionJson(std::string_view credential_id, std::string_view client_data,
                                 std::string_view authenticator_data, std::string_view signature,
                                 std::string_view user_handle = {}) {
  const std::string handle =
      user_handle.empty() ? std::string("null") : "\"" + B64(user_handle) + "\"";
  return R"({"id":")" + B64(credential_id) + R"(","rawId":")" + B64(credential_id) +
         R"(","type":"public-key","response":{"clientDataJSON":")" + B64(client_data) +
         R"(","authenticatorData":")" + B64(authenticator_data) + R"(","signature":")" +
         B64(signature) + R"(","userHandle":)" + handle + R"(},"clientExtensionResults":{}})";
}

// The registration input a service for example.org would use for `v`.
inline RegistrationInput SpecRegistration(const spec_vectors::SpecVector& v) {
  RegistrationInput in;
  in.response_json = RegistrationJson(Hex(v.credential_id), Hex(v.registration_client_data_json),
                                      Hex(v.attestation_object));
  in.expected_challenge = Hex(v.registration_challenge);
  in.rp_id = std::string(spec_vectors::kRpId);
  in.allowed_origins = {std::string(spec_vectors::kOrigin)};
  if (v.name == "none.ES256.crossOrigin" || v.name == "none.ES256.topOrigin") {
    in.allow_cross_origin = true;
    in.allowed_top_origins = {std::string(spec_vectors::kTopOrigin)};
  }
  return in;
}

inline AssertionInput SpecAssertion(const spec_vectors::SpecVector& v,
                                    const RegisteredCredential& registered) {
  AssertionInput in;
  in.response_json = AssertionJson(Hex(v.credential_id), Hex(v.authentication_client_data_json),
                                   Hex(v.authenticator_data), Hex(v.signature));
  in.expected_challenge = Hex(v.authentication_challenge);
  in.rp_id = std::string(spec_vectors::kRpId);
  in.allowed_origins = {std::string(spec_vectors::kOrigin)};
  if (v.name == "none.ES256.crossOrigin" || v.name == "none.ES256.topOrigin") {
    in.allow_cross_origin = true;
    in.allowed_top_origins = {std::string(spec_vectors::kTopOrigin)};
  }
  in.credential.id = registered.credential_id;
  in.credential.public_key_cose = registered.public_key_cose;
  in.credential.sign_count = registered.sign_count;
  in.credential.backup_eligible = registered.flags.backup_eligible();
  return in;
}

// A DER certificate as PEM.
inline std::string DerToPem(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) throw std::invalid_argument("not DER");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  return pem;
}

}  // namespace latchkey::webauthn::testing
