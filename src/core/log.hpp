// Structured logging facade. A record is an event name plus key/value fields,
// never a formatted sentence, so user input cannot forge lines and secrets have
// no natural way in. Values are escaped by the sink (src/logging/).
//
// Never pass a password, code, answer, token or full contact detail as a field.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace latchkey::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string>;
using Fields = std::initializer_list<Field>;

// Configures the process-wide sink: level "debug|info|warn|error", format
// "text" (key=value) or "json". Call once at start-up.
void Configure(std::string_view level, std::string_view format);

void Write(Level level, std::string_view event, Fields fields);

inline void Debug(std::string_view event, Fields fields = {}) { Write(Level::kDebug, event, fields); }
inline void Info(std::string_view event, Fields fields = {}) { Write(Level::kInfo, event, fields); }
inline void Warn(std::string_view event, Fields fields = {}) { Write(Level::kWarn, event, fields); }
inline void Error(std::string_view event, Fields fields = {}) { Write(Level::kError, event, fields); }

// The text form of one record, without timestamp and level (exposed for tests).
std::string FormatText(std::string_view event, Fields fields);
std::string FormatJson(std::string_view event, Fields fields);

}  // namespace latchkey::log
