#include "methods/one_time_code.hpp"

#include "core/blob.hpp"
#include "crypto/hashing.hpp"
#include "crypto/keys.hpp"

namespace latchkey {

std::string CodeHash(const KeyRing& keys, std::string_view scope, std::string_view option_id,
                     std::string_view code) {
  std::string data(scope);
  data.push_back('\0');
  data.append(option_id);
  data.push_back('\0');
  data.append(code);
  return HmacSha256Hex(keys.code_key(), data);
}

Result<std::string> IssueCode(const Clock& clock, Random& random, const KeyRing& keys,
                              std::string_view scope, std::string_view option_id,
                              CodeSender& sender, CodePurpose purpose, const CodeOptions& options,
                              Channel channel, std::string_view to, std::string_view to_hint) {
  const SecretString code(random.Digits(options.length));
  LK_RETURN_IF_ERROR(sender.SendCode(purpose, channel, to, to_hint, code, options.lifetime));
  const TimePoint now = clock.Now();
  Blob blob;
  blob["h"] = CodeHash(keys, scope, option_id, code.view());
  blob["iat"] = std::to_string(ToUnixMillis(now));
  blob["exp"] = std::to_string(ToUnixMillis(now + options.lifetime));
  blob["len"] = std::to_string(options.length);
  return EncodeBlob(blob);
}

Status CheckCode(const Clock& clock, const KeyRing& keys, std::string_view scope,
                 std::string_view option_id, std::string& state, const SecretString& typed_code,
                 bool phantom) {
  std::optional<Blob> blob = DecodeBlob(state);
  if (!blob || blob->count("h") == 0) {
    return Status::OutOfOrder("Ask for a code first.");
  }
  if ((*blob)["h"].empty()) {
    return Status::VerifyFailed("code_used", "That code has already been used. Ask for a new one.");
  }
  const TimePoint exp = FromUnixMillis(BlobInt(*blob, "exp"));
  // Normalise what people type: "123 456" and "123-456" mean 123456.
  std::string typed;
  for (const char c : typed_code.view()) {
    if (c >= '0' && c <= '9') typed.push_back(c);
    else if (c != ' ' && c != '-') typed.push_back('x');
  }
  const std::string expected = (*blob)["h"];
  const bool match = ConstantTimeEquals(CodeHash(keys, scope, option_id, typed), expected);
  if (clock.Now() >= exp) {
    return Status::Expired("code_expired", "That code has expired. Ask for a new one.");
  }
  if (!match || phantom) {
    return Status::VerifyFailed("wrong_code", "That code is not right.");
  }
  (*blob)["h"] = "";  // spent: the same code cannot pass twice
  (*blob)["used"] = std::to_string(ToUnixMillis(clock.Now()));
  state = EncodeBlob(*blob);
  return Status::Ok();
}

Status IssueCode(GateContext& ctx, CodePurpose purpose, const CodeOptions& options, Channel channel,
                 std::string_view to, std::string_view to_hint) {
  Result<std::string> blob = IssueCode(ctx.clock, ctx.random, ctx.keys, ctx.scope, ctx.option_id,
                                       ctx.sender, purpose, options, channel, to, to_hint);
  if (!blob.ok()) return blob.status();
  ctx.state = *blob;
  return Status::Ok();
}

Status CheckCode(GateContext& ctx, const Answer& answer, bool phantom) {
  return CheckCode(ctx.clock, ctx.keys, ctx.scope, ctx.option_id, ctx.state, answer.code, phantom);
}

}  // namespace latchkey
