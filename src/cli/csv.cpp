#include "cli/csv.hpp"

namespace latchkey {

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  std::string field;
  int line = 1;
  rec.line = 1;
  bool in_quotes = false;
  bool after_quote = false;  // just closed a quoted field
  bool field_started = false;
  auto end_field = [&] {
    rec.fields.push_back(std::move(field));
    field.clear();
    after_quote = false;
    field_started = false;
  };
  auto end_record = [&] {
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.push_back(std::move(rec));
    rec = CsvRecord{};
    rec.line = line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // the \n ends the record
    } else if (c == '\n') {
      end_field();
      ++line;
      end_record();
    } else if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (after_quote) {
      return Status::InvalidArgument("invalid_csv", "line " + std::to_string(line) +
                                                        ": unexpected text after a closing quote");
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (in_quotes) {
    return Status::InvalidArgument("invalid_csv",
                                   "line " + std::to_string(rec.line) + ": a quoted field is not closed");
  }
  if (field_started || !rec.fields.empty() || !field.empty()) {
    end_field();
    end_record();
  }
  return out;
}

}  // namespace latchkey
