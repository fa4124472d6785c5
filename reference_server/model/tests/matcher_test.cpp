#include "model/matcher.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <re2/re2.h>

namespace promref::model {
namespace {

Matcher M(MatchType t, std::string value) {
  auto m = Matcher::Make(t, "l", std::move(value));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
  return *m;
}

TEST(Matcher, EqualityAndEmptyMeansAbsent) {
  EXPECT_TRUE(M(MatchType::kEqual, "a").Matches("a"));
  EXPECT_FALSE(M(MatchType::kEqual, "a").Matches("ab"));
  EXPECT_TRUE(M(MatchType::kNotEqual, "a").Matches(""));
  EXPECT_TRUE(M(MatchType::kEqual, "").MatchesEmpty());
  EXPECT_FALSE(M(MatchType::kRegexMatch, ".+").MatchesEmpty());
  EXPECT_TRUE(M(MatchType::kRegexNoMatch, ".+").MatchesEmpty());
}

TEST(Matcher, RegexesAreFullyAnchoredAndDotMatchesNewline) {
  EXPECT_TRUE(M(MatchType::kRegexMatch, "a.c").Matches("a\nc"));
  EXPECT_FALSE(M(MatchType::kRegexMatch, "b").Matches("abc"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "a|b").Matches("b"));
  EXPECT_FALSE(M(MatchType::kRegexMatch, "a|b").Matches("ab"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "(?i)ABC").Matches("abc"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "foo.*").Matches("foo\nbar"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, ".*").Matches(""));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "").Matches(""));
  EXPECT_FALSE(M(MatchType::kRegexMatch, "").Matches("x"));
  EXPECT_TRUE(M(MatchType::kRegexNoMatch, "a|b").Matches("c"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "\\.").Matches("."));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "2..").Matches("200"));
}

TEST(Matcher, SetMatchesAndPrefixesForTheIndex) {
  const Matcher set = M(MatchType::kRegexMatch, "(b|a|c)");
  ASSERT_NE(set.SetMatches(), nullptr);
  EXPECT_EQ(*set.SetMatches(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(M(MatchType::kRegexMatch, "foo.*").LiteralPrefix(), "foo");
  EXPECT_EQ(M(MatchType::kRegexMatch, "api_a|api_b").LiteralPrefix(), "api_");
  EXPECT_EQ(M(MatchType::kRegexMatch, "a+").SetMatches(), nullptr);
  EXPECT_EQ(*M(MatchType::kEqual, "x").SetMatches(), std::vector<std::string>{"x"});
}

TEST(Matcher, BadRegexGivesGoStyleError) {
  auto m = Matcher::Make(MatchType::kRegexMatch, "l", "(a");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind(), ErrorKind::kBadData);
  EXPECT_EQ(m.error().message(), "error parsing regexp: missing closing ): `(a`");
  // Prometheus 3.x parses the regex on its own first, so this is rejected rather than
  // silently matching "^(?s:a)|(b)$".
  EXPECT_FALSE(Matcher::Make(MatchType::kRegexMatch, "l", "a)|(b").ok());
  auto star = Matcher::Make(MatchType::kRegexMatch, "l", "*");
  ASSERT_FALSE(star.ok());
  EXPECT_EQ(star.error().message(), "error parsing regexp: missing argument to repetition operator: `*`");
}

// Where RE2's Perl syntax and Go's regexp/syntax disagree, Go's verdict and words (Prometheus
// 3.16's answers via /api/v1/parse_query).
TEST(Matcher, RegexSyntaxIsGos) {
  struct Case {
    const char* pattern;
    const char* error;  // "" when Go accepts it
  };
  const Case cases[] = {
      {"\\C", "error parsing regexp: invalid escape sequence: `\\C`"},  // RE2 takes \C (any byte)
      {"a\\Cb", "error parsing regexp: invalid escape sequence: `\\C`"},
      {"[\\C]", "error parsing regexp: invalid escape sequence: `\\C`"},
      {"\\Q\\C\\E", ""},  // literal text
      {"\\\\C", ""},      // an escaped backslash, then C
      {"(?<n>a)", ""},    // Go 1.22+ named group; RE2 knows only (?P<n>a)
      {"(?<1>a)b", ""},
      {"[(?<]", ""},
      {"\\Q(?<\\E", ""},
      {"(?<=a)", "error parsing regexp: invalid named capture: `(?<=a)`"},
      {"(?<!a)", "error parsing regexp: invalid named capture: `(?<!a)`"},
      {"(?<n", "error parsing regexp: invalid named capture: `(?<n`"},
      {"(?<>a)", "error parsing regexp: invalid named capture: `(?<>`"},
      {"\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"},
      {"\\z", ""},
      {"\\Q.\\E", ""},
      {"[[:^alpha:]\\]]", ""},
      {"[]a]", ""},
      {"(a{1000}){1000}", "error parsing regexp: invalid repeat count: `{1000}`"},
  };
  for (const Case& c : cases) {
    auto m = Matcher::Make(MatchType::kRegexMatch, "l", c.pattern);
    EXPECT_EQ(m.ok() ? "" : m.error().message(), c.error) << c.pattern;
    const Status v = ValidateRegex(c.pattern);
    EXPECT_EQ(v.ok() ? "" : v.error().message(), c.error) << c.pattern;
  }
  EXPECT_TRUE(M(MatchType::kRegexMatch, "(?<n>a|b)c").Matches("bc"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "\\Q\\C\\E").Matches("\\C"));
}

TEST(Matcher, ToString) {
  EXPECT_EQ(M(MatchType::kRegexNoMatch, "a\"b").ToString(), "l!~\"a\\\"b\"");
  auto utf8 = Matcher::Make(MatchType::kEqual, "a.b", "x");
  EXPECT_EQ(utf8->ToString(), "\"a.b\"=\"x\"");
}

// The fast paths must agree with RE2 on every pattern and input. Patterns are drawn from the
// shapes the fast paths recognise, mutated with metacharacters that must defeat them.
RC_GTEST_PROP(MatcherProperty, FastPathsAgreeWithFullRegex, ()) {
  const auto atom = rc::gen::element<std::string>("a", "b", "ab", "foo", "\\.", ".", ".*", ".+", "|", "(",
                                                  ")", "(?:", "\\|", "x*", "[ab]", "\n", "é", "");
  const auto parts = *rc::gen::container<std::vector<std::string>>(atom);
  std::string pattern;
  for (const auto& p : parts) pattern += p;
  auto m = Matcher::Make(MatchType::kRegexMatch, "l", pattern);
  re2::RE2::Options opts;
  opts.set_dot_nl(true);
  opts.set_log_errors(false);
  re2::RE2 re(pattern, opts);
  RC_ASSERT(m.ok() == re.ok());
  if (!re.ok()) return;
  const auto input =
      *rc::gen::container<std::string>(rc::gen::element('a', 'b', 'f', 'o', '.', '|', '\n', 'x'));
  for (const std::string& s :
       {input, std::string(""), std::string("a"), std::string("foo"), std::string("ab")}) {
    RC_ASSERT(m->Matches(s) == re2::RE2::FullMatch(s, re));
    if (const auto* set = m->SetMatches(); set != nullptr && m->Matches(s)) {
      RC_ASSERT(std::find(set->begin(), set->end(), s) != set->end());
    }
    if (m->Matches(s)) RC_ASSERT(s.substr(0, m->LiteralPrefix().size()) == m->LiteralPrefix());
  }
}

}  // namespace
}  // namespace promref::model
