#include "ingest/openmetrics_parser.h"

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

// A byte of a sample value or timestamp: anything but NUL, space and newline.
bool IsSampleByte(unsigned char c) {
  return c != 0 && c != ' ' && c != '\n';
}

// The lexer of openmetricslex.l. Unlike the text format's it has no whitespace token: every
// separating space belongs to the token after it (" 1.5" is a value).
class OpenMetricsLexer {
 public:
  enum class State {
    kInit,
    kComment,
    kMeta1,
    kMeta2,
    kLabels,
    kLValue,
    kValue,
    kTimestamp,
    kExemplar,
    kEValue,
    kETimestamp
  };

  explicit OpenMetricsLexer(std::string_view body) : c_(body) {}
  const lex::Cursor& cursor() const { return c_; }

  Token Lex() {
    if (c_.AtEnd()) return Token::kEOF;
    const unsigned char ch = c_.BeginToken();
    switch (state_) {
      case State::kInit: return LexInit(ch);
      case State::kComment: return LexComment(ch);
      case State::kMeta1: return LexMeta1(ch);
      case State::kMeta2: return LexMeta2(ch);
      case State::kLabels: return LexLabels(ch, State::kLabels, State::kLValue);
      case State::kLValue: return LexQuotedValue(ch, State::kLabels);
      case State::kValue: return LexValue(ch);
      case State::kTimestamp: return LexTimestamp(ch);
      case State::kExemplar: return LexLabels(ch, State::kExemplar, State::kEValue);
      case State::kEValue:
        return ch == '"' ? LexQuotedValue(ch, State::kExemplar)
                         : LexSample(ch, State::kETimestamp, Token::kValue);
      case State::kETimestamp:
        if (ch == '\n') return Linebreak();
        return LexSample(ch, State::kETimestamp, Token::kTimestamp);
    }
    return Token::kInvalid;
  }

 private:
  bool SkipNul() const {
    return state_ == State::kLValue || state_ == State::kMeta2 || state_ == State::kComment;
  }
  unsigned char Advance() { return c_.Advance(SkipNul()); }
  Token Enter(State s, Token t) {
    state_ = s;
    return t;
  }
  Token Linebreak() {
    Advance();
    return Enter(State::kInit, Token::kLinebreak);
  }

  Token LexInit(unsigned char ch) {
    if (ch == '#') {
      if (Advance() != ' ') return Token::kInvalid;
      const unsigned char next = Advance();
      state_ = State::kComment;  // the same token goes on: "# HELP " is one HELP token
      return LexComment(next);
    }
    if (lex::IsMetricNameStart(ch)) {
      c_.AdvanceWhile(SkipNul(), lex::IsMetricNameChar);
      return Enter(State::kValue, Token::kMName);
    }
    if (ch == '{') {
      Advance();
      return Enter(State::kLabels, Token::kBraceOpen);
    }
    return Token::kInvalid;
  }

  Token LexComment(unsigned char ch) {
    switch (ch) {
      case 'H': return Keyword("ELP ", Token::kHelp);
      case 'T': return Keyword("YPE ", Token::kType);
      case 'U': return Keyword("NIT ", Token::kUnit);
      case 'E':
        if (Advance() != 'O' || Advance() != 'F') return Token::kInvalid;
        if (Advance() == '\n') Advance();
        return Enter(State::kInit, Token::kEOFWord);
      default: return Token::kInvalid;
    }
  }

  // The rest of a keyword after its first letter, its single trailing space included.
  Token Keyword(std::string_view rest, Token t) {
    for (char want : rest) {
      if (Advance() != static_cast<unsigned char>(want)) return Token::kInvalid;
    }
    Advance();
    return Enter(State::kMeta1, t);
  }

