#include "ingest/text_parser.h"

#include <optional>
#include <string>
#include <vector>

#include "ingest/lex.h"
#include "ingest/series_labels.h"
#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::ingest {
namespace {

using lex::Token;

bool IsBlank(unsigned char c) {
  return c == ' ' || c == '\t';
}
// The first byte of HELP text, and the bytes that may follow it.
bool IsTextStart(unsigned char c) {
  return c != 0 && c != '\n' && !IsBlank(c);
}
bool IsTextByte(unsigned char c) {
  return c != 0 && c != '\n';
}
bool IsValueByte(unsigned char c) {
  return IsTextStart(c) && c != '{';
}

// The lexer of promlex.l. Its start conditions say which rules apply to the next token.
class TextLexer {
 public:
  enum class State { kInit, kComment, kMeta1, kMeta2, kLabels, kLValue, kValue, kTimestamp };

  explicit TextLexer(std::string_view body) : c_(body) {}
  const lex::Cursor& cursor() const { return c_; }

  Token Lex() {
    if (c_.AtEnd()) return Token::kEOF;
    unsigned char ch = c_.BeginToken();
    switch (state_) {
      case State::kInit: return LexInit(ch);
      case State::kComment: return LexComment(ch);
      case State::kMeta1: return LexMeta1(ch);
      case State::kMeta2: return LexMeta2(ch);
      case State::kLabels: return LexLabels(ch);
      case State::kLValue: return LexLValue(ch);
      case State::kValue: return LexValue(ch);
      case State::kTimestamp: return LexTimestamp(ch);
    }
    return Token::kInvalid;
  }

 private:
  bool SkipNul() const {
    return state_ == State::kLValue || state_ == State::kMeta2 || state_ == State::kComment;
  }
  unsigned char Advance() { return c_.Advance(SkipNul()); }
  template <typename Pred>
  unsigned char AdvanceWhile(Pred pred) {
    return c_.AdvanceWhile(SkipNul(), pred);
  }
  Token Enter(State s, Token t) {
    state_ = s;
    return t;
  }
  Token Whitespace() {
    AdvanceWhile(IsBlank);
    return Token::kWhitespace;
  }
  // No rule matches: comments swallow the rest of the line, anything else is invalid.
  Token Abort() { return state_ == State::kComment ? ConsumeComment() : Token::kInvalid; }

  Token ConsumeComment() {
    for (unsigned char ch = c_.Current();; ch = Advance()) {
      if (ch == 0) return Token::kEOF;
      if (ch == '\n') return Enter(State::kInit, Token::kComment);
    }
  }

  Token LexInit(unsigned char ch) {
    if (ch == '\0') {
      Advance();
      return Token::kEOF;
    }
    if (ch == '\n') {
      Advance();
      return Token::kLinebreak;
    }
    if (IsBlank(ch)) return Whitespace();
    if (ch == '#') {
      ch = Advance();
      if (!IsBlank(ch)) return ConsumeComment();
      ch = AdvanceWhile(IsBlank);
      state_ = State::kComment;  // the same token goes on: "# HELP " is one HELP token
      return LexComment(ch);
    }
    if (lex::IsMetricNameStart(ch)) {
      AdvanceWhile(lex::IsMetricNameChar);
      return Enter(State::kValue, Token::kMName);
    }
    if (ch == '{') {
      Advance();
      return Enter(State::kLabels, Token::kBraceOpen);
    }
    return Abort();
  }

  Token LexComment(unsigned char ch) {
    if (IsBlank(ch)) return Whitespace();
    if (ch == 'H') return Keyword("ELP", Token::kHelp);
    if (ch == 'T') return Keyword("YPE", Token::kType);
    return Abort();
  }

  // The rest of HELP or TYPE after its first letter, then at least one blank.
  Token Keyword(std::string_view rest, Token t) {
    for (char want : rest) {
      if (Advance() != static_cast<unsigned char>(want)) return Abort();
    }
    unsigned char ch = Advance();
    if (!IsBlank(ch)) return Abort();
    AdvanceWhile(IsBlank);
    return Enter(State::kMeta1, t);
  }

  Token LexMeta1(unsigned char ch) {
    if (ch == '"') {
      if (!lex::ScanQuoted(&c_, /*newline_ok=*/true, SkipNul())) return Abort();
      return Enter(State::kMeta2, Token::kMName);
    }
    if (lex::IsMetricNameStart(ch)) {
      AdvanceWhile(lex::IsMetricNameChar);
      return Enter(State::kMeta2, Token::kMName);
    }
    if (IsBlank(ch)) return Whitespace();
    return Abort();
  }

