// The log sink: spdlog to stderr, one record per line.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

#include "core/log.hpp"

namespace latchkey::log {
namespace {

std::atomic<bool> g_json{false};

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("latchkey",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    return l;
  }();
  return logger;
}

void AppendEscaped(std::string& out, std::string_view v, bool json) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += json ? "\\u00" : "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string FormatText(std::string_view event, Fields fields) {
  std::string out = "event=";
  AppendEscaped(out, event, false);
  for (const auto& [k, v] : fields) {
    out.push_back(' ');
    out.append(k);
    out.push_back('=');
    if (NeedsQuotes(v)) {
      out.push_back('"');
      AppendEscaped(out, v, false);
      out.push_back('"');
    } else {
      out.append(v);
    }
  }
  return out;
}

std::string FormatJson(std::string_view event, Fields fields) {
  std::string out = "{\"event\":\"";
  AppendEscaped(out, event, true);
  out.push_back('"');
  for (const auto& [k, v] : fields) {
    out += ",\"";
    AppendEscaped(out, k, true);
    out += "\":\"";
    AppendEscaped(out, v, true);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

void Configure(std::string_view level, std::string_view format) {
  spdlog::level::level_enum l = spdlog::level::info;
  if (level == "debug") l = spdlog::level::debug;
  else if (level == "warn") l = spdlog::level::warn;
  else if (level == "error") l = spdlog::level::err;
  Logger()->set_level(l);
  g_json = format == "json";
  if (g_json) {
    Logger()->set_pattern("{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\",\"record\":%v}",
                          spdlog::pattern_time_type::utc);
  }
}

void Write(Level level, std::string_view event, Fields fields) {
  auto logger = Logger();
  spdlog::level::level_enum l = spdlog::level::info;
  switch (level) {
    case Level::kDebug: l = spdlog::level::debug; break;
    case Level::kInfo: l = spdlog::level::info; break;
    case Level::kWarn: l = spdlog::level::warn; break;
    case Level::kError: l = spdlog::level::err; break;
  }
  if (!logger->should_log(l)) return;
  const std::string line = g_json ? FormatJson(event, fields) : FormatText(event, fields);
  logger->log(l, "{}", line);
}

}  // namespace latchkey::log