  Token LexMeta1(unsigned char ch) {
    if (ch == '"') {
      if (!lex::ScanQuoted(&c_, /*newline_ok=*/true, SkipNul())) return Token::kInvalid;
      return Enter(State::kMeta2, Token::kMName);
    }
    if (lex::IsMetricNameStart(ch)) {
      c_.AdvanceWhile(SkipNul(), lex::IsMetricNameChar);
      return Enter(State::kMeta2, Token::kMName);
    }
    return Token::kInvalid;
  }

  // " text\n": the newline belongs to the token.
  Token LexMeta2(unsigned char ch) {
    if (ch != ' ') return Token::kInvalid;
    Advance();
    ch = c_.AdvanceWhile(SkipNul(), [](unsigned char b) { return b != 0 && b != '\n'; });
    if (ch != '\n') return Token::kInvalid;
    Advance();
    return Enter(State::kInit, Token::kText);
  }

  // Label pairs of a series (kLabels) or of an exemplar (kExemplar); `value_state` lexes what
  // follows "=". An exemplar's closing brace is followed by its value.
  Token LexLabels(unsigned char ch, State self, State value_state) {
    switch (ch) {
      case '"':
        if (!lex::ScanQuoted(&c_, /*newline_ok=*/self == State::kLabels, SkipNul())) return Token::kInvalid;
        return Token::kQString;
      case ',': Advance(); return Token::kComma;
      case '=': Advance(); return Enter(value_state, Token::kEqual);
      case '}':
        Advance();
        return Enter(self == State::kLabels ? State::kValue : State::kEValue, Token::kBraceClose);
      default: break;
    }
    if (lex::IsLabelNameStart(ch)) {
      c_.AdvanceWhile(SkipNul(), lex::IsLabelNameChar);
      return Token::kLName;
    }
    return Token::kInvalid;
  }

  Token LexQuotedValue(unsigned char ch, State after) {
    if (ch != '"' || !lex::ScanQuoted(&c_, /*newline_ok=*/false, SkipNul())) return Token::kInvalid;
    return Enter(after, Token::kLValue);
  }

  // " <bytes>": a value or a timestamp.
  Token LexSample(unsigned char ch, State after, Token t) {
    if (ch != ' ' || !IsSampleByte(Advance())) return Token::kInvalid;
    c_.AdvanceWhile(SkipNul(), IsSampleByte);
    return Enter(after, t);
  }

  Token LexValue(unsigned char ch) {
    if (ch == '{') {
      Advance();
      return Enter(State::kLabels, Token::kBraceOpen);
    }
    return LexSample(ch, State::kTimestamp, Token::kValue);
  }

  // After the value: a newline, a timestamp, or " # {" opening an exemplar. " #" followed by
  // anything but " {" is a timestamp token, or invalid when that is " #" plus a space.
  Token LexTimestamp(unsigned char ch) {
    if (ch == '\n') return Linebreak();
    if (ch != ' ') return Token::kInvalid;
    ch = Advance();
    if (ch == '#') {
      ch = Advance();
      if (ch == ' ') {
        if (Advance() != '{') return Token::kInvalid;
        Advance();
        return Enter(State::kExemplar, Token::kComment);
      }
      c_.AdvanceWhile(SkipNul(), IsSampleByte);
      return Token::kTimestamp;
    }
    if (!IsSampleByte(ch)) return Token::kInvalid;
    c_.AdvanceWhile(SkipNul(), IsSampleByte);
    return Token::kTimestamp;
  }

  lex::Cursor c_;
  State state_ = State::kInit;
};

std::optional<MetricType> OpenMetricsType(std::string_view s) {
  if (s == "counter") return MetricType::kCounter;
  if (s == "gauge") return MetricType::kGauge;
  if (s == "histogram") return MetricType::kHistogram;
  if (s == "gaugehistogram") return MetricType::kGaugeHistogram;
  if (s == "summary") return MetricType::kSummary;
  if (s == "info") return MetricType::kInfo;
  if (s == "stateset") return MetricType::kStateset;
  if (s == "unknown") return MetricType::kUnknown;
  return std::nullopt;
}

