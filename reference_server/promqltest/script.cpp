#include "promqltest/script.h"

#include <re2/re2.h>

#include <cmath>
#include <limits>
#include <map>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "model/time.h"
#include "model/utf8.h"
#include "promql/lexer.h"
#include "promql/parser.h"
#include "promqltest/histogram_util.h"

namespace promref::promqltest {
namespace {

// A series description that expands to more values than this is refused: no real script
// comes near it, and it keeps a typo like `x1000000000` from exhausting memory.
constexpr size_t kMaxSequenceValues = 10'000'000;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAlphaNumeric(char c) {
  return IsLetter(c) || IsDigit(c) || c == '_';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Quote(std::string_view s) {
  return model::GoQuote(s);
}

// --- Series descriptions -------------------------------------------------------------------
//
// A hand-written reader for the grammar of Prometheus' ParseSeriesDesc (the `series_description`
// rules of its yacc grammar and the lexer's value-sequence and histogram states):
//
//   series      := metric (SPACE item)* SPACE*
//   metric      := name [label_set] | label_set           name: [a-zA-Z_:][a-zA-Z0-9_:]*, no space before '{'
//                                                         (and Unicode letters, non-leading dots)
//   label_set   := '{' [item (',' item)* [',']] '}'       item: name '=' string | string '=' string | string
//   item        := '_' | '_x' uint                        one omitted value | uint omitted values
//                | value ['x' uint]                       value, repeated uint more times
//                | value signed 'x' uint                  value, value+signed, ... (uint+1 values)
//                | hist ['x' uint]
//                | hist ('+'|'-') hist 'x' uint           base, base±inc, ... (uint+1 values)
//   value       := [+-] number | 'stale'                  number: decimal (no hex), Inf, NaN
//   hist        := '{{' (key ':' val)* '}}'
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek(size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
  bool LookingAt(std::string_view t) const { return s_.substr(pos_, t.size()) == t; }
  void Advance(size_t n = 1) { pos_ += n; }
  size_t pos() const { return pos_; }
  std::string_view Rest() const { return s_.substr(std::min(pos_, s_.size())); }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  Error Fail(std::string message) const { return FailAt(pos_, std::move(message)); }
  // "1:<col>: parse error: ...", as Prometheus' parser reports (one line, columns from 1).
  Error FailAt(size_t pos, std::string message) const {
    return BadData("1:" + std::to_string(pos + 1) + ": parse error: " + std::move(message));
  }
  std::string Found() const {
    if (AtEnd()) return "end of input";
    return Quote(std::string(1, Peek()));
  }

  // A quoted string ('...', "..." or `...`) with Go's escapes.
  Result<std::string> String() {
    const char quote = Peek();
    const size_t start = pos_;
    Advance();
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\' && quote != '`') Advance();
      Advance();
    }
    if (AtEnd()) return Fail("unterminated quoted string");
    Advance();
    auto unquoted = promql::UnquoteString(s_.substr(start, pos_ - start));
    if (!unquoted.ok()) return Fail(unquoted.error().message());
    return *std::move(unquoted);
  }

  // [a-zA-Z_][a-zA-Z0-9_]* inside braces; with `colons`, metric names ([a-zA-Z_:][a-zA-Z0-9_:]*).
  std::string_view Identifier(bool colons) {
    const size_t start = pos_;
    while (!AtEnd() && (IsAlphaNumeric(Peek()) || (colons && Peek() == ':'))) Advance();
    return s_.substr(start, pos_ - start);
  }

  // Whether a name starts here: with `colons`, a metric name, which may also start with ':'.
  // Names follow Prometheus 3.16's test runner, which parses with unquoted UTF-8 names on.
  bool AtNameStart(bool colons) const {
    if (AtEnd()) return false;
    char32_t r;
    model::DecodeRune(s_.substr(pos_), &r);
    return promql::IsNameStart(r, true) || (colons && r == ':');
  }

  // A name at AtNameStart: Unicode letters, digits and '_', dots after the first character, and
  // with `colons` also ':' (`http.server.requests`, `温度`, `job:rate5m`).
  std::string_view Name(bool colons) {
    const size_t start = pos_;
    while (!AtEnd()) {
      char32_t r;
      const int width = model::DecodeRune(s_.substr(pos_), &r);
      const bool ok = pos_ == start ? promql::IsNameStart(r, true) : promql::IsNameContinue(r, true);
      if (!ok && !(colons && r == ':')) break;
      pos_ += static_cast<size_t>(width);
    }
    return s_.substr(start, pos_ - start);
  }

  // The text of a decimal number: digits, an optional fraction and exponent. Never consumes
  // 'x' (the repetition operator), so `0x5` is zero repeated, not hex, as in Prometheus.
  std::string_view NumberText() {
    const size_t start = pos_;
    while (IsDigit(Peek())) Advance();
    if (Peek() == '.') {
      Advance();
      while (IsDigit(Peek())) Advance();
    }
    const bool has_digit = pos_ > start && s_.substr(start, pos_ - start) != ".";
    if (has_digit && (Peek() == 'e' || Peek() == 'E')) {
      size_t k = 1;
      if (Peek(k) == '+' || Peek(k) == '-') ++k;
      if (IsDigit(Peek(k))) {
        Advance(k);
        while (IsDigit(Peek())) Advance();
      }
    }
    if (!has_digit) {
      pos_ = start;
      return {};
    }
    return s_.substr(start, pos_ - start);
  }

  // A non-negative number, `Inf` or `NaN` (no sign).
  Result<double> UnsignedNumber() {
    if (IsLetter(Peek())) {
      const size_t start = pos_;
      std::string_view word = Identifier(true);
      if (EqualsFold(word, "inf") || EqualsFold(word, "nan")) return model::ParseFloat(word).value;
      pos_ = start;
      return Fail("unexpected identifier " + Quote(word) + ", expected number");
    }
    std::string_view text = NumberText();
    if (text.empty()) return Fail("unexpected " + Found() + ", expected number");
    if (IsAlphaNumeric(Peek()) && Peek() != 'x') {
      return Fail("bad number syntax: " + Quote(std::string(text) + Peek()));
    }
    model::ParsedFloat f = model::ParseFloat(text);
    if (!f.ok()) return Fail("bad number syntax: " + Quote(text));
    return f.value;
  }

  Result<double> SignedNumber() {
    double sign = 1;
    if (Peek() == '+' || Peek() == '-') {
      sign = Peek() == '-' ? -1 : 1;
      Advance();
    }
    auto v = UnsignedNumber();
    if (!v.ok()) return v;
    return sign * *v;
  }

  // The repetition count after 'x'.
  Result<uint64_t> Count() {
    std::string_view text = NumberText();
    if (text.empty()) return Fail("unexpected " + Found() + " in series values, expected repetition count");
    uint64_t n = 0;
    for (char c : text) {
      if (!IsDigit(c) || n > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
        return Fail("invalid repetition in series values: " + Quote(text));
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
  }

  static bool EqualsFold(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
      if (x != b[i]) return false;
    }
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Result<model::Labels> ReadMetric(Reader& r) {
  model::LabelsBuilder b;
  std::string name;
  if (r.AtNameStart(true)) name = std::string(r.Name(true));
  if (r.Peek() == '{') {
    r.Advance();
    for (;;) {
      r.SkipSpaces();
      if (r.Peek() == '}') {
        r.Advance();
        break;
      }
      std::string label;
      if (r.AtNameStart(false)) {
        label = std::string(r.Name(false));
        r.SkipSpaces();
        if (r.Peek() != '=') return r.Fail("unexpected " + r.Found() + " in label set, expected \"=\"");
      } else if (r.Peek() == '"' || r.Peek() == '\'' || r.Peek() == '`') {
        auto s = r.String();
        if (!s.ok()) return s.error();
        label = *std::move(s);
        r.SkipSpaces();
        if (r.Peek() != '=') {
          // A bare quoted string is the metric name: {"my.metric", job="x"}.
          b.Set(model::kMetricNameLabel, label);
          label.clear();
        }
      } else {
        return r.Fail("unexpected " + r.Found() + " in label set, expected identifier or \"}\"");
      }
      if (!label.empty()) {
        r.Advance();  // '='
        r.SkipSpaces();
        if (r.Peek() != '"' && r.Peek() != '\'' && r.Peek() != '`') {
          return r.Fail("unexpected " + r.Found() + " in label set, expected string");
        }
        auto value = r.String();
        if (!value.ok()) return value.error();
        b.Set(label, *value);
      }
      r.SkipSpaces();
      if (r.Peek() == ',') {
        r.Advance();
      } else if (r.Peek() != '}') {
        return r.Fail("unexpected " + r.Found() + " in label set, expected \",\" or \"}\"");
      }
    }
  } else if (name.empty()) {
    return r.Fail("unexpected " + r.Found() + ", expected metric name or label set");
  }
  // A name in front wins over a __name__ inside the braces, as in Prometheus' grammar.
  if (!name.empty()) b.Set(model::kMetricNameLabel, name);
  return b.Build();
}

Status CheckLength(Reader& r, size_t current, uint64_t more) {
  if (more > kMaxSequenceValues || current + more > kMaxSequenceValues) {
    return r.Fail("series description expands to more than " + std::to_string(kMaxSequenceValues) +
                  " values");
  }
  return {};
}

Result<model::FloatHistogram> ReadHistogram(Reader& r, bool* hint_set) {
  if (!r.LookingAt("{{")) return r.Fail("expected \"{{\"");
  r.Advance(2);
  model::FloatHistogram h;
  std::map<std::string, bool> seen;
  std::vector<double> positive, negative;
  int64_t offset = 0, n_offset = 0;
  *hint_set = false;

  auto read_int = [&](int64_t* out) -> Status {
    bool neg = false;
    if (r.Peek() == '-') {
      neg = true;
      r.Advance();
    }
    auto n = r.Count();
    if (!n.ok()) return n.error();
    if (*n > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
      return r.Fail("integer out of range");
    *out = neg ? -static_cast<int64_t>(*n) : static_cast<int64_t>(*n);
    return {};
  };
  auto read_list = [&](std::vector<double>* out) -> Status {
    if (r.Peek() != '[')
      return r.Fail("unexpected " + r.Found() + " in histogram description, expected \"[\"");
    r.Advance();
    for (;;) {
      r.SkipSpaces();
      if (r.Peek() == ']') {
        r.Advance();
        break;
      }
      auto v = r.SignedNumber();
      if (!v.ok()) return v.error();
      out->push_back(*v);
      if (!IsSpace(r.Peek()) && r.Peek() != ']') {
        return r.Fail("unexpected " + r.Found() + " in bucket list, expected space or \"]\"");
      }
    }
    if (out->empty()) return r.Fail("empty bucket list");
    return {};
  };

  for (;;) {
    r.SkipSpaces();
    if (r.LookingAt("}}")) {
      r.Advance(2);
      break;
    }
    if (r.AtEnd()) return r.Fail("unterminated histogram, expected \"}}\"");
    std::string key(r.Identifier(false));
    if (key.empty()) return r.Fail("unexpected " + r.Found() + " in histogram description");
    if (r.Peek() != ':') return r.Fail("bad histogram descriptor found: " + Quote(key));
    r.Advance();
    if (seen[key]) return r.Fail("duplicate key " + Quote(key) + " in histogram");
    seen[key] = true;
    Status st;
    if (key == "schema") {
      int64_t v = 0;
      st = read_int(&v);
      h.schema = static_cast<int32_t>(v);
    } else if (key == "offset") {
      st = read_int(&offset);
    } else if (key == "n_offset") {
      st = read_int(&n_offset);
    } else if (key == "sum" || key == "count" || key == "z_bucket" || key == "z_bucket_w") {
      auto v = r.SignedNumber();
      if (!v.ok()) return v.error();
      (key == "sum"        ? h.sum
       : key == "count"    ? h.count
       : key == "z_bucket" ? h.zero_count
                           : h.zero_threshold) = *v;
    } else if (key == "buckets") {
      st = read_list(&positive);
    } else if (key == "n_buckets") {
      st = read_list(&negative);
    } else if (key == "custom_values") {
      st = read_list(&h.custom_values);
    } else if (key == "counter_reset_hint") {
      std::string_view v = r.Identifier(false);
      if (v == "unknown") {
        h.counter_reset_hint = model::CounterResetHint::kUnknown;
      } else if (v == "reset") {
        h.counter_reset_hint = model::CounterResetHint::kCounterReset;
      } else if (v == "not_reset") {
        h.counter_reset_hint = model::CounterResetHint::kNotCounterReset;
      } else if (v == "gauge") {
        h.counter_reset_hint = model::CounterResetHint::kGauge;
      } else {
        return r.Fail("error parsing counter_reset_hint: unknown value " + Quote(v));
      }
      *hint_set = true;
    } else {
      return r.Fail("bad histogram descriptor found: " + Quote(key));
    }
    if (!st.ok()) return st.error();
    if (!IsSpace(r.Peek()) && !r.LookingAt("}}")) {
      return r.Fail("unexpected " + r.Found() + " in histogram description, expected space or \"}}\"");
    }
  }
  if (!positive.empty()) {
    h.positive_spans.push_back({static_cast<int32_t>(offset), static_cast<uint32_t>(positive.size())});
    h.positive_buckets = std::move(positive);
  }
  if (!negative.empty()) {
    h.negative_spans.push_back({static_cast<int32_t>(n_offset), static_cast<uint32_t>(negative.size())});
    h.negative_buckets = std::move(negative);
  }
  return h;
}

// One whitespace-separated item of the value sequence, appended to `out`.
Status ReadItem(Reader& r, std::vector<SequenceValue>* out) {
  if (r.Peek() == '_') {
    r.Advance();
    uint64_t n = 1;
    if (r.Peek() == 'x') {
      r.Advance();
      auto c = r.Count();
      if (!c.ok()) return c.error();
      n = *c;
    }
    if (Status st = CheckLength(r, out->size(), n); !st.ok()) return st;
    out->insert(out->end(), n, SequenceValue{.omitted = true});
    return {};
  }

  if (r.LookingAt("{{")) {
    bool hint_set = false;
    auto base = ReadHistogram(r, &hint_set);
    if (!base.ok()) return base.error();
    auto h = std::make_shared<const model::FloatHistogram>(*std::move(base));
    if (r.Peek() == 'x') {
      r.Advance();
      auto n = r.Count();
      if (!n.ok()) return n.error();
      if (Status st = CheckLength(r, out->size(), *n + 1); !st.ok()) return st;
      out->insert(out->end(), *n + 1, SequenceValue{.histogram = h, .counter_reset_hint_set = hint_set});
      return {};
    }
    if ((r.Peek() == '+' || r.Peek() == '-') && r.Rest().substr(1, 2) == "{{") {
      const bool add = r.Peek() == '+';
      r.Advance();
      bool inc_hint_set = false;
      auto inc = ReadHistogram(r, &inc_hint_set);
      if (!inc.ok()) return inc.error();
      if (r.Peek() != 'x') return r.Fail("unexpected " + r.Found() + " in series values, expected \"x\"");
      r.Advance();
      auto n = r.Count();
      if (!n.ok()) return n.error();
      if (Status st = CheckLength(r, out->size(), *n + 1); !st.ok()) return st;
      // base, base±inc, base±2inc, ...: each step combines the previous result with inc.
      out->push_back(SequenceValue{.histogram = h});
      model::FloatHistogram cur = *h;
      for (uint64_t i = 1; i <= *n; ++i) {
        if (cur.schema > inc->schema && !cur.UsesCustomBuckets()) {
          return r.Fail("error combining histograms: cannot merge from schema " +
                        std::to_string(inc->schema) + " to " + std::to_string(cur.schema));
        }
        Status st = add ? AddHistogram(&cur, *inc) : SubHistogram(&cur, *inc);
        if (!st.ok()) return r.Fail("error combining histograms: " + st.error().message());
        out->push_back(SequenceValue{.histogram = std::make_shared<const model::FloatHistogram>(cur)});
      }
      return {};
    }
    out->push_back(SequenceValue{.histogram = h, .counter_reset_hint_set = hint_set});
    return {};
  }

  // A float: `stale`, or a signed number (Inf and NaN spelled in any case).
  double value = 0;
  if (IsLetter(r.Peek())) {
    const size_t start = r.pos();
    std::string_view word = r.Identifier(true);
    if (word == "stale") {
      value = model::StaleNaN();
    } else if (Reader::EqualsFold(word, "inf") || Reader::EqualsFold(word, "nan")) {
      value = model::ParseFloat(word).value;
    } else {
      return r.FailAt(
          start, "unexpected identifier " + Quote(word) + " in series values, expected number or \"stale\"");
    }
  } else {
    auto v = r.SignedNumber();
    if (!v.ok()) return v.error();
    value = *v;
  }
  if (r.Peek() == 'x') {
    r.Advance();
    auto n = r.Count();
    if (!n.ok()) return n.error();
    if (Status st = CheckLength(r, out->size(), *n + 1); !st.ok()) return st;
    out->insert(out->end(), *n + 1, SequenceValue{.value = value});
    return {};
  }
  if (r.Peek() == '+' || r.Peek() == '-') {
    auto delta = r.SignedNumber();
    if (!delta.ok()) return delta.error();
    if (r.Peek() != 'x') return r.Fail("unexpected " + r.Found() + " in series values, expected \"x\"");
    r.Advance();
    auto n = r.Count();
    if (!n.ok()) return n.error();
    if (Status st = CheckLength(r, out->size(), *n + 1); !st.ok()) return st;
    // Accumulated step by step (not value + i*delta) so rounding matches Prometheus.
    for (uint64_t i = 0; i <= *n; ++i) {
      out->push_back(SequenceValue{.value = value});
      value += *delta;
    }
    return {};
  }
  out->push_back(SequenceValue{.value = value});
  return {};
}

// --- @st sequences ---------------------------------------------------------------------------

// A duration with an optional sign at the start of `s`: digits, then unit letters (never 'x',
// the repetition operator). Milliseconds; `rest` is what follows.
Result<int64_t> DurationPrefix(std::string_view s, std::string_view* rest) {
  if (s.empty()) return BadData("empty duration");
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    ++i;
  }
  const size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == start) return BadData("expected digits in duration " + Quote(s));
  while (i < s.size() && IsLetter(s[i]) && s[i] != 'x') ++i;
  auto d = model::ParseDuration(s.substr(start, i - start));
  if (!d.ok())
    return BadData("invalid duration " + Quote(s.substr(start, i - start)) + ": " + d.error().message());
  *rest = s.substr(i);
  return negative ? -*d : *d;
}

