#include "promql/lexer.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::promql {
namespace {

bool IsSpace(char32_t r) {
  return r == ' ' || r == '\t' || r == '\n' || r == '\r';
}
bool IsDigit(char32_t r) {
  return r >= '0' && r <= '9';
}
bool IsAlpha(char32_t r) {
  return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
}
bool IsAlphaNumeric(char32_t r) {
  return IsAlpha(r) || IsDigit(r);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Go's %q of a rune: 'x', '\n', '\x00', '\u00e9' for non-printables...
std::string QuoteRune(char32_t r) {
  if (r == '\'') return "'\\''";
  if (r == '\\') return "'\\\\'";
  std::string s;
  if (r == model::kRuneError || !model::IsValidRune(r)) return "'\xEF\xBF\xBD'";  // '\ufffd', printable
  model::AppendRune(&s, r);
  std::string q = model::GoQuote(s);  // "..." with Go escapes
  if (q == "\"\\\"\"") return "'\"'";
  return "'" + q.substr(1, q.size() - 2) + "'";
}

// Go's %#U: U+0071 'q'.
std::string RuneU(char32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  std::string s;
  model::AppendRune(&s, r);
  // %#U prints the character only when it is printable; '"' and '\\' are, though Quote
  // escapes them.
  const std::string q = model::GoQuote(s);
  const bool printable = r == '"' || r == '\\' || q.find('\\') == std::string::npos;
  if (printable && r >= 0x20) out += " '" + s + "'";
  return out;
}

int DigitVal(char32_t r) {
  if (r >= '0' && r <= '9') return static_cast<int>(r - '0');
  if (r >= 'a' && r <= 'f') return static_cast<int>(r - 'a' + 10);
  if (r >= 'A' && r <= 'F') return static_cast<int>(r - 'A' + 10);
  return 16;
}

const std::unordered_map<std::string, TokenType>& Keywords() {
  static const auto* keywords = new std::unordered_map<std::string, TokenType>{
      {"and", TokenType::kLand},
      {"or", TokenType::kLor},
      {"unless", TokenType::kLunless},
      {"atan2", TokenType::kAtan2},
      {"sum", TokenType::kSum},
      {"avg", TokenType::kAvg},
      {"count", TokenType::kCount},
      {"min", TokenType::kMin},
      {"max", TokenType::kMax},
      {"group", TokenType::kGroup},
      {"stddev", TokenType::kStddev},
      {"stdvar", TokenType::kStdvar},
      {"topk", TokenType::kTopk},
      {"bottomk", TokenType::kBottomk},
      {"count_values", TokenType::kCountValues},
      {"quantile", TokenType::kQuantile},
      {"limitk", TokenType::kLimitk},
      {"limit_ratio", TokenType::kLimitRatio},
      {"offset", TokenType::kOffset},
      {"smoothed", TokenType::kSmoothed},
      {"anchored", TokenType::kAnchored},
      {"by", TokenType::kBy},
      {"without", TokenType::kWithout},
      {"on", TokenType::kOn},
      {"ignoring", TokenType::kIgnoring},
      {"group_left", TokenType::kGroupLeft},
      {"group_right", TokenType::kGroupRight},
      {"bool", TokenType::kBool},
      {"start", TokenType::kStart},
      {"end", TokenType::kEnd},
      {"inf", TokenType::kNumber},
      {"nan", TokenType::kNumber},
  };
  return *keywords;
}

TokenType IdentifierType(std::string_view word) {
  return word.find(':') == std::string_view::npos ? TokenType::kIdentifier : TokenType::kMetricIdentifier;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

bool IsNameStart(char32_t r, bool unquoted_utf8_names) {
  return IsAlpha(r) || (unquoted_utf8_names && r >= 0x80 && model::IsUnicodeLetter(r));
}

bool IsNameContinue(char32_t r, bool unquoted_utf8_names) {
  return IsNameStart(r, unquoted_utf8_names) || IsDigit(r) || (unquoted_utf8_names && r == '.');
}

bool IsUnquotedUtf8Name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    char32_t r;
    const int width = model::DecodeRune(name.substr(i), &r);
    if (!(i == 0 ? IsNameStart(r, true) : IsNameContinue(r, true))) return false;
    i += static_cast<size_t>(width);
  }
  return true;
}

bool Lexer::IsNameStart(char32_t r) const {
  return promql::IsNameStart(r, options_.unquoted_utf8_names);
}

bool Lexer::IsNameContinue(char32_t r) const {
  return promql::IsNameContinue(r, options_.unquoted_utf8_names);
}

char32_t Lexer::NextRune() {
  if (pos_ >= static_cast<int>(input_.size())) {
    width_ = 0;
    return kEof;
  }
  char32_t r;
  width_ = model::DecodeRune(input_.substr(static_cast<size_t>(pos_)), &r);
  pos_ += width_;
  return r;
}

char32_t Lexer::Peek() {
  const char32_t r = NextRune();
  Backup();
  return r;
}

bool Lexer::Accept(std::string_view valid) {
  const char32_t r = NextRune();
  if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
  Backup();
  return false;
}

bool Lexer::Is(std::string_view valid) {
  const char32_t r = Peek();
  return r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (Accept(valid)) {
  }
}

Token Lexer::Emit(TokenType t) {
  Token tok{t, start_,
            std::string(input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_)))};
  start_ = pos_;
  return tok;
}

