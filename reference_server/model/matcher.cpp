#include "model/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <optional>

#include "model/go_strconv.h"
#include "model/labels.h"

namespace promref::model {
namespace {

bool IsMeta(char c) {
  switch (c) {
    case '\\':
    case '.':
    case '+':
    case '*':
    case '?':
    case '(':
    case ')':
    case '|':
    case '[':
    case ']':
    case '{':
    case '}':
    case '^':
    case '$': return true;
    default: return false;
  }
}

bool IsAsciiPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// Reads `s` as a plain literal: ordinary characters and backslash-escaped ASCII punctuation
// (which RE2 and Go both read as that punctuation). Anything else (a metacharacter, a
// class escape like \d, a flag group) makes it not a literal.
std::optional<std::string> AsLiteral(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      if (i + 1 < s.size() && IsAsciiPunct(s[i + 1])) {
        out.push_back(s[++i]);
        continue;
      }
      return std::nullopt;
    }
    if (IsMeta(c)) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

// Removes one pair of parentheses around the whole pattern: "(...)" or "(?:...)", when the
// opening parenthesis is matched by the last character.
std::string_view StripOuterGroup(std::string_view p) {
  size_t open = 0;
  if (p.size() >= 2 && p.front() == '(' && p.back() == ')') {
    open = p.substr(0, 3) == "(?:" ? 3 : (p.size() > 1 && p[1] == '?' ? 0 : 1);
  }
  if (open == 0) return p;
  int depth = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (p[i] == '[') return p;  // character classes may hold parentheses; keep it simple
    if (p[i] == '(') ++depth;
    if (p[i] == ')' && --depth == 0 && i != p.size() - 1) return p;
  }
  return p.substr(open, p.size() - open - 1);
}

// Splits on top-level '|' if the pattern has no groups or classes; nullopt otherwise.
std::optional<std::vector<std::string_view>> SplitAlternation(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '(' || c == '[') return std::nullopt;
    if (c == '|') {
      parts.push_back(p.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(p.substr(start));
  return parts;
}

std::string GoRegexError(const re2::RE2& re, std::string_view pattern) {
  std::string code;
  std::string arg = re.error_arg();
  switch (re.error_code()) {
    case re2::RE2::ErrorBadEscape: code = "invalid escape sequence"; break;
    case re2::RE2::ErrorBadCharClass: code = "invalid character class"; break;
    case re2::RE2::ErrorBadCharRange: code = "invalid character class range"; break;
    case re2::RE2::ErrorMissingBracket: code = "missing closing ]"; break;
    case re2::RE2::ErrorMissingParen:
      code = "missing closing )";
      arg = std::string(pattern);
      break;
    case re2::RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      arg = std::string(pattern);
      break;
    case re2::RE2::ErrorTrailingBackslash:
      code = "trailing backslash at end of expression";
      arg.clear();
      break;
    case re2::RE2::ErrorRepeatArgument: code = "missing argument to repetition operator"; break;
    case re2::RE2::ErrorRepeatSize: code = "invalid repeat count"; break;
    case re2::RE2::ErrorRepeatOp: code = "invalid nested repetition operator"; break;
    case re2::RE2::ErrorBadPerlOp: code = "invalid or unsupported Perl syntax"; break;
    case re2::RE2::ErrorBadUTF8: code = "invalid UTF-8"; break;
    case re2::RE2::ErrorBadNamedCapture: code = "invalid named capture"; break;
    case re2::RE2::ErrorPatternTooLarge: code = "expression too large"; break;
    default: code = "unexpected error"; break;
  }
  return "error parsing regexp: " + code + ": `" + arg + "`";
}

// Where Go's regexp/syntax (Perl flags, as Prometheus parses) and RE2's Perl mode disagree on
// what is valid: RE2 takes `\C` (any byte), Go does not ("invalid escape sequence: `\C`"); Go
// (1.22+) takes `(?<name>re)`, which RE2 only knows as `(?P<name>re)`. Every other escape,
// flag and group syntax is accepted or rejected alike (checked against Prometheus 3.16:
// `\z \A \Q..\E \pL \p{^Greek} [[:^alpha:]] (?U)` both take; `\Z \G \e \cA \K \R \h \1
// (?=) (?!) (?<=) (?#)` both refuse). Returns the pattern in RE2's syntax, or Go's error for
// `\C` (outside a character class; inside one RE2 refuses it with Go's words).
struct Re2Syntax {
  std::string pattern;
  std::optional<std::string> go_error;
};

Re2Syntax ToRe2Syntax(std::string_view p) {
  Re2Syntax out;
  out.pattern.reserve(p.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char n = p[i + 1];
      if (!in_class && n == 'Q') {  // \Q...\E is literal text
        const size_t end = p.find("\\E", i + 2);
        const size_t stop = end == std::string_view::npos ? p.size() : end + 2;
        out.pattern.append(p.substr(i, stop - i));
        i = stop - 1;
        continue;
      }
      if (!in_class && n == 'C') {
        out.go_error = "error parsing regexp: invalid escape sequence: `\\C`";
        return out;
      }
      out.pattern += c;
      out.pattern += n;
      ++i;
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {  // [:alpha:] inside a class
        const size_t end = p.find(":]", i + 2);
        if (end != std::string_view::npos) {
          out.pattern.append(p.substr(i, end + 2 - i));
          i = end + 1;
          continue;
        }
      }
      if (c == ']') in_class = false;
      out.pattern += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.pattern += c;
      // A ']' first in the class (after an optional '^') is literal.
      if (i + 1 < p.size() && p[i + 1] == '^') out.pattern += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out.pattern += p[++i];
      continue;
    }
    if (c == '(' && p.substr(i, 3) == "(?<") {
      out.pattern += "(?P<";
      i += 2;
      continue;
    }
    out.pattern += c;
  }
  return out;
}

// The error of a pattern RE2 refused, in Go's words for the pattern as written.
std::string GoRegexErrorOf(const re2::RE2& re, std::string_view written) {
  std::string msg = GoRegexError(re, written);
  if (re.error_code() == re2::RE2::ErrorBadNamedCapture) {
    // A `(?<name>` we rewrote: name it as written.
    const std::string arg = re.error_arg();
    if (arg.rfind("(?P<", 0) == 0 && written.find(arg) == std::string_view::npos) {
      msg = "error parsing regexp: invalid named capture: `(?<" + arg.substr(4) + "`";
    }
  }
  return msg;
}

std::shared_ptr<const re2::RE2> Compile(std::string_view pattern) {
  re2::RE2::Options opts;
  opts.set_dot_nl(true);  // Prometheus 3.x compiles ^(?s:...)$
  opts.set_log_errors(false);
  opts.set_never_capture(true);
  opts.set_max_mem(64 << 20);
  return std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
}

}  // namespace

