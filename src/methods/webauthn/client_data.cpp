// clientDataJSON checks (§7.1 steps 5-11, §7.2 steps 7-14).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/secret.hpp"
#include "methods/webauthn/webauthn_encoding.hpp"
#include "methods/webauthn/webauthn_internal.hpp"

namespace latchkey::webauthn::internal {
namespace {

using nlohmann::json;

bool Contains(const std::vector<std::string>* list, const std::string& value) {
  return list != nullptr && std::find(list->begin(), list->end(), value) != list->end();
}

// Quotes a client-supplied value for a message, bounded so a hostile client
// cannot fill the logs.
std::string Quote(const std::string& value) {
  constexpr std::size_t kMax = 120;
  if (value.size() <= kMax) return "\"" + value + "\"";
  return "\"" + value.substr(0, kMax) + "...\"";
}

}  // namespace

Status CheckClientData(std::string_view client_data_json, const ClientDataExpectations& expect) {
  // UTF-8 decode: a byte order mark is dropped. Invalid UTF-8 is refused rather
  // than replaced with U+FFFD (the JSON parser validates the encoding), since no
  // conforming client produces it.
  std::string_view text = client_data_json;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  json c = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded() || !c.is_object()) {
    return BadInput("client data: clientDataJSON is not a JSON object in UTF-8");
  }

  const auto type = c.find("type");
  if (type == c.end() || !type->is_string()) {
    return BadInput("client data: \"type\" is missing");
  }
  if (type->get<std::string>() != expect.type) {
    return Fail(reasons::kBadType, "client data type: " + Quote(type->get<std::string>()) +
                                       " instead of \"" + std::string(expect.type) + "\"");
  }

  const auto challenge = c.find("challenge");
  if (challenge == c.end() || !challenge->is_string()) {
    return BadInput("client data: \"challenge\" is missing");
  }
  // The challenge is compared as the base64url text the specification defines,
  // in constant time: its value must not leak through timing.
  const std::string expected = EncodeBase64Url(expect.challenge);
  if (expect.challenge.empty() || !ConstantTimeEquals(challenge->get<std::string>(), expected)) {
    return Fail(reasons::kBadChallenge, "client data challenge: not the challenge issued");
  }

  const auto origin = c.find("origin");
  if (origin == c.end() || !origin->is_string()) {
    return BadInput("client data: \"origin\" is missing");
  }
  if (!Contains(expect.origins, origin->get<std::string>())) {
    return Fail(reasons::kBadOrigin,
                "client data origin: " + Quote(origin->get<std::string>()) + " is not allowed");
  }

  bool cross_origin = false;
  if (const auto it = c.find("crossOrigin"); it != c.end() && !it->is_null()) {
    if (!it->is_boolean()) return BadInput("client data: \"crossOrigin\" is not a boolean");
    cross_origin = it->get<bool>();
  }
  if (cross_origin && !expect.allow_cross_origin) {
    return Fail(reasons::kBadOrigin,
                "client data crossOrigin: the ceremony ran in a cross-origin iframe, which "
                "is not expected");
  }
  if (const auto it = c.find("topOrigin"); it != c.end() && !it->is_null()) {
    if (!it->is_string()) return BadInput("client data: \"topOrigin\" is not a string");
    if (!expect.allow_cross_origin) {
      return Fail(reasons::kBadOrigin,
                  "client data topOrigin: the ceremony ran inside another page, which is not "
                  "expected");
    }
    if (!Contains(expect.top_origins, it->get<std::string>())) {
      return Fail(reasons::kBadOrigin,
                  "client data topOrigin: " + Quote(it->get<std::string>()) + " is not allowed");
    }
  }
  return Status::Ok();
}

}  // namespace latchkey::webauthn::internal