Token Lexer::Error(std::string message) {
  done_ = true;
  state_ = State::kDone;
  return Token{TokenType::kError, start_, std::move(message)};
}

Token Lexer::Next() {
  while (true) {
    if (done_) return Token{TokenType::kEof, static_cast<int>(input_.size()), ""};
    Token t = state_ == State::kInsideBraces   ? LexInsideBraces()
              : state_ == State::kDurationExpr ? LexDurationExpr()
                                               : LexStatements();
    if (t.type == TokenType::kSpace) continue;  // whitespace is skipped, never emitted
    if (t.type == TokenType::kEof) done_ = true;
    return t;
  }
}

Token Lexer::LexLineComment() {
  char32_t r = NextRune();  // the '#'
  while (r != '\n' && r != '\r' && r != kEof) r = NextRune();
  Backup();
  return Emit(TokenType::kComment);
}

Token Lexer::LexStatements() {
  if (pos_ < static_cast<int>(input_.size()) && input_[static_cast<size_t>(pos_)] == '#')
    return LexLineComment();
  const char32_t r = NextRune();
  if (r == kEof) {
    if (paren_depth_ != 0) return Error("unclosed left parenthesis");
    if (bracket_open_) return Error("unclosed left bracket");
    return Emit(TokenType::kEof);
  }
  if (IsSpace(r)) {
    while (IsSpace(Peek())) NextRune();
    start_ = pos_;
    return Token{TokenType::kSpace, 0, ""};
  }
  switch (r) {
    case ',': return Emit(TokenType::kComma);
    case '*': return Emit(TokenType::kMul);
    case '/': return Emit(TokenType::kDiv);
    case '%': return Emit(TokenType::kMod);
    case '+': return Emit(TokenType::kAdd);
    case '-': return Emit(TokenType::kSub);
    case '^': return Emit(TokenType::kPow);
    case '@': return Emit(TokenType::kAt);
    case '=': {
      const char32_t t = Peek();
      if (t == '=') {
        NextRune();
        return Emit(TokenType::kEqlc);
      }
      if (t == '~') return Error("unexpected character after '=': " + QuoteRune(t));
      return Emit(TokenType::kEql);
    }
    case '!': {
      const char32_t t = NextRune();
      if (t == '=') return Emit(TokenType::kNeq);
      return Error("unexpected character after '!': " + QuoteRune(t));
    }
    case '<': {
      const char32_t t = Peek();
      if (t == '=') {
        NextRune();
        return Emit(TokenType::kLte);
      }
      if (t == '/') {
        NextRune();
        return Emit(TokenType::kTrimUpper);
      }
      return Emit(TokenType::kLss);
    }
    case '>': {
      const char32_t t = Peek();
      if (t == '=') {
        NextRune();
        return Emit(TokenType::kGte);
      }
      if (t == '/') {
        NextRune();
        return Emit(TokenType::kTrimLower);
      }
      return Emit(TokenType::kGtr);
    }
    case '"':
    case '\'': return LexString(r);
    case '`': return LexRawString();
    case '(': ++paren_depth_; return Emit(TokenType::kLeftParen);
    case ')': {
      Token t = Emit(TokenType::kRightParen);
      if (--paren_depth_ < 0) return Error("unexpected right parenthesis " + QuoteRune(r));
      return t;
    }
    case '{': state_ = State::kInsideBraces; return Emit(TokenType::kLeftBrace);
    case '[': {
      if (bracket_open_) return Error("unexpected left bracket " + QuoteRune(r));
      got_colon_ = false;
      got_duration_ = false;
      Token t = Emit(TokenType::kLeftBracket);
      while (IsSpace(Peek())) NextRune();
      start_ = pos_;
      bracket_open_ = true;
      state_ = State::kDurationExpr;
      return t;
    }
    case ']':
      if (!bracket_open_) return Error("unexpected right bracket " + QuoteRune(r));
      bracket_open_ = false;
      return Emit(TokenType::kRightBracket);
    default: break;
  }
  if (IsDigit(r) || (r == '.' && IsDigit(Peek()))) {
    Backup();
    return LexNumberOrDuration();
  }
  if (bracket_open_ && (IsNameStart(r) || r == ':')) return LexNameInBrackets(r);
  if (IsNameStart(r) || r == ':') {
    Backup();
    return LexKeywordOrIdentifier();
  }
  return Error("unexpected character: " + QuoteRune(r));
}

