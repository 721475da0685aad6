#include "methods/webauthn/webauthn_method.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/blob.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"
#include "methods/enroll_util.hpp"
#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_options.hpp"
#include "methods/webauthn/webauthn_verifier.hpp"

namespace latchkey {
namespace {

using nlohmann::json;
namespace wa = webauthn;

constexpr std::size_t kUserHandleBytes = 64;  // WebAuthn L3 §14.6.1 recommends 64 random bytes

// A P-256 public key (COSE_Key, CTAP2 canonical) whose private key was thrown
// away: what a phantom's assertions are checked against, so that a well-formed
// response naming the decoy id fails at the signature as a real one would.
constexpr std::string_view kPhantomKeyHex =
    "a5010203262001215820b7603fcd0b44b3a4a9f25036b7dff57c16db70c4fda1f78c23722a1c06fdf80c"
    "22582086087571a7a7353d1319ffb8db83d2b7e840610a635b96013332c9884b6206fd";

std::string FromHex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

std::string B64(std::string_view bytes) { return wa::EncodeBase64Url(bytes); }
std::optional<std::string> UnB64(std::string_view text) { return wa::DecodeWebAuthnBase64(text); }

// The credential record kept in an enrollment's secret.
struct Record {
  std::string id;    // raw credential id
  std::string cose;  // COSE_Key
  int alg = 0;
  std::uint32_t count = 0;
  bool uv = false;  // uvInitialized
  bool be = false;  // backup eligible (fixed at registration)
  bool bs = false;  // backup state (may change)
  std::vector<std::string> transports;
  std::string aaguid;
  std::string fmt;
  std::string user_handle;  // raw
};

std::string EncodeRecord(const Record& r) {
  return json{{"v", 1},
              {"id", B64(r.id)},
              {"pk", B64(r.cose)},
              {"alg", r.alg},
              {"count", r.count},
              {"uv", r.uv},
              {"be", r.be},
              {"bs", r.bs},
              {"transports", r.transports},
              {"aaguid", r.aaguid},
              {"fmt", r.fmt},
              {"uh", B64(r.user_handle)}}
      .dump();
}

std::optional<Record> DecodeRecord(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    Record r;
    std::optional<std::string> id = UnB64(j.at("id").get<std::string>());
    std::optional<std::string> pk = UnB64(j.at("pk").get<std::string>());
    std::optional<std::string> uh = UnB64(j.at("uh").get<std::string>());
    if (!id || id->empty() || !pk || pk->empty() || !uh || uh->empty()) return std::nullopt;
    r.id = std::move(*id);
    r.cose = std::move(*pk);
    r.user_handle = std::move(*uh);
    r.alg = j.at("alg").get<int>();
    r.count = j.at("count").get<std::uint32_t>();
    r.uv = j.at("uv").get<bool>();
    r.be = j.at("be").get<bool>();
    r.bs = j.at("bs").get<bool>();
    r.transports = j.at("transports").get<std::vector<std::string>>();
    r.aaguid = j.value("aaguid", std::string());
    r.fmt = j.value("fmt", std::string());
    return r;
  } catch (const json::exception&) {
    return std::nullopt;  // a member missing or of the wrong type
  }
}

class WebAuthnMethod final : public Method, public Enroller {
 public:
  explicit WebAuthnMethod(WebAuthnMethodOptions options) : o_(std::move(options)) {}

  MethodKind kind() const override { return MethodKind::kWebauthn; }

  bool IsUsable(const Enrollment& e) const override {
    return e.kind == MethodKind::kWebauthn && e.state == EnrollmentState::kActive &&
           DecodeRecord(e.secret.view()).has_value();
  }

  Status Begin(GateContext& ctx, const Enrollment* e) override {
    wa::CredentialDescriptor allowed;
    if (e != nullptr) {
      const std::optional<Record> r = DecodeRecord(e->secret.view());
      if (!r) return Status::Internal("unreadable WebAuthn enrollment").WithDetail(e->id);
      allowed = {r->id, r->transports};
    } else {
      allowed = Decoy(ctx);
    }
    const wa::ByteString challenge = wa::NewChallenge(ctx.random);
    wa::RequestOptionsParams p;
    p.rp_id = o_.rp_id;
    p.challenge = challenge;
    p.allow_credentials = {allowed};
    p.user_verification = UserVerification();
    p.timeout_ms = static_cast<std::uint32_t>(o_.ceremony_lifetime.count());
    Result<std::string> options = wa::BuildRequestOptionsJson(p);
    if (!options.ok()) return options.status();
    Blob blob;
    blob["c"] = B64(challenge);
    blob["exp"] = std::to_string(ToUnixMillis(ctx.clock.Now() + o_.ceremony_lifetime));
    ctx.state = EncodeBlob(blob);
    if (ctx.response != nullptr) *ctx.response = json{{"options", json::parse(*options)}}.dump();
    return Status::Ok();
  }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    std::optional<Blob> blob = DecodeBlob(ctx.state);
    if (!blob || (*blob)["c"].empty()) return Status::OutOfOrder("Ask for a challenge first.");
    const std::optional<std::string> challenge = UnB64((*blob)["c"]);
    const TimePoint exp = FromUnixMillis(BlobInt(*blob, "exp"));
    // The challenge is used once, whatever the outcome.
    blob->erase("c");
    ctx.state = EncodeBlob(*blob);
    if (ctx.clock.Now() >= exp) {
      return Status::Expired("challenge_expired",
                             "That took too long. Try your security key again.");
    }
    if (!challenge) return Status::Internal("unreadable WebAuthn challenge");

