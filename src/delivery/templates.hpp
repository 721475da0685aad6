// Message templates: the text of every message the service sends, with the
// organisation's name. Built-in English texts; an operator may override any of
// them with a file <id>.txt in [mail] templates_dir, whose first line is
// "Subject: ..." and the rest the body. Text messages (sms_*) and call scripts
// (voice_*) have no subject: the whole file is the text. Placeholders are {{name}}.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace latchkey {

struct RenderedMessage {
  std::string subject;
  std::string body;
};

using TemplateVars = std::map<std::string, std::string>;

class MessageTemplates {
 public:
  // Loads the overrides. kInvalidArgument when an override is unreadable, has no
  // Subject line, or uses a placeholder the template does not offer.
  static Result<MessageTemplates> Load(const std::string& templates_dir);

  // Renders template `id` with `vars`. kInternal for an unknown id (a bug).
  Result<RenderedMessage> Render(const std::string& id, const TemplateVars& vars) const;

  // Every template id with the placeholders it offers (for docs and validation).
  static const std::map<std::string, std::vector<std::string>>& Catalogue();
  // False for text messages and call scripts (sms_*, voice_*).
  static bool HasSubject(const std::string& id);

 private:
  std::map<std::string, RenderedMessage> templates_;  // unrendered
};

}  // namespace latchkey