Token Lexer::LexInsideBraces() {
  if (pos_ < static_cast<int>(input_.size()) && input_[static_cast<size_t>(pos_)] == '#')
    return LexLineComment();
  const char32_t r = NextRune();
  if (r == kEof) return Error("unexpected end of input inside braces");
  if (IsSpace(r)) {
    while (IsSpace(Peek())) NextRune();
    start_ = pos_;
    return Token{TokenType::kSpace, 0, ""};
  }
  if (IsNameStart(r)) {
    Backup();
    return LexIdentifier();
  }
  switch (r) {
    case ',': return Emit(TokenType::kComma);
    case '"':
    case '\'': return LexString(r);
    case '`': return LexRawString();
    case '=':
      if (NextRune() == '~') return Emit(TokenType::kEqlRegex);
      Backup();
      return Emit(TokenType::kEql);
    case '!': {
      const char32_t nr = NextRune();
      if (nr == '~') return Emit(TokenType::kNeqRegex);
      if (nr == '=') return Emit(TokenType::kNeq);
      return Error("unexpected character after '!' inside braces: " + QuoteRune(nr));
    }
    case '{': return Error("unexpected left brace " + QuoteRune(r));
    case '}': state_ = State::kStatements; return Emit(TokenType::kRightBrace);
    default: return Error("unexpected character inside braces: " + QuoteRune(r));
  }
}

std::string Lexer::LexEscape(char32_t quote) {
  char32_t ch = NextRune();
  int n;
  uint32_t base, max;
  switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\': return "";
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': n = 3, base = 8, max = 255; break;
    case 'x':
      ch = NextRune();
      n = 2, base = 16, max = 255;
      break;
    case 'u':
      ch = NextRune();
      n = 4, base = 16, max = 0x10FFFF;
      break;
    case 'U':
      ch = NextRune();
      n = 8, base = 16, max = 0x10FFFF;
      break;
    default:
      if (ch == quote) return "";
      if (ch == kEof) return "escape sequence not terminated";
      return "unknown escape sequence " + RuneU(ch);
  }
  uint32_t x = 0;
  while (n > 0) {
    const auto d = static_cast<uint32_t>(DigitVal(ch));
    if (d >= base) {
      if (ch == kEof) return "escape sequence not terminated";
      return "illegal character " + RuneU(ch) + " in escape sequence";
    }
    x = x * base + d;
    if (--n > 0) ch = NextRune();
  }
  if (x > max || (x >= 0xD800 && x < 0xE000)) return "escape sequence is an invalid Unicode code point";
  return "";
}

