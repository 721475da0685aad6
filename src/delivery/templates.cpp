#include "delivery/templates.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace latchkey {
namespace {

struct Builtin {
  const char* id;
  const char* subject;
  const char* body;
};

// Written for people: what happened, what to do, and what to do if it was not them.
const Builtin kBuiltins[] = {
    {"reset_code", "{{organisation}}: your verification code",
     "Hello,\n"
     "\n"
     "Your verification code is: {{code}}\n"
     "\n"
     "It is valid for {{minutes}} minutes and can be used once.\n"
     "\n"
     "Someone asked to reset the password of your {{organisation}} account. If it was\n"
     "not you, ignore this message: nothing has been changed, and nobody can use the\n"
     "code without access to this mailbox.\n"
     "\n"
     "Never share this code. {{organisation}} staff will never ask you for it.\n"
     "{{helpdesk_line}}"},
    {"registration_code", "{{organisation}}: confirm this address",
     "Hello,\n"
     "\n"
     "Your confirmation code is: {{code}}\n"
     "\n"
     "It is valid for {{minutes}} minutes. Enter it where you are adding this address to\n"
     "your {{organisation}} security info, so that it can be used to verify you if you\n"
     "ever forget your password.\n"
     "\n"
     "If you did not ask for this, ignore this message: the address will not be added.\n"
     "{{helpdesk_line}}"},
    {"signin_code", "{{organisation}}: your sign-in code",
     "Hello,\n"
     "\n"
     "Your sign-in code is: {{code}}\n"
     "\n"
     "It is valid for {{minutes}} minutes and can be used once. If you are not signing\n"
     "in to {{organisation}} right now, someone else knows your password: change it.\n"
     "{{helpdesk_line}}"},
    {"method_added", "{{organisation}}: security info added",
     "Hello {{display_name}},\n"
     "\n"
     "{{method}} ({{hint}}) was added to the security info of your {{organisation}}\n"
     "account ({{username}}) on {{time}} (UTC). It can now be used to verify that it is you,\n"
     "for example when you reset your password.\n"
     "\n"
     "If this was not you, contact the helpdesk straight away: someone else may be able to\n"
     "take over your account.\n"
     "{{helpdesk_line}}"},
    {"method_removed", "{{organisation}}: security info removed",
     "Hello {{display_name}},\n"
     "\n"
     "{{method}} ({{hint}}) was removed from the security info of your {{organisation}}\n"
     "account ({{username}}) on {{time}} (UTC).\n"
     "\n"
     "If this was not you, contact the helpdesk straight away.\n"
     "{{helpdesk_line}}"},
    {"password_changed_self", "{{organisation}}: your password was changed",
     "Hello {{display_name}},\n"
     "\n"
     "The password of your {{organisation}} account ({{username}}) was changed on\n"
     "{{time}} (UTC). You were signed out everywhere else.\n"
     "\n"
     "If this was not you, reset your password and contact the helpdesk straight away.\n"
     "{{helpdesk_line}}"},
    // Text messages: one short paragraph (160 GSM characters with a name of up to
    // about 25), the code near the start so that it shows in a notification.
    {"sms_reset_code", "",
     "{{organisation}}: your verification code is {{code}}. It is valid for {{minutes}} "
     "minutes. Never share it. Not you? Ignore this message."},
    {"sms_registration_code", "",
     "{{organisation}}: your code to add this number to your security info is {{code}}. "
     "Valid for {{minutes}} minutes."},
    {"sms_signin_code", "",
     "{{organisation}}: your sign-in code is {{code}}. Valid for {{minutes}} minutes. Not "
     "signing in? Change your password."},
    // Calls: a script, one sentence a line, an empty line a pause. {{code}} is read
    // digit by digit ("4, 9, 2, ...").
    {"voice_reset_code", "",
     "Hello. This is {{organisation}}, with your verification code.\n"
     "Your code is: {{code}}.\n"
     "\n"
     "Once again, your code is: {{code}}.\n"
     "\n"
     "Never share this code. If you did not ask for it, hang up. Goodbye.\n"},
    {"voice_registration_code", "",
     "Hello. This is {{organisation}}, confirming your phone number.\n"
     "Your code is: {{code}}.\n"
     "\n"
     "Once again, your code is: {{code}}.\n"
     "\n"
     "If you did not ask for it, hang up. Goodbye.\n"},
    {"voice_signin_code", "",
     "Hello. This is {{organisation}}, with your sign-in code.\n"
     "Your code is: {{code}}.\n"
     "\n"
     "Once again, your code is: {{code}}.\n"
     "\n"
     "If you are not signing in, someone knows your password: change it. Goodbye.\n"},
    {"password_changed", "{{organisation}}: your password was changed",
     "Hello {{display_name}},\n"
     "\n"
     "The password of your {{organisation}} account ({{username}}) was reset on\n"
     "{{time}} (UTC), after verification by {{method}}.\n"
     "\n"
     "If this was you, there is nothing more to do.\n"
     "\n"
     "If this was not you, contact the helpdesk straight away: someone else may have\n"
     "access to your account.\n"
     "{{helpdesk_line}}"},
    {"activation_code", "{{organisation}}: activate your account",
     "Hello {{display_name}},\n"
     "\n"
     "An account has been created for you at {{organisation}}: {{username}}.\n"
     "\n"
     "To activate it, go to {{portal_url}}, choose \"Activate your account\", and enter\n"
     "your username and this one-time activation code:\n"
     "\n"
     "    {{code}}\n"
     "\n"
     "The code can be used once and expires at {{expires}}. You will then\n"
     "choose your password and register your security info.\n"
     "\n"
     "If you were not expecting this message, you can ignore it.\n"
     "{{helpdesk_line}}"},
    {"admin_account_recovered", "{{organisation}}: administrator {{subject_username}} {{what}}",
     "Hello {{display_name}},\n"
     "\n"
     "The administrator account {{subject_username}} {{what}} through self-service\n"
     "on {{time}} (UTC), after verification by {{method}}.\n"
     "\n"
     "You are told because you are another administrator of {{organisation}}. If you\n"
     "cannot confirm with {{subject_username}} that this was them, treat the account as\n"
     "compromised: disable it and review the audit log.\n"},
    {"account_unlocked", "{{organisation}}: your account was unlocked",
     "Hello {{display_name}},\n"
     "\n"
     "Your {{organisation}} account ({{username}}) was unlocked on {{time}} (UTC),\n"
     "after verification by {{method}}. Your password was not changed.\n"
     "\n"
     "If this was you, there is nothing more to do.\n"
     "\n"
     "If this was not you, contact the helpdesk straight away and change your password:\n"
     "someone else may know it.\n"
     "{{helpdesk_line}}"},
};

std::vector<std::string> Placeholders(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t p = text.find("{{"); p != std::string::npos; p = text.find("{{", p + 2)) {
    const std::size_t e = text.find("}}", p + 2);
    if (e == std::string::npos) break;
    out.push_back(text.substr(p + 2, e - p - 2));
  }
  return out;
}