std::string_view MatchTypeString(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

Status ValidateRegex(std::string_view pattern) {
  Re2Syntax syntax = ToRe2Syntax(pattern);
  if (syntax.go_error) return BadData(*syntax.go_error);
  auto re = Compile(syntax.pattern);
  if (!re->ok()) return BadData(GoRegexErrorOf(*re, pattern));
  return {};
}

std::string Re2Pattern(std::string_view pattern) {
  return ToRe2Syntax(pattern).pattern;
}

Result<Matcher> Matcher::Make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == MatchType::kEqual || type == MatchType::kNotEqual) {
    m.strategy_ = Strategy::kLiteral;
    m.literal_ = m.value_;
    m.set_ = {m.value_};
    m.has_set_ = true;
    m.prefix_ = m.value_;
    return m;
  }

  // Validate exactly as the full regex would be compiled, even when a fast path answers.
  Re2Syntax syntax = ToRe2Syntax(m.value_);
  if (syntax.go_error) return BadData(*syntax.go_error);
  auto re = Compile(syntax.pattern);
  if (!re->ok()) return BadData(GoRegexErrorOf(*re, m.value_));

  const std::string_view body = StripOuterGroup(m.value_);
  if (body == ".*") {
    m.strategy_ = Strategy::kAny;
    return m;
  }
  if (body == ".+") {
    m.strategy_ = Strategy::kNonEmpty;
    return m;
  }
  if (auto parts = SplitAlternation(body)) {
    std::vector<std::string> literals;
    for (std::string_view part : *parts) {
      auto lit = AsLiteral(part);
      if (!lit) {
        literals.clear();
        break;
      }
      literals.push_back(std::move(*lit));
    }
    if (!literals.empty()) {
      std::sort(literals.begin(), literals.end());
      literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
      if (literals.size() == 1) {
        m.strategy_ = Strategy::kLiteral;
        m.literal_ = literals[0];
        m.prefix_ = literals[0];
      } else {
        m.strategy_ = Strategy::kSet;
        // The common prefix of all alternatives still narrows an index scan.
        std::string_view common = literals.front();
        for (const auto& l : literals) {
          size_t n = 0;
          while (n < common.size() && n < l.size() && common[n] == l[n]) ++n;
          common = common.substr(0, n);
        }
        m.prefix_ = std::string(common);
      }
      m.set_ = std::move(literals);
      m.has_set_ = true;
      return m;
    }
  }
  // `lit.*`, `.*lit`, `.*lit.*`.
  const bool starts_any = body.substr(0, 2) == ".*";
  const bool ends_any = body.size() >= 2 && body.substr(body.size() - 2) == ".*" &&
                        (body.size() < 3 || body[body.size() - 3] != '\\');
  if (starts_any || ends_any) {
    std::string_view inner = body;
    if (starts_any) inner.remove_prefix(2);
    if (ends_any && inner.size() >= 2) inner.remove_suffix(2);
    if (auto lit = AsLiteral(inner); lit && !lit->empty()) {
      m.literal_ = std::move(*lit);
      if (starts_any && ends_any) {
        m.strategy_ = Strategy::kContains;
      } else if (starts_any) {
        m.strategy_ = Strategy::kSuffix;
      } else {
        m.strategy_ = Strategy::kPrefix;
        m.prefix_ = m.literal_;
      }
      return m;
    }
  }
  m.strategy_ = Strategy::kRe2;
  m.re_ = std::move(re);
  return m;
}

bool Matcher::MatchesPositive(std::string_view v) const {
  switch (strategy_) {
    case Strategy::kLiteral: return v == literal_;
    case Strategy::kSet: return std::binary_search(set_.begin(), set_.end(), v);
    case Strategy::kAny: return true;
    case Strategy::kNonEmpty: return !v.empty();
    case Strategy::kPrefix: return v.substr(0, literal_.size()) == literal_;
    case Strategy::kSuffix:
      return v.size() >= literal_.size() && v.substr(v.size() - literal_.size()) == literal_;
    case Strategy::kContains: return v.find(literal_) != std::string_view::npos;
    case Strategy::kRe2: return re2::RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = IsValidLegacyMetricName(name_) ? name_ : GoQuote(name_);
  out += MatchTypeString(type_);
  out += GoQuote(value_);
  return out;
}

}  // namespace promref::model