Token Lexer::LexString(char32_t quote) {
  while (true) {
    const int before = pos_;
    const char32_t r = NextRune();
    if (r == '\\') {
      std::string err = LexEscape(quote);
      if (!err.empty()) return Error(std::move(err));
      continue;
    }
    if (r == model::kRuneError && width_ == 1) return Error("invalid UTF-8 rune");
    if (r == kEof || r == '\n') return Error("unterminated quoted string");
    if (r == quote) break;
    (void)before;
  }
  return Emit(TokenType::kString);
}

Token Lexer::LexRawString() {
  while (true) {
    const char32_t r = NextRune();
    if (r == model::kRuneError && width_ == 1) return Error("invalid UTF-8 rune");
    if (r == kEof) return Error("unterminated raw string");
    if (r == '`') break;
  }
  return Emit(TokenType::kString);
}

// Prometheus' scanNumber: decimal, hex and float literals with underscores between digits. A
// number ends where its pattern breaks; what it consumed by then is what "bad number or
// duration syntax" quotes when no duration unit follows either.
bool Lexer::ScanNumber() {
  const int initial = pos_;
  std::string digits = "0123456789";
  const bool hex = Accept("0") && Accept("xX");
  if (hex) {
    Accept("_");  // 0x_1f
    digits = "0123456789abcdefABCDEF";
  }
  Accept(".");
  Accept(digits);
  bool dot = false, exponent = false;
  while (Is(digits + "._eE")) {
    if ((Is(".") && dot) || (Is("eE") && exponent)) {  // a second '.' or exponent
      NextRune();
      return false;
    }
    if (Accept(".")) {
      dot = true;
      if (Accept("_.") || hex) return false;
      continue;
    }
    if (Accept("eE")) {
      exponent = true;
      Accept("+-");
      if (Accept("._eE") || Peek() == kEof) return false;
      continue;
    }
    if (Accept("_")) {
      if (Accept("._eE") || Peek() == kEof) return false;
      continue;
    }
    AcceptRun(digits);
  }
  if (pos_ == initial) return false;
  return !IsAlphaNumeric(Peek());
}

bool Lexer::AcceptRemainingDuration() {
  if (!Accept("smhdwy")) return false;
  Accept("s");  // "ms"; bad units like "hs" are caught when the duration is parsed
  while (Accept("0123456789")) {
    AcceptRun("0123456789");
    if (!Accept("smhdw")) return false;
    Accept("s");
  }
  return !IsAlphaNumeric(NextRune());
}

Token Lexer::LexNumberOrDuration() {
  if (ScanNumber()) return Emit(TokenType::kNumber);
  if (AcceptRemainingDuration()) {
    Backup();
    return Emit(TokenType::kDuration);
  }
  return Error(
      "bad number or duration syntax: " +
      model::GoQuote(input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_))));
}

// Inside brackets, after a number or duration (Prometheus' lexStatements with bracketOpen): a
// colon, or a duration keyword (step, range, min_of, max_of); any other name is an error.
Token Lexer::LexNameInBrackets(char32_t r) {
  if (r == ':') {
    if (got_colon_) return Error("unexpected colon " + QuoteRune(r));
    got_colon_ = true;
    return Emit(TokenType::kColon);
  }
  if (auto keyword = ScanDurationKeyword(r)) return Emit(*keyword);
  return Error("unexpected character: " + QuoteRune(r) + ", expected ':'");
}

// step, range, min_of or max_of starting at the rune just read; nothing consumed otherwise.
std::optional<TokenType> Lexer::ScanDurationKeyword(char32_t first) {
  static const std::unordered_map<std::string, TokenType> kKeywords = {{"step", TokenType::kStep},
                                                                       {"range", TokenType::kRange},
                                                                       {"min_of", TokenType::kMinOf},
                                                                       {"max_of", TokenType::kMaxOf}};
  const char32_t lower = first >= 'A' && first <= 'Z' ? first + ('a' - 'A') : first;
  if (lower != 's' && lower != 'r' && lower != 'm') return std::nullopt;
  const int begin = pos_;
  while (IsAlpha(Peek())) NextRune();
  const std::string word =
      ToLower(input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_)));
  if (auto it = kKeywords.find(word); it != kKeywords.end()) return it->second;
  pos_ = begin;
  return std::nullopt;
}