  // The HELP or TYPE text: everything to the end of the line, possibly nothing. Blanks alone
  // are whitespace, not text.
  Token LexMeta2(unsigned char ch) {
    if (IsBlank(ch)) {
      ch = AdvanceWhile(IsBlank);
      if (c_.AtEnd() || !IsTextStart(ch)) return Token::kWhitespace;
    }
    if (!c_.AtEnd() && IsTextStart(ch)) AdvanceWhile(IsTextByte);
    return Enter(State::kInit, Token::kText);
  }

  Token LexLabels(unsigned char ch) {
    switch (ch) {
      case '"':
        if (!lex::ScanQuoted(&c_, /*newline_ok=*/true, SkipNul())) return Abort();
        return Token::kQString;
      case ',': Advance(); return Token::kComma;
      case '=': Advance(); return Enter(State::kLValue, Token::kEqual);
      case '}': Advance(); return Enter(State::kValue, Token::kBraceClose);
      default: break;
    }
    if (IsBlank(ch)) return Whitespace();
    if (lex::IsLabelNameStart(ch)) {
      AdvanceWhile(lex::IsLabelNameChar);
      return Token::kLName;
    }
    return Abort();
  }

  Token LexLValue(unsigned char ch) {
    if (ch == '"') {
      if (!lex::ScanQuoted(&c_, /*newline_ok=*/true, SkipNul())) return Abort();
      return Enter(State::kLabels, Token::kLValue);
    }
    if (IsBlank(ch)) return Whitespace();
    return Abort();
  }

  Token LexValue(unsigned char ch) {
    if (IsBlank(ch)) return Whitespace();
    if (ch == '{') {
      Advance();
      return Enter(State::kLabels, Token::kBraceOpen);
    }
    if (IsValueByte(ch)) {
      AdvanceWhile(IsValueByte);
      return Enter(State::kTimestamp, Token::kValue);
    }
    return Abort();
  }

  Token LexTimestamp(unsigned char ch) {
    if (ch == '\n') {
      Advance();
      return Enter(State::kInit, Token::kLinebreak);
    }
    if (IsBlank(ch)) return Whitespace();
    if (lex::IsDigit(ch)) {
      AdvanceWhile(lex::IsDigit);
      return Token::kTimestamp;
    }
    return Abort();
  }

  lex::Cursor c_;
  State state_ = State::kInit;
};

std::optional<MetricType> TextMetricType(std::string_view s) {
  if (s == "counter") return MetricType::kCounter;
  if (s == "gauge") return MetricType::kGauge;
  if (s == "histogram") return MetricType::kHistogram;
  if (s == "summary") return MetricType::kSummary;
  if (s == "untyped") return MetricType::kUnknown;
  return std::nullopt;
}

// A decimal timestamp (the lexer admits digits only), or Go's ParseInt range error.
Result<int64_t> ParseTimestamp(std::string_view digits) {
  int64_t v = 0;
  for (char d : digits) {
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d - '0', &v)) {
      return BadData("strconv.ParseInt: parsing " + model::GoQuote(digits) + ": value out of range");
    }
  }
  return v;
}

class TextParser final : public Parser {
 public:
  explicit TextParser(std::string_view body) : lexer_(WithFinalNewline(body, &owned_)) {}
  TextParser(const TextParser&) = delete;  // the lexer may point into owned_
  TextParser& operator=(const TextParser&) = delete;

  Result<bool> Next(Entry* entry) override {
    while (true) {
      line_start_ = cursor().pos();
      name_.reset();
      pairs_.clear();
      switch (const Token t = NextToken()) {
        case Token::kEOF: return false;
        case Token::kLinebreak: continue;  // blank line
        case Token::kHelp:
        case Token::kType:
          if (Status s = ParseMetadata(t, entry); !s.ok()) return s.error();
          return true;
        case Token::kComment:
          entry->kind = EntryKind::kComment;
          entry->text = cursor().Token();
          if (Token t2 = NextToken(); t2 != Token::kLinebreak) {
            return Unexpected("linebreak expected after comment", t2);
          }
          return true;
        case Token::kBraceOpen:
          if (Status s = ParseSeries(Token::kBraceOpen, entry); !s.ok()) return s.error();
          return true;
        case Token::kMName:
          // From the start of the line: Prometheus keeps leading blanks in the name.
          name_ = cursor().body().substr(line_start_, cursor().pos() - line_start_);
          if (Status s = ParseSeries(NextToken(), entry); !s.ok()) return s.error();
          return true;
        default: return Unexpected("expected a valid start token", t);
      }
    }
  }

 private:
  // Prometheus appends the newline a body lacks, and its error excerpts show it.
  static std::string_view WithFinalNewline(std::string_view body, std::string* owned) {
    if (!body.empty() && body.back() == '\n') return body;
    *owned = std::string(body) + '\n';
    return *owned;
  }

  const lex::Cursor& cursor() const { return lexer_.cursor(); }

