#include <touchpoint/core/csv.hpp>

#include <cstddef>
#include <utility>

namespace touchpoint::core {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string at_line(int line, std::string_view what) {
  return "line " + std::to_string(line) + ": " + std::string(what);
}

// One pass over the text; `line_` follows every line break, including those inside quotes.
class CsvParser {
 public:
  explicit CsvParser(std::string_view text) : text_(text) {}

  Result<std::vector<CsvRecord>> parse() {
    if (text_.starts_with(kUtf8Bom)) pos_ = kUtf8Bom.size();
    std::vector<CsvRecord> records;
    while (!at_end()) {
      if (at_line_end()) {  // a blank line
        skip_line_end();
        continue;
      }
      CsvRecord record{line_, {}};
      for (;;) {
        auto field = read_field();
        if (!field) return tl::unexpected(std::move(field.error()));
        record.fields.push_back(std::move(*field));
        // read_field stops only at a comma, a line end or the end of the text.
        if (at_end()) break;
        if (text_[pos_] != ',') {
          skip_line_end();
          break;
        }
        ++pos_;
      }
      records.push_back(std::move(record));
    }
    return records;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  bool at_line_end() const { return !at_end() && (text_[pos_] == '\n' || text_[pos_] == '\r'); }
  bool at_space() const { return !at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t'); }

  // Consumes one line end: CRLF, LF, or a lone CR (old Mac exports).
  void skip_line_end() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  Result<std::string> read_field() {
    const std::size_t start = pos_;
    // Spaces before an opening quote are tolerated (`a, "b, c"`); otherwise they are data.
    while (at_space()) ++pos_;
    if (!at_end() && text_[pos_] == '"') return read_quoted();
    pos_ = start;
    while (!at_end() && text_[pos_] != ',' && !at_line_end()) {
      if (text_[pos_] == '"') {
        return fail(ErrorCode::invalid_input,
                    at_line(line_,
                            "a quote inside an unquoted field; quote the whole field "
                            "and double the quotes inside it"));
      }
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // At an opening quote: reads up to the closing quote, turning "" into ".
  Result<std::string> read_quoted() {
    const int opened_on = line_;
    ++pos_;
    std::string value;
    for (;;) {
      if (at_end()) {
        return fail(ErrorCode::invalid_input,
                    at_line(opened_on, "a quoted field is never closed (unterminated quote)"));
      }
      if (text_[pos_] == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          value += '"';
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (at_line_end()) {
        // Keep the line break as written, but count it.
        const std::size_t from = pos_;
        skip_line_end();
        value.append(text_.substr(from, pos_ - from));
        continue;
      }
      value += text_[pos_++];
    }
    // After the closing quote only spaces may come before the comma or line end.
    while (at_space()) ++pos_;
    if (!at_end() && text_[pos_] != ',' && !at_line_end()) {
      return fail(ErrorCode::invalid_input,
                  at_line(line_,
                          "unexpected text after a closing quote; double a quote "
                          "that is part of the value"));
    }
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Result<std::vector<CsvRecord>> parse_csv(std::string_view text) {
  return CsvParser(text).parse();
}

}  // namespace touchpoint::core