// Right after '[' (and on through operators, parentheses and commas until a number, a duration
// or ']'): Prometheus' lexDurationExpr, which refuses anything a duration expression cannot hold.
Token Lexer::LexDurationExpr() {
  const char32_t r = NextRune();
  switch (r) {
    case kEof: return Error("unexpected end of input in duration expression");
    case ']':
      bracket_open_ = false;
      got_colon_ = false;
      state_ = State::kStatements;
      return Emit(TokenType::kRightBracket);
    case ':': {
      Token t = Emit(TokenType::kColon);
      if (!got_duration_) return Error("unexpected colon before duration in duration expression");
      if (got_colon_) return Error("unexpected repeated colon in duration expression");
      got_colon_ = true;
      return t;
    }
    case '(': ++paren_depth_; return Emit(TokenType::kLeftParen);
    case ')': {
      Token t = Emit(TokenType::kRightParen);
      if (--paren_depth_ < 0) return Error("unexpected right parenthesis " + QuoteRune(r));
      return t;
    }
    case '+': return Emit(TokenType::kAdd);
    case '-': return Emit(TokenType::kSub);
    case '*': return Emit(TokenType::kMul);
    case '/': return Emit(TokenType::kDiv);
    case '%': return Emit(TokenType::kMod);
    case '^': return Emit(TokenType::kPow);
    case ',': return Emit(TokenType::kComma);
    default: break;
  }
  if (IsSpace(r)) {
    while (IsSpace(Peek())) NextRune();
    start_ = pos_;
    return Token{TokenType::kSpace, 0, ""};
  }
  if (auto keyword = ScanDurationKeyword(r)) {
    got_duration_ = true;
    return Emit(*keyword);
  }
  if (IsDigit(r) || (r == '.' && IsDigit(Peek()))) {
    Backup();
    got_duration_ = true;
    state_ = State::kStatements;
    return LexNumberOrDuration();
  }
  return Error("unexpected character in duration expression: " + QuoteRune(r));
}

Token Lexer::LexKeywordOrIdentifier() {
  while (true) {
    const char32_t r = NextRune();
    if (IsNameContinue(r) || r == ':') continue;
    Backup();
    break;
  }
  const std::string_view word =
      input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
  // Only ASCII words are keywords: a name with non-ASCII letters keeps its identity even where
  // Unicode case folding would map it onto one (`ſum`, `ＳＵＭ`).
  if (!IsAscii(word)) return Emit(IdentifierType(word));
  const auto& keywords = Keywords();
  if (auto it = keywords.find(ToLower(word)); it != keywords.end()) return Emit(it->second);
  {
    // Keywords only when a '(' follows (Prometheus lexes step/range/min_of/max_of as keywords
    // always and lets the grammar take them as names; the effect is the same).
    const std::string lower = ToLower(word);
    static const std::unordered_map<std::string, TokenType> kCallKeywords = {
        {"step", TokenType::kStep},
        {"range", TokenType::kRange},
        {"min_of", TokenType::kMinOf},
        {"max_of", TokenType::kMaxOf},
        {"fill", TokenType::kFill},
        {"fill_left", TokenType::kFillLeft},
        {"fill_right", TokenType::kFillRight},
    };
    if (auto it = kCallKeywords.find(lower); it != kCallKeywords.end()) {
      size_t p = static_cast<size_t>(pos_);
      while (p < input_.size() && IsSpace(static_cast<unsigned char>(input_[p]))) ++p;
      if (p < input_.size() && input_[p] == '(') return Emit(it->second);
    }
  }
  return Emit(IdentifierType(word));
}

Token Lexer::LexIdentifier() {
  while (IsNameContinue(NextRune())) {
  }
  Backup();
  return Emit(TokenType::kIdentifier);
}

}  // namespace promref::promql
