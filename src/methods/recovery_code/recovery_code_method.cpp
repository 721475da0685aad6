#include "methods/recovery_code/recovery_code_method.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/blob.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"

namespace latchkey {
namespace {

// Why an HMAC, and not Argon2id as for passwords and security answers?
//
// A slow, memory-hard hash protects secrets that people choose: a password has
// perhaps 20 to 40 bits of real entropy, so an attacker with a copy of the
// database finds most of them with fast hashes in hours, and only a high cost per
// guess keeps that out of reach. A recovery code is not chosen: it is 80 bits
// drawn uniformly by the CSPRNG. Searching 2^80 values is out of reach even for a
// fast hash: at 10^11 HMACs a second, trying every value takes about 380,000
// years (38,000 years to be sure of finding one code of a set of ten). A work
// factor adds nothing a defender needs there, while it would cost an Argon2id run
// (19 MiB, tens of milliseconds) for each code of the set on every attempt, a
// lever for denial of service.
//
// The hash is keyed with a 256-bit key derived from the master key, which lives
// in a file outside the database: a stolen database alone does not even allow a
// guess to be checked. Each hash is bound to its enrollment's id, which acts as a
// per-set salt (no table can be precomputed, equal codes in two sets differ).
//
// NIST SP 800-63B R3 §5.1.2.2 asks for a salted password hash below 112 bits of
// entropy; docs/methods.md records this deviation and its reasoning.
std::string CodeDigest(const KeyRing& keys, std::string_view enrollment_id, std::string_view code) {
  std::string data = "recovery-code";
  data.push_back('\0');
  data.append(enrollment_id);
  data.push_back('\0');
  data.append(code);
  return HmacSha256Hex(keys.code_key(), data);
}

// The enrollment's secret: the digests and which of them are spent.
struct CodeSet {
  std::vector<std::string> digests;
  std::string used;  // '0' or '1' per digest

  int left() const {
    int n = 0;
    for (const char c : used) n += c == '0' ? 1 : 0;
    return n;
  }
};

std::string Encode(const CodeSet& s) {
  Blob blob;
  blob["n"] = std::to_string(s.digests.size());
  for (std::size_t i = 0; i < s.digests.size(); ++i) blob["h" + std::to_string(i)] = s.digests[i];
  blob["u"] = s.used;
  return EncodeBlob(blob);
}

std::optional<CodeSet> Decode(std::string_view text) {
  const std::optional<Blob> blob = DecodeBlob(text);
  if (!blob) return std::nullopt;
  const std::int64_t n = BlobInt(*blob, "n", -1);
  if (n <= 0 || n > 1000 || blob->count("u") == 0) return std::nullopt;
  CodeSet s;
  s.used = blob->at("u");
  if (s.used.size() != static_cast<std::size_t>(n)) return std::nullopt;
  for (std::int64_t i = 0; i < n; ++i) {
    auto it = blob->find("h" + std::to_string(i));
    if (it == blob->end() || it->second.size() != 64) return std::nullopt;
    s.digests.push_back(it->second);
  }
  return s;
}

std::string Hint(const CodeSet& s) {
  return std::to_string(s.left()) + " of " + std::to_string(s.digests.size()) + " left";
}

// Compares `digest` with every digest of the set, spent or not, without stopping
// at a match, and with no branch on the data inside the loop. Codes are 80-bit
// random values, so at most one matches.
struct Match {
  bool fresh = false;  // matched a code not yet spent
  bool spent = false;  // matched a spent code
  std::size_t index = 0;
};
Match Compare(const CodeSet& s, std::string_view digest) {
  std::size_t fresh = 0;
  std::size_t spent = 0;
  std::size_t index = 0;
  for (std::size_t i = 0; i < s.digests.size(); ++i) {
    const std::size_t eq = static_cast<std::size_t>(ConstantTimeEquals(digest, s.digests[i]));
    const std::size_t used = static_cast<std::size_t>(s.used[i] == '1');
    const std::size_t is_fresh = eq & (used ^ 1U);
    fresh |= is_fresh;
    spent |= eq & used;
    index |= i & (std::size_t{0} - is_fresh);  // all ones when fresh, else zero
  }
  return {fresh != 0, spent != 0, index};
}

class RecoveryCodeMethod final : public Method, public Enroller {
 public:
  explicit RecoveryCodeMethod(RecoveryCodeOptions options) : o_(options) {}