  Token NextToken() {
    Token t;
    do t = lexer_.Lex();
    while (t == Token::kWhitespace);
    return t;
  }

  Status ParseMetadata(Token kind, Entry* entry) {
    const std::string_view keyword = lex::TokenName(kind);
    Token t = NextToken();
    if (t != Token::kMName) {
      return Unexpected("expected metric name after " + std::string(keyword), t);
    }
    entry->family = lex::Unquoted(cursor().Token());
    if (t = NextToken(); t != Token::kText) {
      return BadData("expected text in " + std::string(keyword) + ", got " + std::string(lex::TokenName(t)));
    }
    // The text token starts with the blank that separated it from the name.
    const std::string_view tok = cursor().Token();
    const std::string_view text = tok.size() > 1 ? tok.substr(1) : std::string_view();
    if (kind == Token::kType) {
      const std::optional<MetricType> type = TextMetricType(text);
      if (!type) return BadData("invalid metric type " + model::GoQuote(text));
      entry->kind = EntryKind::kType;
      entry->type = type_ = *type;
    } else {
      if (!model::IsValidUtf8(text))
        return BadData("help text " + model::GoQuote(text) + " is not a valid utf8 string");
      entry->kind = EntryKind::kHelp;
      entry->text = lex::UnescapeHelpText(text);
    }
    if (t = NextToken(); t != Token::kLinebreak) {
      return Unexpected("linebreak expected after metadata", t);
    }
    return {};
  }

  // A series line from the token after the metric name (or from the opening brace).
  Status ParseSeries(Token t, Entry* entry) {
    if (t == Token::kBraceOpen) {
      if (Status s = ParseLabels(); !s.ok()) return s;
      t = NextToken();
    }
    if (!name_) return BadData("metric name not set" + WhileParsing());
    if (t != Token::kValue) return Unexpected("expected value after metric", t);
    Result<double> v = lex::ParseSampleFloat(cursor().Token());
    if (!v.ok()) return BadData(v.error().message() + WhileParsing());
    entry->value = *v;
    entry->timestamp_ms.reset();
    switch (t = NextToken()) {
      case Token::kLinebreak: break;
      case Token::kTimestamp: {
        Result<int64_t> ts = ParseTimestamp(cursor().Token());
        if (!ts.ok()) return BadData(ts.error().message() + WhileParsing());
        entry->timestamp_ms = *ts;
        if (t = NextToken(); t != Token::kLinebreak)
          return Unexpected("expected next entry after timestamp", t);
        break;
      }
      default: return Unexpected("expected timestamp or new record", t);
    }
    entry->kind = EntryKind::kSeries;
    entry->exemplar.reset();
    entry->start_timestamp_ms.reset();
    entry->histogram.reset();
    entry->histogram_exemplars.clear();
    return labels_.Build(*name_, pairs_, type_, &entry->labels);
  }

  // The inside of {...}: label pairs, and perhaps the metric name as a lone quoted string.
  // Commas are optional (Prometheus accepts `{a="1" b="2"}`) and may trail.
  Status ParseLabels() {
    Token t = NextToken();
    while (true) {
      if (t == Token::kBraceClose) return {};
      if (t != Token::kLName && t != Token::kQString) return Unexpected("expected label name", t);
      const bool quoted = t == Token::kQString;
      const std::string_view name = lex::Unquoted(cursor().Token());
      t = NextToken();
      if (quoted && (t == Token::kComma || t == Token::kBraceClose)) {
        if (name_) return BadData("metric name already set" + WhileParsing());
        name_ = name;
        if (t == Token::kBraceClose) return {};
        t = NextToken();
        continue;
      }
      if (t != Token::kEqual) return Unexpected("expected equal", t);
      if (t = NextToken(); t != Token::kLValue) return Unexpected("expected label value", t);
      const std::string_view value = cursor().Token();
      if (!model::IsValidUtf8(value)) return BadData("invalid UTF-8 label value: " + model::GoQuote(value));
      pairs_.push_back({name, value.substr(1, value.size() - 2)});
      if (t = NextToken(); t == Token::kComma) t = NextToken();
    }
  }

  Error Unexpected(std::string_view expected, Token got) const {
    return lex::UnexpectedToken(cursor(), line_start_, expected, got);
  }
  std::string WhileParsing() const { return lex::WhileParsing(cursor(), line_start_); }

  std::string owned_;  // the body with its newline added, when it lacked one
  TextLexer lexer_;
  size_t line_start_ = 0;
  std::optional<std::string_view> name_;
  std::vector<RawLabel> pairs_;
  MetricType type_ = MetricType::kUnknown;
  SeriesLabelsBuilder labels_;
};

}  // namespace

std::unique_ptr<Parser> NewTextParser(std::string_view body) {
  return std::make_unique<TextParser>(body);
}

}  // namespace promref::ingest
