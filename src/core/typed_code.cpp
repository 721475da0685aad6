#include "core/typed_code.hpp"

namespace latchkey {

std::string RandomTypedCode(Random& random, int length) {
  std::string code;
  code.reserve(static_cast<std::size_t>(length));
  for (int i = 0; i < length; ++i) {
    code.push_back(kTypedCodeAlphabet[random.Uniform(static_cast<std::uint32_t>(kTypedCodeAlphabet.size()))]);
  }
  return code;
}

std::string CanonicalTypedCode(std::string_view typed) {
  std::string out;
  out.reserve(typed.size());
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  return out;
}

std::string GroupedTypedCode(std::string_view code) {
  std::string out;
  out.reserve(code.size() + code.size() / 4);
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(code[i]);
  }
  return out;
}

}  // namespace latchkey