  MethodKind kind() const override { return MethodKind::kRecoveryCode; }

  bool IsUsable(const Enrollment& e) const override {
    if (e.kind != MethodKind::kRecoveryCode || e.state != EnrollmentState::kActive) return false;
    const std::optional<CodeSet> s = Decode(e.secret.view());
    return s && s->left() > 0;
  }

  Status Begin(GateContext&, const Enrollment*) override { return Status::Ok(); }

  Status Verify(GateContext& ctx, Enrollment* e, const Answer& answer) override {
    const std::string typed = CanonicalTypedCode(answer.code.view());
    if (e == nullptr) {
      // A phantom compares against a decoy set of the same size, and never passes.
      const std::string decoy_id =
          "phantom:" + std::string(ctx.subject.empty() ? ctx.scope : ctx.subject);
      CodeSet decoy;
      decoy.digests.assign(static_cast<std::size_t>(o_.count), CodeDigest(ctx.keys, decoy_id, ""));
      decoy.used.assign(decoy.digests.size(), '0');
      (void)Compare(decoy, CodeDigest(ctx.keys, decoy_id, typed));
      return Status::VerifyFailed("wrong_code", "That recovery code is not right.");
    }
    std::optional<CodeSet> s = Decode(e->secret.view());
    if (!s) return Status::Internal("unreadable recovery code set").WithDetail(e->id);
    const Match m = Compare(*s, CodeDigest(ctx.keys, e->id, typed));
    if (m.spent) {
      return Status::VerifyFailed("code_used", "That recovery code has already been used.");
    }
    if (!m.fresh) return Status::VerifyFailed("wrong_code", "That recovery code is not right.");
    s->used[m.index] = '1';
    e->secret = SecretString(Encode(*s));
    e->hint = Hint(*s);
    return Status::Ok();
  }

  Result<Enrollment> BeginEnroll(EnrollContext& ctx, std::string_view request_json) override {
    const auto body =
        nlohmann::json::parse(request_json.empty() ? "{}" : request_json, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Status::InvalidArgument("invalid_json", "Send a JSON object.");
    }
    Enrollment e;
    e.id = "m_" + ctx.random.Token(12);
    e.account_id = ctx.account.id;
    e.kind = MethodKind::kRecoveryCode;
    e.state = EnrollmentState::kActive;
    e.source = EnrollmentSource::kUser;
    e.label = "Recovery codes";
    e.created_at = ctx.clock.Now();
    e.confirmed_at = e.created_at;

    CodeSet s;
    nlohmann::json codes = nlohmann::json::array();
    std::set<std::string> drawn;
    while (drawn.size() < static_cast<std::size_t>(o_.count)) {
      std::string code = RandomTypedCode(ctx.random, kRecoveryCodeLength);
      if (!drawn.insert(code).second) continue;  // a repeat (about 2^-80): draw again
      s.digests.push_back(CodeDigest(ctx.keys, e.id, code));
      codes.push_back(GroupedTypedCode(code));
    }
    s.used.assign(s.digests.size(), '0');
    e.secret = SecretString(Encode(s));
    e.hint = Hint(s);
    ctx.response = nlohmann::json{{"codes", codes}, {"count", o_.count}}.dump();
    return e;
  }

  Status FinishEnroll(EnrollContext&, Enrollment&, std::string_view) override {
    return Status::OutOfOrder("Recovery codes need no confirmation.");
  }

 private:
  RecoveryCodeOptions o_;
};

}  // namespace

std::unique_ptr<Method> MakeRecoveryCodeMethod(const RecoveryCodeOptions& options) {
  return std::make_unique<RecoveryCodeMethod>(options);
}

}  // namespace latchkey