    wa::AssertionInput in;
    in.response_json = answer.json;
    in.expected_challenge = *challenge;
    in.rp_id = o_.rp_id;
    in.allowed_origins = o_.origins;
    in.require_user_verification = o_.require_user_verification;
    std::optional<Record> r;
    if (e != nullptr) {
      r = DecodeRecord(e->secret.view());
      if (!r) return Status::Internal("unreadable WebAuthn enrollment").WithDetail(e->id);
      in.credential.id = r->id;
      in.credential.public_key_cose = r->cose;
      in.credential.alg = r->alg;
      in.credential.sign_count = r->count;
      in.credential.backup_eligible = r->be;
      in.expected_user_handle = r->user_handle;
    } else {
      in.credential.id = Decoy(ctx).id;
      in.credential.public_key_cose = FromHex(kPhantomKeyHex);
      in.credential.alg = wa::kCoseEs256;
    }
    in.allowed_credential_ids = {in.credential.id};
    Result<wa::AssertionResult> asserted = wa::VerifyAssertion(in);
    if (!asserted.ok()) return asserted.status();
    if (e == nullptr) {
      return Status::VerifyFailed(std::string(wa::reasons::kBadSignature),
                                  "assertion signature: does not verify");
    }
    r->count = asserted->sign_count;
    r->bs = asserted->flags.backup_state();
    r->uv = r->uv || asserted->flags.user_verified();
    e->secret = SecretString(EncodeRecord(*r));
    return Status::Ok();
  }

  Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) override {
    const json body = json::parse(request_json.empty() ? "{}" : request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Status::InvalidArgument("invalid_json", "Send a JSON object.");
    }
    std::optional<std::string> given;
    const bool given_is_text = !body.contains("name") || body["name"].is_string();
    if (body.contains("name") && given_is_text) given = body["name"].get<std::string>();
    Result<std::string> chosen = ChooseMethodName(given, given_is_text, MethodKind::kWebauthn, "Security key",
                                                  "a security key", ctx.existing, ctx.clock.Now());
    if (!chosen.ok()) return chosen.status();
    std::string name = std::move(chosen).value();
    const TimePoint now = ctx.clock.Now();
    LK_RETURN_IF_ERROR(CheckMethodMaximum(MethodKind::kWebauthn, ctx.existing, now, o_.max_per_account, "security keys"));

    std::string handle;
    std::vector<wa::CredentialDescriptor> exclude;
    for (const auto& other : ctx.existing) {
      if (other.kind != MethodKind::kWebauthn) continue;
      if (other.state == EnrollmentState::kActive) {
        if (std::optional<Record> r = DecodeRecord(other.secret.view())) {
          exclude.push_back({r->id, r->transports});
          if (handle.empty()) handle = r->user_handle;
        }
      } else if (handle.empty()) {
        if (std::optional<Blob> b = DecodeBlob(other.pending.view())) {
          if (std::optional<std::string> uh = UnB64((*b)["uh"]); uh && !uh->empty()) handle = *uh;
        }
      }
    }
    if (handle.empty()) {
      handle.resize(kUserHandleBytes);
      ctx.random.Fill(reinterpret_cast<std::uint8_t*>(handle.data()), handle.size());
    }

    const wa::ByteString challenge = wa::NewChallenge(ctx.random);
    wa::CreationOptionsParams p;
    p.rp_id = o_.rp_id;
    p.rp_name = o_.rp_name;
    p.user_id = handle;
    p.user_name = ctx.account.username;
    p.user_display_name =
        ctx.account.display_name.empty() ? ctx.account.username : ctx.account.display_name;
    p.challenge = challenge;
    p.exclude_credentials = exclude;
    p.user_verification = UserVerification();
    p.timeout_ms = static_cast<std::uint32_t>(o_.ceremony_lifetime.count());
    Result<std::string> options = wa::BuildCreationOptionsJson(p);
    if (!options.ok()) return options.status();

    Enrollment e;
    e.id = "m_" + ctx.random.Token(12);
    e.account_id = ctx.account.id;
    e.kind = MethodKind::kWebauthn;
    e.state = EnrollmentState::kPending;
    e.source = EnrollmentSource::kUser;
    e.label = name;
    e.hint = "Security key";
    Blob pending;
    pending["c"] = B64(challenge);
    pending["exp"] = std::to_string(ToUnixMillis(now + o_.ceremony_lifetime));
    pending["uh"] = B64(handle);
    e.pending = SecretString(EncodeBlob(pending));
    e.created_at = now;
    ctx.response = json{{"options", json::parse(*options)}, {"name", name}}.dump();
    return e;
  }

  Status FinishEnroll(EnrollContext& ctx, Enrollment& pending,
                      std::string_view request_json) override {
    const json body = json::parse(request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("credential") ||
        !body["credential"].is_object()) {
      return Status::InvalidArgument("missing_field", "Send the credential your browser created.",
                                     "credential");
    }
    if (pending.kind != MethodKind::kWebauthn || pending.state != EnrollmentState::kPending) {
      return Status::OutOfOrder("This registration is not waiting for a security key.");
    }
    // Another registration with this name may have finished first.
    if (MethodNameTaken(pending.label, MethodKind::kWebauthn, ctx.existing, std::nullopt, pending.id)) {
      return Status::InvalidArgument("duplicate_name",
                                     "You already have a security key with that name. Remove this one and "
                                     "register it again with another name.",
                                     "name");
    }
    std::optional<Blob> blob = DecodeBlob(pending.pending.view());
    if (!blob || (*blob)["c"].empty()) return Status::OutOfOrder("Start the registration again.");
    const std::optional<std::string> challenge = UnB64((*blob)["c"]);
    const std::optional<std::string> handle = UnB64((*blob)["uh"]);
    const TimePoint exp = FromUnixMillis(BlobInt(*blob, "exp"));
    blob->erase("c");  // used once, whatever the outcome
    pending.pending = SecretString(EncodeBlob(*blob));
    const TimePoint now = ctx.clock.Now();
    if (now >= exp) {
      return Status::Expired("registration_expired",
                             "The registration took too long. Start again.");
    }
    if (!challenge || !handle || handle->empty()) {
      return Status::Internal("unreadable WebAuthn registration").WithDetail(pending.id);
    }

    wa::RegistrationInput in;
    in.response_json = body["credential"].dump();
    in.expected_challenge = *challenge;
    in.rp_id = o_.rp_id;
    in.allowed_origins = o_.origins;
    in.require_user_verification = o_.require_user_verification;
    Result<wa::RegisteredCredential> reg = wa::VerifyRegistration(in);
    if (!reg.ok()) return reg.status();

    const std::string lookup = WebAuthnCredentialLookup(ctx.keys, reg->credential_id);
    for (const auto& other : ctx.existing) {
      if (other.kind == MethodKind::kWebauthn && other.id != pending.id &&
          other.state == EnrollmentState::kActive && other.lookup == lookup) {
        return Status::Error(Errc::kConflict, "already_registered",
                             "That security key is already registered.");
      }
    }
    Record r;
    r.id = reg->credential_id;
    r.cose = reg->public_key_cose;
    r.alg = reg->alg;
    r.count = reg->sign_count;
    r.uv = reg->flags.user_verified();
    r.be = reg->flags.backup_eligible();
    r.bs = reg->flags.backup_state();
    r.transports = reg->transports;
    r.aaguid = wa::FormatAaguid(reg->aaguid);
    r.fmt = reg->fmt;
    r.user_handle = *handle;
    pending.secret = SecretString(EncodeRecord(r));
    pending.lookup = lookup;
    pending.hint = r.be ? "Passkey" : "Security key";
    pending.state = EnrollmentState::kActive;
    pending.confirmed_at = now;
    pending.pending = SecretString();
    return Status::Ok();
  }

 private:
  std::string UserVerification() const {
    return o_.require_user_verification ? "required" : "preferred";
  }

  // A credential id and transports for a phantom, stable for one subject: their
  // length and transports vary between subjects as real ones do.
  static wa::CredentialDescriptor Decoy(const GateContext& ctx) {
    std::string base = "webauthn-decoy";
    base.push_back('\0');
    base.append(ctx.subject.empty() ? ctx.scope : ctx.subject);
    std::string bytes;
    for (char block = '0'; block < '2'; ++block) {
      bytes += FromHex(HmacSha256Hex(ctx.keys.phantom_key(), base + block));
    }
    static constexpr std::size_t kLengths[] = {16, 32, 48, 64};
    static const std::vector<std::string> kTransports[] = {
        {"usb"}, {"nfc", "usb"}, {"hybrid", "internal"}, {}};
    const auto pick = static_cast<unsigned char>(bytes.back());
    wa::CredentialDescriptor d;
    d.id = bytes.substr(0, kLengths[pick & 3]);
    d.transports = kTransports[(pick >> 2) & 3];
    return d;
  }

  WebAuthnMethodOptions o_;
};

}  // namespace

std::unique_ptr<Method> MakeWebAuthnMethod(const WebAuthnMethodOptions& options) {
  return std::make_unique<WebAuthnMethod>(options);
}

std::string WebAuthnCredentialLookup(const KeyRing& keys, std::string_view credential_id) {
  return keys.Lookup("webauthn-credential", credential_id);
}

}  // namespace latchkey