// Go's %f, which is all Prometheus' timestamp errors print (for NaN and infinities).
std::string GoPercentF(double v) {
  if (v != v) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

constexpr std::string_view kCreatedSuffix = "_created";

bool HasCreatedSuffix(std::string_view name) {
  return name.ends_with(kCreatedSuffix);
}

// One line as written; views into the body.
struct RawLine {
  EntryKind kind = EntryKind::kSeries;
  std::string_view family;  // metadata lines
  std::string_view text;
  MetricType type = MetricType::kUnknown;

  size_t name_pos = 0;  // series lines: where the metric name starts in the body
  std::string_view name;
  std::vector<RawLabel> pairs;
  double value = 0;
  std::optional<int64_t> timestamp_ms;

  bool has_exemplar = false;
  std::vector<RawLabel> exemplar_pairs;
  double exemplar_value = 0;
  std::optional<int64_t> exemplar_timestamp_ms;
};

// Reads the body line by line, checking the syntax. Copyable, so that the parser can read
// ahead for `_created` lines and come back.
class LineReader {
 public:
  explicit LineReader(std::string_view body) : lexer_(body) {}

  // A copy that reads ahead, skipping exemplars unread as Prometheus does when it looks for
  // `_created` lines.
  LineReader ReadAhead() const {
    LineReader ahead = *this;
    ahead.skip_exemplars_ = true;
    return ahead;
  }

  // Reads the next line into *line; false at "# EOF".
  Result<bool> Next(RawLine* line) {
    line_start_ = cursor().pos();
    line->name = {};
    has_name_ = false;
    line->pairs.clear();
    line->has_exemplar = false;
    switch (const Token t = lexer_.Lex()) {
      case Token::kEOFWord:
        if (lexer_.Lex() != Token::kEOF) return BadData("unexpected data after # EOF");
        return false;
      case Token::kEOF: return BadData("data does not end with # EOF");
      case Token::kHelp:
      case Token::kType:
      case Token::kUnit:
        if (Status s = ParseMetadata(t, line); !s.ok()) return s.error();
        return true;
      case Token::kBraceOpen:
        if (Status s = ParseSeries(t, line); !s.ok()) return s.error();
        return true;
      case Token::kMName:
        SetName(line, cursor().Token(), cursor().start());
        if (Status s = ParseSeries(lexer_.Lex(), line); !s.ok()) return s.error();
        return true;
      default: return Unexpected("expected a valid start token", t);
    }
  }

  // The type of the last TYPE line, which Prometheus applies to every series after it.
  MetricType type() const { return type_; }
  // The length of the name on the last metadata line.
  size_t family_length() const { return family_length_; }
  size_t line_start() const { return line_start_; }
  std::string_view body() const { return cursor().body(); }

 private:
  const lex::Cursor& cursor() const { return lexer_.cursor(); }
  Error Unexpected(std::string_view expected, Token got) const {
    return lex::UnexpectedToken(cursor(), line_start_, expected, got);
  }
  std::string WhileParsing() const { return lex::WhileParsing(cursor(), line_start_); }

  void SetName(RawLine* line, std::string_view name, size_t pos) {
    line->name = name;
    line->name_pos = pos;
    has_name_ = true;
  }

  Status ParseMetadata(Token kind, RawLine* line) {
    const std::string keyword(lex::TokenName(kind));
    Token t = lexer_.Lex();
    if (t != Token::kMName) return Unexpected("expected metric name after " + keyword, t);
    line->family = lex::Unquoted(cursor().Token());
    family_length_ = line->family.size();
    if (lexer_.Lex() != Token::kText) return BadData("expected text in " + keyword);
    // The text token is " text\n".
    const std::string_view tok = cursor().Token();
    line->text = tok.size() > 1 ? tok.substr(1, tok.size() - 2) : std::string_view();
    switch (kind) {
      case Token::kType: {
        const std::optional<MetricType> type = OpenMetricsType(line->text);
        if (!type) return BadData("invalid metric type " + model::GoQuote(line->text));
        line->kind = EntryKind::kType;
        line->type = type_ = *type;
        return {};
      }
      case Token::kHelp:
        if (!model::IsValidUtf8(line->text)) {
          return BadData("help text " + model::GoQuote(line->text) + " is not a valid utf8 string");
        }
        line->kind = EntryKind::kHelp;
        return {};
      default: line->kind = EntryKind::kUnit; return CheckUnit(line->family, line->text);
    }
  }

  // A unit must end the family name, after an underscore.
  static Status CheckUnit(std::string_view family, std::string_view unit) {
    if (unit.empty()) return {};
    if (family.size() < unit.size() + 1 || !family.ends_with(unit) ||
        family[family.size() - unit.size() - 1] != '_') {
      return BadData("unit " + model::GoQuote(unit) + " not a suffix of metric " + model::GoQuote(family));
    }
    return {};
  }

  Status ParseSeries(Token t, RawLine* line) {
    line->kind = EntryKind::kSeries;
    if (t == Token::kBraceOpen) {
      if (Status s = ParseLabels(/*exemplar=*/false, line); !s.ok()) return s;
      t = lexer_.Lex();
    }
    if (!has_name_) return BadData("metric name not set" + WhileParsing());
    Result<double> v = SampleValue(t, "metric");
    if (!v.ok()) return v.error();
    line->value = *v;
    line->timestamp_ms.reset();
    switch (t = lexer_.Lex()) {
      case Token::kEOF: return BadData("data does not end with # EOF");
      case Token::kLinebreak: return {};
      case Token::kComment: return ParseExemplar(line);
      case Token::kTimestamp: {
        Result<int64_t> ts = Timestamp("invalid timestamp ");
        if (!ts.ok()) return ts.error();
        line->timestamp_ms = *ts;
        t = lexer_.Lex();
        if (t == Token::kLinebreak) return {};
        if (t == Token::kComment) return ParseExemplar(line);
        return Unexpected("expected next entry after timestamp", t);
      }
      default:
        // Prometheus lets any other token pass here; the next line then starts at it (and
        // fails: nothing valid starts there).
        return {};
    }
  }

  Status ParseExemplar(RawLine* line) {
    if (skip_exemplars_) return SkipExemplar();
    line->has_exemplar = true;
    if (Status s = ParseLabels(/*exemplar=*/true, line); !s.ok()) return s;
    Result<double> v = SampleValue(lexer_.Lex(), "exemplar labels");
    if (!v.ok()) return v.error();
    line->exemplar_value = *v;
    line->exemplar_timestamp_ms.reset();
    switch (const Token t = lexer_.Lex()) {
      case Token::kEOF: return BadData("data does not end with # EOF");
      case Token::kLinebreak: return {};
      case Token::kTimestamp: {
        Result<int64_t> ts = Timestamp("invalid exemplar timestamp ");
        if (!ts.ok()) return ts.error();
        line->exemplar_timestamp_ms = *ts;
        if (const Token t2 = lexer_.Lex(); t2 != Token::kLinebreak) {
          return Unexpected("expected next entry after exemplar timestamp", t2);
        }
        return {};
      }
      default: return Unexpected("expected timestamp or comment", t);
    }
  }

  // Tokens up to the end of the line. (Prometheus loops forever on an invalid one; that
  // ends reading ahead here.)
  Status SkipExemplar() {
    for (Token t = lexer_.Lex(); t != Token::kLinebreak; t = lexer_.Lex()) {
      if (t == Token::kEOF) return BadData("data does not end with # EOF");
      if (t == Token::kInvalid) return BadData("invalid exemplar");
    }
    return {};
  }

  // The inside of {...} (after its opening brace) of a series or an exemplar. A series may
  // carry its metric name there as a lone quoted string.
  Status ParseLabels(bool exemplar, RawLine* line) {
    std::vector<RawLabel>& pairs = exemplar ? line->exemplar_pairs : line->pairs;
    pairs.clear();
    Token t = lexer_.Lex();
    while (true) {
      if (t == Token::kBraceClose) return {};
      if (t != Token::kLName && t != Token::kQString) return Unexpected("expected label name", t);
      const bool quoted = t == Token::kQString;
      const std::string_view name = lex::Unquoted(cursor().Token());
      const size_t name_pos = cursor().start() + (quoted ? 1 : 0);
      t = lexer_.Lex();
      if (quoted && (t == Token::kComma || t == Token::kBraceClose)) {
        if (exemplar) return Unexpected("expected label name", t);
        if (has_name_) return BadData("metric name already set" + WhileParsing());
        SetName(line, name, name_pos);
        if (t == Token::kBraceClose) return {};
        t = lexer_.Lex();
        continue;
      }
      if (t != Token::kEqual) return Unexpected("expected equal", t);
      if (t = lexer_.Lex(); t != Token::kLValue) return Unexpected("expected label value", t);
      const std::string_view value = cursor().Token();
      if (!model::IsValidUtf8(value)) return BadData("invalid UTF-8 label value: " + model::GoQuote(value));
      pairs.push_back({name, value.substr(1, value.size() - 2)});
      t = lexer_.Lex();
      if (t == Token::kComma) {
        t = lexer_.Lex();
      } else if (t != Token::kBraceClose) {
        return Unexpected("expected comma or brace close", t);
      }
    }
  }

  // The current token as a value (" 1.5"), `t` being what the lexer returned.
  Result<double> SampleValue(Token t, std::string_view after) const {
    if (t != Token::kValue) return Unexpected("expected value after " + std::string(after), t);
    Result<double> v = lex::ParseSampleFloat(cursor().Token().substr(1));
    if (!v.ok()) return BadData(v.error().message() + WhileParsing());
    return v;
  }

  // The current token as a timestamp in seconds, returned in milliseconds (truncated).
  Result<int64_t> Timestamp(std::string_view invalid) const {
    Result<double> s = lex::ParseSampleFloat(cursor().Token().substr(1));
    if (!s.ok()) return BadData(s.error().message() + WhileParsing());
    if (*s != *s || *s - *s != 0) return BadData(std::string(invalid) + GoPercentF(*s));
    return model::GoFloatToInt64(*s * 1000);
  }

  OpenMetricsLexer lexer_;
  size_t line_start_ = 0;
  bool has_name_ = false;
  MetricType type_ = MetricType::kUnknown;
  size_t family_length_ = 0;
  bool skip_exemplars_ = false;
};

// What reading ahead from a series found: the first `_created` line before the family ends.
struct CreatedLine {
  size_t line_start = 0;  // where reading ahead stopped; valid for every series before it
  std::optional<std::string> key;
  double value = 0;
};

class OpenMetricsParser final : public Parser {
 public:
  OpenMetricsParser(std::string_view body, OpenMetricsOptions options) : reader_(body), options_(options) {}

  Result<bool> Next(Entry* entry) override {
    while (true) {
      Result<bool> more = reader_.Next(&line_);
      if (!more.ok() || !*more) return more;
      if (line_.kind != EntryKind::kSeries) {
        FillMetadata(entry);
        return true;
      }
      if (options_.created_as_start_timestamp && IsCreatedLine()) continue;
      if (Status s = FillSeries(entry); !s.ok()) return s.error();
      return true;
    }
  }

 private:
  bool IsCreatedLine() const { return TypeHasStartTimestamp(reader_.type()) && HasCreatedSuffix(line_.name); }

  void FillMetadata(Entry* entry) const {
    entry->kind = line_.kind;
    entry->family = line_.family;
    switch (line_.kind) {
      case EntryKind::kType: entry->type = line_.type; break;
      case EntryKind::kHelp: entry->text = lex::UnescapeLabelText(line_.text); break;
      default: entry->text = line_.text; break;
    }
  }

  Status FillSeries(Entry* entry) {
    entry->kind = EntryKind::kSeries;
    if (Status s = labels_.Build(line_.name, line_.pairs, reader_.type(), &entry->labels); !s.ok()) return s;
    entry->value = line_.value;
    entry->timestamp_ms = line_.timestamp_ms;
    entry->exemplar.reset();
    if (line_.has_exemplar) {
      Exemplar e{.value = line_.exemplar_value, .timestamp_ms = line_.exemplar_timestamp_ms};
      if (labels_.BuildExemplar(line_.exemplar_pairs, &e.labels)) entry->exemplar = std::move(e);
    }
    entry->histogram.reset();
    entry->histogram_exemplars.clear();
    entry->start_timestamp_ms.reset();
    if (options_.created_as_start_timestamp) entry->start_timestamp_ms = StartTimestamp();
    return {};
  }

  // Prometheus pairs a series with the first `_created` line after it, if that line is for
  // the same series: same family (the series name cut to the length of the last metadata
  // line's name) and same labels, "le" and "quantile" aside. Reading ahead stops at the
  // first line that is not a series; a `_created` line for another series means none.
  // Prometheus also remembers the last pairing it made and gives its start timestamp, if
  // positive, to the next series with the same key without reading ahead: a series repeated
  // after its `_created` line keeps it.
  std::optional<int64_t> StartTimestamp() {
    if (!TypeHasStartTimestamp(reader_.type())) {
      last_match_.reset();
      return std::nullopt;
    }
    const std::string_view family = reader_.body().substr(line_.name_pos, reader_.family_length());
    const std::string key = SeriesKey(line_.pairs, family);
    if (last_match_ && last_match_->key == key && last_match_->st > 0) return last_match_->st;
    if (!created_ || reader_.line_start() >= created_->line_start) created_ = FindCreatedLine();
    if (!created_->key || *created_->key != key) {
      last_match_.reset();
      return std::nullopt;
    }
    last_match_ = {key, model::GoFloatToInt64(created_->value * 1000.0)};
    return last_match_->st != 0 ? std::optional<int64_t>(last_match_->st) : std::nullopt;
  }

  CreatedLine FindCreatedLine() const {
    LineReader ahead = reader_.ReadAhead();
    RawLine line;
    while (true) {
      Result<bool> more = ahead.Next(&line);
      if (!more.ok() || !*more || line.kind != EntryKind::kSeries) return {.line_start = ahead.line_start()};
      if (!HasCreatedSuffix(line.name)) continue;
      return {.line_start = ahead.line_start(),
              .key = SeriesKey(line.pairs, line.name.substr(0, line.name.size() - kCreatedSuffix.size())),
              .value = line.value};
    }
  }

  // What Prometheus hashes to match a series with its `_created` line: label names and
  // values as written, run together, then the family name.
  std::string SeriesKey(const std::vector<RawLabel>& pairs, std::string_view family) const {
    const MetricType type = reader_.type();
    std::string key;
    for (const RawLabel& p : pairs) {
      if ((type == MetricType::kHistogram && p.name == "le") ||
          (type == MetricType::kSummary && p.name == "quantile")) {
        continue;
      }
      key.append(p.name).append(p.value);
    }
    return key.append(family);
  }

  LineReader reader_;
  OpenMetricsOptions options_;
  RawLine line_;
  SeriesLabelsBuilder labels_;
  std::optional<CreatedLine> created_;
  struct Match {
    std::string key;
    int64_t st;
  };
  std::optional<Match> last_match_;
};

}  // namespace

std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body, OpenMetricsOptions options) {
  return std::make_unique<OpenMetricsParser>(body, options);
}

}  // namespace promref::ingest
