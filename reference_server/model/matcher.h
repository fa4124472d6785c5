// Label matchers: `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`.
//
// Semantics are Prometheus 3.x's: regexes use RE2 syntax, are fully anchored, and `.`
// matches a newline (Prometheus compiles `^(?s:re)$`). A label that is absent has the value
// "", so `a=""` and `a!~".+"` select series without `a`. Matching is hot (every series of
// every selector), so common regex shapes are answered without running RE2: a literal,
// an alternation of literals, `.*`/`.+`, and literal prefixes, suffixes and infixes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace re2 {
class RE2;
}

namespace promref::model {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
std::string_view MatchTypeString(MatchType t);

class Matcher {
 public:
  // Compiles a matcher. A regex that RE2 rejects is a bad_data error whose message follows
  // Go's regexp package ("error parsing regexp: missing closing ): `(a`").
  static Result<Matcher> Make(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // Whether a label value (or "" for an absent label) satisfies the matcher.
  bool Matches(std::string_view v) const {
    const bool negate = type_ == MatchType::kNotEqual || type_ == MatchType::kRegexNoMatch;
    return MatchesPositive(v) != negate;
  }
  bool MatchesEmpty() const { return Matches(""); }

  // For the postings index: the finite set of values a positive matcher (`=` or `=~`) can
  // match, when it has one (`=~"a|b|c"` gives {a, b, c}); nullptr otherwise. For `!=`/`!~`
  // the set is the values the matcher rejects.
  const std::vector<std::string>* SetMatches() const { return has_set_ ? &set_ : nullptr; }
  // A prefix every matched value starts with ("" when unknown), for positive matchers.
  std::string_view LiteralPrefix() const { return prefix_; }

  // `name="value"` with the value Go-quoted; names that are not legacy-valid are quoted.
  std::string ToString() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  // How a regex is evaluated; kRe2 is the general fallback.
  enum class Strategy { kLiteral, kSet, kAny, kNonEmpty, kPrefix, kSuffix, kContains, kRe2 };

  Matcher() = default;
  bool MatchesPositive(std::string_view v) const;

  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  Strategy strategy_ = Strategy::kLiteral;
  std::string literal_;           // kLiteral, kPrefix, kSuffix, kContains
  std::vector<std::string> set_;  // kSet (sorted), or {literal_} for kLiteral
  bool has_set_ = false;
  std::string prefix_;
  std::shared_ptr<const re2::RE2> re_;  // kRe2
};

// Whether `pattern` is a valid regex in Prometheus' dialect; the Go-style error otherwise.
Status ValidateRegex(std::string_view pattern);

// A pattern ValidateRegex accepted, in the syntax of the RE2 promref links: Go's `(?<name>re)`
// written as `(?P<name>re)` (escapes, \Q...\E quotes and character classes left alone).
std::string Re2Pattern(std::string_view pattern);

}  // namespace promref::model