std::string Substitute(const std::string& text, const TemplateVars& vars) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t pos = 0;
  for (;;) {
    const std::size_t p = text.find("{{", pos);
    if (p == std::string::npos) break;
    const std::size_t e = text.find("}}", p + 2);
    if (e == std::string::npos) break;
    out.append(text, pos, p - pos);
    auto it = vars.find(text.substr(p + 2, e - p - 2));
    if (it != vars.end()) out += it->second;
    pos = e + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace

bool MessageTemplates::HasSubject(const std::string& id) {
  return id.rfind("sms_", 0) != 0 && id.rfind("voice_", 0) != 0;
}

const std::map<std::string, std::vector<std::string>>& MessageTemplates::Catalogue() {
  static const std::map<std::string, std::vector<std::string>> c = {
      {"reset_code", {"organisation", "code", "minutes", "helpdesk_line", "helpdesk"}},
      {"registration_code", {"organisation", "code", "minutes", "helpdesk_line", "helpdesk"}},
      {"signin_code", {"organisation", "code", "minutes", "helpdesk_line", "helpdesk"}},
      {"sms_reset_code", {"organisation", "code", "minutes", "helpdesk"}},
      {"sms_registration_code", {"organisation", "code", "minutes", "helpdesk"}},
      {"sms_signin_code", {"organisation", "code", "minutes", "helpdesk"}},
      {"voice_reset_code", {"organisation", "code", "minutes", "helpdesk"}},
      {"voice_registration_code", {"organisation", "code", "minutes", "helpdesk"}},
      {"voice_signin_code", {"organisation", "code", "minutes", "helpdesk"}},
      {"password_changed",
       {"organisation", "display_name", "username", "time", "method", "helpdesk_line",
        "helpdesk"}},
      {"method_added",
       {"organisation", "display_name", "username", "time", "method", "hint", "helpdesk_line",
        "helpdesk"}},
      {"method_removed",
       {"organisation", "display_name", "username", "time", "method", "hint", "helpdesk_line",
        "helpdesk"}},
      {"password_changed_self",
       {"organisation", "display_name", "username", "time", "helpdesk_line", "helpdesk"}},
      {"activation_code",
       {"organisation", "display_name", "username", "code", "expires", "portal_url", "helpdesk_line",
        "helpdesk"}},
      {"admin_account_recovered",
       {"organisation", "display_name", "username", "time", "method", "subject_username", "what",
        "helpdesk_line", "helpdesk"}},
      {"account_unlocked",
       {"organisation", "display_name", "username", "time", "method", "helpdesk_line",
        "helpdesk"}},
  };
  return c;
}

Result<MessageTemplates> MessageTemplates::Load(const std::string& templates_dir) {
  MessageTemplates t;
  for (const auto& b : kBuiltins) t.templates_[b.id] = {b.subject, b.body};
  if (templates_dir.empty()) return t;
  std::error_code ec;
  if (!std::filesystem::is_directory(templates_dir, ec)) {
    return Status::InvalidArgument("invalid_templates_dir",
                                   "mail.templates_dir " + templates_dir + " is not a directory");
  }
  for (const auto& [id, offered] : Catalogue()) {
    const auto path = std::filesystem::path(templates_dir) / (id + ".txt");
    if (!std::filesystem::exists(path, ec)) continue;
    std::ifstream in(path);
    RenderedMessage m;
    if (!HasSubject(id)) {
      // A text message or a call script: the whole file is the text.
      std::stringstream all;
      if (in) all << in.rdbuf();
      m.body = all.str();
      while (!m.body.empty() && (m.body.back() == '\n' || m.body.back() == '\r') &&
             id.rfind("sms_", 0) == 0) {
        m.body.pop_back();
      }
      if (!in || m.body.empty()) {
        return Status::InvalidArgument("invalid_template", path.string() + ": empty or unreadable");
      }
    } else {
      std::string first;
      if (!in || !std::getline(in, first) || first.rfind("Subject:", 0) != 0) {
        return Status::InvalidArgument("invalid_template",
                                       path.string() + ": the first line must be \"Subject: ...\"");
      }
      std::stringstream rest;
      rest << in.rdbuf();
      std::string subject = first.substr(8);
      while (!subject.empty() && (subject.front() == ' ')) subject.erase(0, 1);
      while (!subject.empty() && (subject.back() == '\r' || subject.back() == ' ')) subject.pop_back();
      m = RenderedMessage{subject, rest.str()};
    }
    for (const auto& name : Placeholders(m.subject + m.body)) {
      bool known = false;
      for (const auto& o : offered) known = known || o == name;
      if (!known) {
        return Status::InvalidArgument("invalid_template",
                                       path.string() + ": unknown placeholder {{" + name + "}}");
      }
    }
    t.templates_[id] = std::move(m);
  }
  return t;
}

Result<RenderedMessage> MessageTemplates::Render(const std::string& id,
                                                 const TemplateVars& vars) const {
  auto it = templates_.find(id);
  if (it == templates_.end()) return Status::Internal("no message template " + id);
  return RenderedMessage{Substitute(it->second.subject, vars), Substitute(it->second.body, vars)};
}

}  // namespace latchkey
