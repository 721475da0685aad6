#include "store/flow_codec.hpp"

#include <nlohmann/json.hpp>

namespace latchkey {

std::string EncodeFlowData(const Flow& flow) {
  nlohmann::json options = nlohmann::json::array();
  for (const auto& o : flow.options) {
    options.push_back({{"id", o.id}, {"kind", ToString(o.kind)}, {"hint", o.hint},
                       {"enrollment", o.enrollment_id}});
  }
  nlohmann::json state = nlohmann::json::object();
  for (const auto& [k, v] : flow.method_state) state[k] = v;
  nlohmann::json busy = nullptr;
  if (flow.completing_until) busy = ToUnixMillis(*flow.completing_until);
  return nlohmann::json{{"v", 1},
                        {"busy", busy},
                        {"options", options},
                        {"passed", flow.passed},
                        {"active", flow.active_option},
                        {"state", state}}
      .dump();
}

Status DecodeFlowData(const std::string& json, Flow& flow) {
  try {
    const auto j = nlohmann::json::parse(json);
    flow.options.clear();
    for (const auto& o : j.at("options")) {
      GateOption opt;
      opt.id = o.at("id").get<std::string>();
      const auto kind = ParseMethodKind(o.at("kind").get<std::string>());
      if (!kind) return Status::Internal("flow data has an unknown method kind");
      opt.kind = *kind;
      opt.hint = o.at("hint").get<std::string>();
      opt.enrollment_id = o.at("enrollment").get<std::string>();
      flow.options.push_back(std::move(opt));
    }
    flow.passed = j.at("passed").get<std::vector<std::string>>();
    flow.active_option = j.at("active").get<std::string>();
    flow.completing_until.reset();
    if (j.contains("busy") && j.at("busy").is_number_integer()) {
      flow.completing_until = FromUnixMillis(j.at("busy").get<std::int64_t>());
    }
    flow.method_state.clear();
    for (const auto& [k, v] : j.at("state").items()) flow.method_state[k] = v.get<std::string>();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("flow data is malformed: ") + e.what());
  }
  return Status::Ok();
}

namespace {

nlohmann::json OptionsToJson(const std::vector<GateOption>& options) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& o : options) {
    out.push_back({{"id", o.id}, {"kind", ToString(o.kind)}, {"hint", o.hint}, {"enrollment", o.enrollment_id}});
  }
  return out;
}

}  // namespace

std::string EncodeSessionData(const Session& session) {
  nlohmann::json state = nlohmann::json::object();
  for (const auto& [k, v] : session.method_state) state[k] = v;
  return nlohmann::json{{"v", 1},
                        {"options", OptionsToJson(session.options)},
                        {"state", state},
                        {"second_factor", session.second_factor}}
      .dump();
}

Status DecodeSessionData(const std::string& json, Session& session) {
  try {
    const auto j = nlohmann::json::parse(json);
    session.options.clear();
    for (const auto& o : j.at("options")) {
      GateOption opt;
      opt.id = o.at("id").get<std::string>();
      const auto kind = ParseMethodKind(o.at("kind").get<std::string>());
      if (!kind) return Status::Internal("session data has an unknown method kind");
      opt.kind = *kind;
      opt.hint = o.at("hint").get<std::string>();
      opt.enrollment_id = o.at("enrollment").get<std::string>();
      session.options.push_back(std::move(opt));
    }
    session.method_state.clear();
    for (const auto& [k, v] : j.at("state").items()) session.method_state[k] = v.get<std::string>();
    session.second_factor = j.value("second_factor", std::string());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("session data is malformed: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace latchkey
