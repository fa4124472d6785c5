#include "ingest/lex.h"

#include <algorithm>
#include <bit>

#include "model/go_strconv.h"
#include "model/sample.h"

namespace promref::ingest::lex {

std::string_view TokenName(Token t) {
  switch (t) {
    case Token::kInvalid: return "INVALID";
    case Token::kEOF: return "EOF";
    case Token::kLinebreak: return "LINEBREAK";
    case Token::kWhitespace: return "WHITESPACE";
    case Token::kHelp: return "HELP";
    case Token::kType: return "TYPE";
    case Token::kUnit: return "UNIT";
    case Token::kEOFWord: return "EOFWORD";
    case Token::kText: return "TEXT";
    case Token::kComment: return "COMMENT";
    case Token::kMName: return "MNAME";
    case Token::kQString: return "QSTRING";
    case Token::kBraceOpen: return "BOPEN";
    case Token::kBraceClose: return "BCLOSE";
    case Token::kLName: return "LNAME";
    case Token::kLValue: return "LVALUE";
    case Token::kComma: return "COMMA";
    case Token::kEqual: return "EQUAL";
    case Token::kTimestamp: return "TIMESTAMP";
    case Token::kValue: return "VALUE";
  }
  return "INVALID";
}

bool ScanQuoted(Cursor* c, bool newline_ok, bool skip_nul) {
  for (unsigned char ch = c->Advance(skip_nul);; ch = c->Advance(skip_nul)) {
    if (c->AtEnd() || ch == '\0') return false;
    if (ch == '"') {
      c->Advance(skip_nul);
      return true;
    }
    if (ch == '\n' && !newline_ok) return false;
    if (ch == '\\') {
      ch = c->Advance(skip_nul);
      if (c->AtEnd() || ch == '\0' || ch == '\n') return false;
    }
  }
}

namespace {

// One byte past the cursor, as far as the body goes.
size_t ExcerptEnd(const Cursor& c) {
  return std::min(c.body().size(), c.pos() + 1);
}

}  // namespace

Error UnexpectedToken(const Cursor& c, size_t line_start, std::string_view expected, Token got) {
  const size_t end = ExcerptEnd(c);
  const size_t tok = std::min(c.start(), end);
  return BadData(std::string(expected) + ", got " + model::GoQuote(c.body().substr(tok, end - tok)) + " (\"" +
                 std::string(TokenName(got)) +
                 "\") while parsing: " + model::GoQuote(c.body().substr(line_start, end - line_start)));
}

std::string WhileParsing(const Cursor& c, size_t line_start) {
  const size_t end = std::min(c.body().size(), c.pos());
  return " while parsing: " + model::GoQuote(c.body().substr(line_start, end - line_start));
}

Result<double> ParseSampleFloat(std::string_view s) {
  // Prometheus keeps to the float syntax Go had before 1.13.
  if (s.find_first_of("pP_") != std::string_view::npos) return BadData("unsupported character in float");
  const model::ParsedFloat f = model::ParseFloat(s);
  if (!f.ok()) {
    const char* why = *f.error == model::ParseNumError::kRange ? "value out of range" : "invalid syntax";
    return BadData("strconv.ParseFloat: parsing " + model::GoQuote(s) + ": " + why);
  }
  if (f.value != f.value) return std::bit_cast<double>(model::kNormalNaNBits);
  return f.value;
}

namespace {

// Go's strings.Replacer over two-byte escapes: left to right, no overlaps.
std::string Unescape(std::string_view s, bool quote_too) {
  if (s.find('\\') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char next = s[i + 1];
      if (next == '\\' || next == 'n' || (quote_too && next == '"')) {
        out += next == 'n' ? '\n' : next;
        ++i;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::string UnescapeLabelText(std::string_view s) {
  return Unescape(s, /*quote_too=*/true);
}

std::string UnescapeHelpText(std::string_view s) {
  return Unescape(s, /*quote_too=*/false);
}

}  // namespace promref::ingest::lex