Result<uint64_t> RepeatCount(std::string_view s) {
  if (s.empty()) return BadData("invalid repeat count");
  uint64_t n = 0;
  for (char c : s) {
    if (!IsDigit(c) || n > 1'000'000'000) return BadData("invalid repeat count");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

Result<std::vector<SequenceValue>> StartTimestampItem(std::string_view item, double previous) {
  std::vector<SequenceValue> out;
  if (item == "_") return std::vector<SequenceValue>{SequenceValue{.omitted = true}};
  if (StartsWith(item, "_x")) {
    auto n = RepeatCount(item.substr(2));
    if (!n.ok() || *n == 0) return BadData("invalid repeat count");
    return std::vector<SequenceValue>(*n, SequenceValue{.omitted = true});
  }
  // `*` repeats the previous value that was given.
  if (item == "*") return std::vector<SequenceValue>{SequenceValue{.value = previous}};
  if (StartsWith(item, "*x")) {
    auto n = RepeatCount(item.substr(2));
    if (!n.ok()) return n.error();
    return std::vector<SequenceValue>(*n + 1, SequenceValue{.value = previous});
  }
  std::string_view rest;
  auto base = DurationPrefix(item, &rest);
  if (!base.ok()) return base.error();
  if (rest.empty()) return std::vector<SequenceValue>{SequenceValue{.value = static_cast<double>(*base)}};
  if (rest[0] == 'x') {
    auto n = RepeatCount(rest.substr(1));
    if (!n.ok()) return n.error();
    return std::vector<SequenceValue>(*n + 1, SequenceValue{.value = static_cast<double>(*base)});
  }
  if (rest[0] != '+' && rest[0] != '-') {
    return BadData("unexpected character " + Quote(rest.substr(0, 1)) + " after duration");
  }
  const bool negative = rest[0] == '-';
  std::string_view rest2;
  auto delta = DurationPrefix(rest.substr(1), &rest2);
  if (!delta.ok()) return BadData("invalid step duration: " + delta.error().message());
  if (rest2.empty() || rest2[0] != 'x') return BadData("expected 'x<count>' after step duration");
  auto n = RepeatCount(rest2.substr(1));
  if (!n.ok()) return n.error();
  int64_t offset = *base;
  for (uint64_t i = 0; i <= *n; ++i) {
    out.push_back(SequenceValue{.value = static_cast<double>(offset)});
    offset += negative ? -*delta : *delta;
  }
  return out;
}

// --- Scripts ---------------------------------------------------------------------------------

struct Line {
  int number;             // 1-based
  std::string_view text;  // trimmed; "" for blank and comment lines
};

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  int number = 1;
  for (size_t start = 0;; ++number) {
    size_t end = text.find('\n', start);
    std::string_view l = TrimSpace(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (!l.empty() && l.front() == '#') l = {};
    lines.push_back({number, l});
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The first [\t ]-separated word.
std::string_view FirstWord(std::string_view l) {
  size_t end = l.find_first_of(" \t");
  return l.substr(0, end);
}

class ScriptReader {
 public:
  explicit ScriptReader(std::string_view text) : lines_(SplitLines(text)) {}

  std::optional<ScriptError> Read(Script* script) {
    for (i_ = 0; i_ < lines_.size(); ++i_) {
      std::string_view l = lines_[i_].text;
      if (l.empty()) continue;
      const std::string word = ToLower(FirstWord(l));
      std::optional<ScriptError> err;
      if (word == "clear") {
        script->commands.emplace_back(ClearCommand{lines_[i_].number});
      } else if (StartsWith(word, "load")) {
        LoadCommand load;
        err = ReadLoad(&load);
        if (!err) script->commands.emplace_back(std::move(load));
      } else if (StartsWith(word, "eval")) {
        EvalCommand eval;
        err = ReadEval(&eval);
        if (!err) script->commands.emplace_back(std::move(eval));
      } else {
        err = ScriptError{lines_[i_].number, "invalid command " + Quote(l)};
      }
      if (err) return err;
    }
    return std::nullopt;
  }

 private:
  ScriptError ErrorAt(size_t i, std::string message) const {
    return ScriptError{lines_[i].number, std::move(message)};
  }

  // The block after a command: the following lines up to the next blank one.
  bool NextInBlock() {
    if (i_ + 1 >= lines_.size() || lines_[i_ + 1].text.empty()) return false;
    ++i_;
    return true;
  }

  std::optional<ScriptError> ReadLoad(LoadCommand* cmd) {
    static const re2::RE2 kLoad(R"(^load(_with_nhcb)?\s+(.+?)$)");
    std::string nhcb, interval;
    const std::string line(lines_[i_].text);
    cmd->line = lines_[i_].number;
    if (!re2::RE2::FullMatch(line, kLoad, &nhcb, &interval)) {
      return ErrorAt(i_, "invalid load command. (load[_with_nhcb] <step:duration>)");
    }
    cmd->with_nhcb = !nhcb.empty();
    auto gap = model::ParseDuration(interval);
    if (!gap.ok())
      return ErrorAt(i_, "invalid step definition " + Quote(interval) + ": " + gap.error().message());
    cmd->interval_ms = *gap;

    // A `metric@st ...` line applies to the series line right below it.
    std::optional<LoadSeries> pending_st;
    while (NextInBlock()) {
      std::string_view l = lines_[i_].text;
      std::string_view first = FirstWord(l);
      if (first.size() >= 3 && first.substr(first.size() - 3) == "@st") {
        if (pending_st) return ScriptError{pending_st->line, "@st line has no following sample line"};
        if (first.size() == l.size()) return ErrorAt(i_, "invalid @st line: missing value sequence");
        auto values = ParseStartTimestampSequence(TrimSpace(l.substr(first.size())));
        if (!values.ok()) return ErrorAt(i_, "invalid @st sequence: " + values.error().message());
        std::string_view metric = first.substr(0, first.size() - 3);
        if (metric.empty()) {
          cmd->default_start_timestamps = *std::move(values);
          continue;
        }
        auto desc = ParseSeriesDescription(std::string(metric) + " _");
        if (!desc.ok()) {
          return ErrorAt(i_, "invalid @st line metric " + Quote(metric) + ": " + desc.error().message());
        }
        pending_st = LoadSeries{lines_[i_].number, desc->labels, {}, *std::move(values)};
        continue;
      }
      auto desc = ParseSeriesDescription(l);
      if (!desc.ok()) return ErrorAt(i_, desc.error().message());
      LoadSeries series{lines_[i_].number, std::move(desc->labels), std::move(desc->values), {}};
      if (pending_st) {
        if (pending_st->labels != series.labels) {
          return ScriptError{pending_st->line, "@st metric does not match the following sample line metric"};
        }
        if (pending_st->start_timestamps.size() != series.values.size()) {
          return ScriptError{pending_st->line,
                             "@st line has " + std::to_string(pending_st->start_timestamps.size()) +
                                 " values but sample line has " + std::to_string(series.values.size())};
        }
        series.start_timestamps = std::move(pending_st->start_timestamps);
        pending_st.reset();
      }
      cmd->series.push_back(std::move(series));
    }
    if (pending_st) return ScriptError{pending_st->line, "@st line has no following sample line"};
    return std::nullopt;
  }

  // from, to and step of `eval range` and `expect range vector`.
  std::optional<std::string> ReadRange(const std::string& from, const std::string& to,
                                       const std::string& step, EvalCommand* cmd) {
    auto f = model::ParseDuration(from);
    if (!f.ok()) return "invalid start timestamp definition " + Quote(from) + ": " + f.error().message();
    auto t = model::ParseDuration(to);
    if (!t.ok()) return "invalid end timestamp definition " + Quote(to) + ": " + t.error().message();
    if (*t < *f) {
      return "invalid test definition, end timestamp (" + to + ") is before start timestamp (" + from + ")";
    }
    auto s = model::ParseDuration(step);
    if (!s.ok()) return "invalid step definition " + Quote(step) + ": " + s.error().message();
    cmd->start = *f;
    cmd->end = *t;
    cmd->step = *s;
    return std::nullopt;
  }

  std::optional<ScriptError> ReadEval(EvalCommand* cmd) {
    // The grammar of the command line, as regular expressions (RE2 picks the same submatches
    // as Go's regexp, including which " to " splits `from` from `to`).
    static const re2::RE2 kInstant(
        R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
    static const re2::RE2 kRange(
        R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
    const std::string line(lines_[i_].text);
    cmd->line = lines_[i_].number;
    std::string mod, at, from, to, step;
    if (re2::RE2::FullMatch(line, kInstant, &mod, &at, &cmd->expr)) {
      cmd->is_range = false;
    } else if (re2::RE2::FullMatch(line, kRange, &mod, &from, &to, &step, &cmd->expr)) {
      cmd->is_range = true;
    } else {
      return ErrorAt(
          i_,
          "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered|_info] instant [at "
          "<offset:duration>] <query>' or 'eval[_fail|_warn|_info] range from <from> to <to> step <step> "
          "<query>'");
    }
    auto fail = [&](const std::string& message) {
      return ErrorAt(i_,
                     "error in eval " + cmd->expr + " (line " + std::to_string(cmd->line) + "): " + message);
    };
    if (!cmd->is_range) {
      auto t = model::ParseDuration(at);
      if (!t.ok()) return fail("invalid timestamp definition " + Quote(at) + ": " + t.error().message());
      cmd->eval_time = cmd->start = cmd->end = *t;
    } else if (auto err = ReadRange(from, to, step, cmd)) {
      return fail(*err);
    }
    cmd->fail = mod == "fail";
    cmd->warn = mod == "warn";
    cmd->info = mod == "info";
    cmd->ordered = mod == "ordered";

    int position = 0;
    while (NextInBlock()) {
      std::string_view l = lines_[i_].text;
      // The older form: eval_fail, then the error it must produce (ends the block).
      if (cmd->fail && StartsWith(l, "expected_fail_message")) {
        cmd->expected_fail = MessageMatcher::Exact(std::string(TrimSpace(l.substr(21))));
        break;
      }
      if (cmd->fail && StartsWith(l, "expected_fail_regexp")) {
        std::string pattern(TrimSpace(l.substr(20)));
        auto m = MessageMatcher::Regex(pattern);
        if (!m.ok())
          return fail("invalid regexp '" + pattern + "' for expected_fail_regexp: " + m.error().message());
        cmd->expected_fail = *std::move(m);
        break;
      }
      if (StartsWith(l, "expect range vector")) {
        static const re2::RE2 kRangeVector(
            R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
        const std::string s(l);
        std::string f, t, st;
        if (!re2::RE2::FullMatch(s, kRangeVector, &f, &t, &st)) {
          return fail("invalid range vector definition " + Quote(l));
        }
        if (auto err = ReadRange(f, t, st, cmd)) return fail(*err);
        cmd->expect_range_vector = true;
        cmd->eval_time = cmd->end;
        cmd->exclude_from_range_query = true;
        continue;
      }
      if (StartsWith(l, "expect string")) {
        std::string_view rest = l.substr(13);
        if (rest.empty() || rest.front() != ' ' || rest.size() == 1) {
          return fail("expected string literal not valid - a quoted string literal is required");
        }
        auto s = promql::UnquoteString(rest.substr(1));
        if (!s.ok())
          return fail("expected string literal not valid - check that the string is correctly quoted");
        cmd->expected_string = *std::move(s);
        cmd->exclude_from_range_query = true;
        continue;
      }
      if (l.substr(0, l.find(' ')) == "expect") {
        if (auto err = ReadExpect(l, cmd)) return fail(*err);
        continue;
      }
      if (auto f = ParseScalar(l)) {
        // A scalar ends the block, as in Prometheus.
        cmd->expect_scalar = true;
        cmd->scalar = SequenceValue{.value = *f};
        break;
      }
      auto desc = ParseSeriesDescription(l);
      if (!desc.ok()) return ErrorAt(i_, desc.error().message());
      if (desc->values.size() > 1 && !cmd->is_range && !cmd->expect_range_vector) {
        return fail(
            "expecting multiple values in instant evaluation not allowed. consider using 'expect range "
            "vector' "
            "directive to enable a range vector result for an instant query");
      }
      cmd->expect_scalar = false;
      cmd->series.push_back(
          ExpectedSeries{lines_[i_].number, ++position, std::move(desc->labels), std::move(desc->values)});
    }
    return std::nullopt;
  }

  std::optional<std::string> ReadExpect(std::string_view l, EvalCommand* cmd) {
    static const re2::RE2 kExpect(
        R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
    std::string kind, how, text;
    if (!re2::RE2::FullMatch(std::string(l), kExpect, &kind, &how, &text)) {
      return "invalid expect statement, must match `expect <type> <match_type>: <string>` format";
    }
    MessageMatcher m = MessageMatcher::Any();
    if (how == "msg") {
      m = MessageMatcher::Exact(std::string(TrimSpace(text)));
    } else if (how == "regex") {
      std::string pattern(TrimSpace(text));
      auto re = MessageMatcher::Regex(pattern);
      if (!re.ok()) return "invalid regex " + pattern + " for " + kind;
      m = *std::move(re);
    }
    if (kind == "ordered") {
      cmd->expect_ordered = true;
    } else if (kind == "fail") {
      cmd->expect_fail.push_back(std::move(m));
    } else if (kind == "warn") {
      cmd->expect_warn.push_back(std::move(m));
    } else if (kind == "no_warn") {
      cmd->expect_no_warn = true;
    } else if (kind == "info") {
      cmd->expect_info.push_back(std::move(m));
    } else if (kind == "no_info") {
      cmd->expect_no_info = true;
    }
    if (!cmd->expect_info.empty() && cmd->expect_no_info) {
      return "invalid expect lines, info and no_info cannot be used together";
    }
    if (!cmd->expect_warn.empty() && cmd->expect_no_warn) {
      return "invalid expect lines, warn and no_warn cannot be used together";
    }
    if (cmd->expect_fail.size() > 1)
      return "invalid expect lines, multiple expect fail lines are not allowed";
    return std::nullopt;
  }

  std::vector<Line> lines_;
  size_t i_ = 0;
};

}  // namespace

bool LoadCommand::HasStartTimestamps() const {
  if (!default_start_timestamps.empty()) return true;
  for (const LoadSeries& s : series) {
    if (!s.start_timestamps.empty()) return true;
  }
  return false;
}

Result<MessageMatcher> MessageMatcher::Regex(std::string pattern) {
  auto re = std::make_shared<const re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) return BadData("error parsing regexp: " + re->error());
  MessageMatcher m(Kind::kRegex, std::move(pattern));
  m.re_ = std::move(re);
  return m;
}

bool MessageMatcher::Matches(std::string_view s) const {
  switch (kind_) {
    case Kind::kAny: return true;
    case Kind::kExact: return s == text_;
    case Kind::kRegex: return re2::RE2::PartialMatch(s, *re_);
  }
  return false;
}

bool EvalCommand::ExpectsHistograms() const {
  if (scalar.IsHistogram()) return true;
  for (const ExpectedSeries& s : series) {
    for (const SequenceValue& v : s.values) {
      if (v.IsHistogram()) return true;
    }
  }
  return false;
}

size_t Script::NumEvals() const {
  size_t n = 0;
  for (const Command& c : commands) n += std::holds_alternative<EvalCommand>(c) ? 1 : 0;
  return n;
}

std::string ScriptError::ToString(std::string_view script_name) const {
  return std::string(script_name) + ":" + std::to_string(line) + ": " + message;
}

ParsedScript ParseScript(std::string_view text, std::string name) {
  ParsedScript out;
  out.script.name = std::move(name);
  out.error = ScriptReader(text).Read(&out.script);
  return out;
}

Result<SeriesDescription> ParseSeriesDescription(std::string_view line) {
  Reader r(line);
  SeriesDescription desc;
  auto labels = ReadMetric(r);
  if (!labels.ok()) return labels.error();
  desc.labels = *std::move(labels);
  if (!r.AtEnd() && !IsSpace(r.Peek())) {
    return r.Fail("unexpected " + r.Found() + " after the metric, expected space");
  }
  for (;;) {
    r.SkipSpaces();
    if (r.AtEnd()) break;
    if (Status st = ReadItem(r, &desc.values); !st.ok()) return st.error();
    if (!r.AtEnd() && !IsSpace(r.Peek())) {
      return r.Fail("unexpected " + r.Found() + " in series values, expected space");
    }
  }
  return desc;
}

Result<model::FloatHistogram> ParseHistogramLiteral(std::string_view text, bool* counter_reset_hint_set) {
  Reader r(text);
  bool hint_set = false;
  auto h = ReadHistogram(r, &hint_set);
  if (!h.ok()) return h;
  if (!r.AtEnd()) return r.Fail("unexpected " + r.Found() + " after the histogram");
  if (counter_reset_hint_set != nullptr) *counter_reset_hint_set = hint_set;
  return h;
}

Result<std::vector<SequenceValue>> ParseStartTimestampSequence(std::string_view text) {
  std::vector<SequenceValue> out;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    if (pos >= text.size()) break;
    size_t end = pos;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    std::string_view item = text.substr(pos, end - pos);
    pos = end;
    double previous = 0;
    for (auto it = out.rbegin(); it != out.rend(); ++it) {
      if (!it->omitted) {
        previous = it->value;
        break;
      }
    }
    auto values = StartTimestampItem(item, previous);
    if (!values.ok()) return BadData("invalid ST item " + Quote(item) + ": " + values.error().message());
    out.insert(out.end(), values->begin(), values->end());
  }
  return out;
}

std::optional<double> ParseScalar(std::string_view s) {
  model::ParsedInt i = model::ParseIntBase0(s);
  if (i.ok()) return static_cast<double>(i.value);
  model::ParsedFloat f = model::ParseFloat(s);
  if (f.ok()) return f.value;
  return std::nullopt;
}

}  // namespace promref::promqltest
