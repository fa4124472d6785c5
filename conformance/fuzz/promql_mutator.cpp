#include "fuzz/promql_mutator.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "datasets/dataset.h"
#include "fixtures/fixture_store.h"
#include "promql/ast.h"
#include "promql/lexer.h"
#include "suites/suite.h"

namespace promconform::fuzz {
namespace {

using promref::promql::TokenType;

struct Unit {
  std::string text;
  TokenType type = TokenType::kError;
};

std::vector<Unit> Lex(std::string_view query) {
  std::vector<Unit> units;
  // Experimental syntax on: it splits a superset of what the default lexer splits.
  promref::promql::Lexer lexer(query);
  std::vector<std::pair<int, TokenType>> starts;
  while (true) {
    promref::promql::Token t = lexer.Next();
    if (t.type == TokenType::kEof) break;
    if (t.type == TokenType::kError) {
      starts.emplace_back(lexer.start(), TokenType::kError);
      break;
    }
    starts.emplace_back(t.pos, t.type);
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t begin = i == 0 ? 0 : static_cast<size_t>(starts[i].first);
    const size_t end = i + 1 < starts.size() ? static_cast<size_t>(starts[i + 1].first) : query.size();
    if (end > begin && begin <= query.size())
      units.push_back({std::string(query.substr(begin, end - begin)), starts[i].second});
  }
  if (units.empty() && !query.empty()) units.push_back({std::string(query), TokenType::kError});
  return units;
}

std::string Join(const std::vector<Unit>& units) {
  std::string s;
  for (const auto& u : units) s += u.text;
  return s;
}

// Indices of units of a type (any unit when none has it).
std::vector<size_t> UnitsOf(const std::vector<Unit>& units, std::initializer_list<TokenType> types) {
  std::vector<size_t> out;
  for (size_t i = 0; i < units.size(); ++i) {
    if (std::find(types.begin(), types.end(), units[i].type) != types.end()) out.push_back(i);
  }
  return out;
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string Quote(std::mt19937_64& rng, const std::string& content) {
  switch (Below(rng, 4)) {
    case 0: return "'" + content + "'";
    case 1: return "`" + content + "`";
    default: return "\"" + content + "\"";
  }
}

// Nesting depths: mostly moderate, sometimes at the limit.
size_t Depth(std::mt19937_64& rng, size_t max) {
  static const size_t kDepths[] = {2, 10, 64, 200, 1000, 5000, 10000, 20000, 100000};
  size_t d = kDepths[Below(rng, std::size(kDepths))];
  return std::max<size_t>(1, std::min(d, max));
}

const std::vector<std::string> kBuiltinCorpus = {
    "up",
    "up{job=\"api\"}",
    "rate(http_requests_total[5m])",
    "sum by (job) (rate(http_requests_total{code=~\"2..\"}[5m]))",
    "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "max_over_time(up[10m:1m] offset 5m)",
    "up @ 1700000000",
    "up @ start()",
    "topk(3, http_requests_total) or bottomk(2, http_requests_total)",
    "a * on (job) group_left (instance) b",
    "count_values(\"value\", up)",
    "label_replace(up, \"dst\", \"$1\", \"job\", \"(.*)\")",
    "quantile(0.5, up) > bool 0",
    "-(1 + 2) ^ 3 % 4",
    "{__name__=~\"http_.*\", job!=\"\"}",
    "{\"my.metric\", \"label.name\"=\"v\"}",
    "absent(nonexistent{job=\"x\"})",
    "vector(1) unless on () vector(2)",
    "time() - timestamp(up)",
    "sort_desc(sum without (instance) (up))",
    "\"a string\"",
    "0x1F + 1e3 - .5 + Inf - NaN",
};

}  // namespace

size_t Below(std::mt19937_64& rng, size_t n) {
  // Rejection sampling: exact and defined by the generator's output alone.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = rng();
  while (x >= limit) x = rng();
  return static_cast<size_t>(x % n);
}

bool OneIn(std::mt19937_64& rng, size_t n) {
  return Below(rng, n) == 0;
}

size_t NestingDepth(std::string_view query) {
  promref::promql::Lexer lexer(query);
  size_t depth = 0, deepest = 0, operators = 0;
  while (true) {
    const promref::promql::Token t = lexer.Next();
    if (t.type == TokenType::kEof || t.type == TokenType::kError) break;
    if (t.type == TokenType::kLeftParen || t.type == TokenType::kLeftBrace ||
        t.type == TokenType::kLeftBracket) {
      deepest = std::max(deepest, ++depth);
    } else if (t.type == TokenType::kRightParen || t.type == TokenType::kRightBrace ||
               t.type == TokenType::kRightBracket) {
      depth -= depth > 0 ? 1 : 0;
    } else if (promref::promql::IsOperator(t.type) || promref::promql::IsKeyword(t.type)) {
      ++operators;
    }
  }
  return deepest + operators;
}

std::vector<std::string> TokenUnits(std::string_view query) {
  std::vector<std::string> out;
  for (auto& u : Lex(query)) out.push_back(std::move(u.text));
  return out;
}

const std::vector<std::string>& OddNumbers() {
  static const std::vector<std::string> v = {"1e309",
                                             "-1e309",
                                             "1e-400",
                                             "0x",
                                             "0x1p-2",
                                             "0xFFFFFFFFFFFFFFFFFFFF",
                                             "-0",
                                             "+0",
                                             "NaN",
                                             "nan",
                                             "-NaN",
                                             "Inf",
                                             "+Inf",
                                             "-inf",
                                             "InF",
                                             "9223372036854775807",
                                             "9223372036854775808",
                                             "-9223372036854775809",
                                             "18446744073709551616",
                                             "0.0000000000000000000000000000001",
                                             "1_000",
                                             "0b101",
                                             "0o17",
                                             "017",
                                             "08",
                                             ".5",
                                             "5.",
                                             "1e",
                                             "1e+",
                                             ".e1",
                                             "0x.8p1",
                                             "1.7976931348623157e308",
                                             "4.9e-324",
                                             "99999999999999999999999999999999999999999999999999",
                                             "١٢٣",
                                             "1__0"};
  return v;
}

const std::vector<std::string>& OddDurations() {
  static const std::vector<std::string> v = {"1y999999w",
                                             "0s",
                                             "-0s",
                                             "0",
                                             "9223372036854775807ms",
                                             "9223372036854775808ms",
                                             "292y",
                                             "293y",
                                             "1e309s",
                                             "5m5m",
                                             "1h30",
                                             "1.5m",
                                             "0x10s",
                                             "1ms",
                                             "1ns",
                                             "1us",
                                             "1µs",
                                             "99999999999999999999y",
                                             "1d1h1m1s1ms",
                                             "1s1d",
                                             "1m1m",
                                             "5M",
                                             "1Y",
                                             "10000000000000s",
                                             "1e3s",
                                             "1w",
                                             "-1m",
                                             "+1m",
                                             "1",
                                             "1.5",
                                             "2562047h",
                                             "2562048h",
                                             "1s0ms",
                                             "0d",
                                             "100000000y"};
  return v;
}

const std::vector<std::string>& OddStrings() {
  static const std::vector<std::string> v = {"",
                                             " ",
                                             "\xC3\xA9t\xC3\xA9",
                                             "\xE2\x98\x83",
                                             "\xF0\x9F\x98\x80",
                                             "\xFF",
                                             "\xC0\x80",
                                             "\xED\xA0\x80",
                                             "\xF4\x90\x80\x80",
                                             "a\xFF"
                                             "b",
                                             "\\u0000",
                                             "\\x00",
                                             "\\777",
                                             "\\U0010FFFF",
                                             "\\U00110000",
                                             "\\uD800",
                                             "\\q",
                                             "\\",
                                             "\\\\",
                                             "\\\"",
                                             "\\'",
                                             "\n",
                                             "\t",
                                             "\r\n",
                                             "$1",
                                             "${1}",
                                             "%00",
                                             "\x01\x02",
                                             "\xEF\xBB\xBF",
                                             "\xE2\x80\xAE",
                                             "\xCC\x81\xCC\x81\xCC\x81",
                                             "__name__",
                                             "le",
                                             "+Inf",
                                             "NaN"};
  return v;
}

const std::vector<std::string>& PathologicalRegexes() {
  static const std::vector<std::string> v = {"(a*)*b",
                                             "(a|aa)*c",
                                             "(a+)+$",
                                             "a{1000}{1000}",
                                             "(?:a{1000}){1000}",
                                             "a{1001}",
                                             "(a{2}){1000}",
                                             "((((((((((a*)*)*)*)*)*)*)*)*)*)*",
                                             ".*.*.*.*.*.*.*.*=.*",
                                             "\\\\p{Greek}+",
                                             "[",
                                             "(",
                                             ")",
                                             "*",
                                             "(?P<n>a)",
                                             "(?i)API",
                                             "\\\\C",
                                             "x**",
                                             "(?s:.)*",
                                             "\\\\b",
                                             "^$",
                                             ".{0,65535}",
                                             "[^\\\\x00-\\\\x{10FFFF}]",
                                             "(?=a)",
                                             "\\\\1",
                                             "a{,5}",
                                             "[[:alpha:]]",
                                             "[[:foo:]]",
                                             "\\\\Q.*\\\\E",
                                             "(|)",
                                             ".*|.*|.*",
                                             "\xFF",
                                             "\\\\z"};
  return v;
}

Vocabulary DatasetVocabulary() {
  Vocabulary v;
  std::set<std::string> metrics, names, values;
  for (const auto& s : StandardDataset().series) {
    for (const auto& [k, val] : s.labels) {
      if (k == "__name__") {
        metrics.insert(val);
      } else {
        names.insert(k);
        values.insert(val);
      }
    }
  }
  v.metrics.assign(metrics.begin(), metrics.end());
  v.label_names.assign(names.begin(), names.end());
  v.label_values.assign(values.begin(), values.end());
  for (const auto& f : promref::promql::AllFunctions()) v.functions.push_back(f.name);
  v.keywords = {"+",
                "-",
                "*",
                "/",
                "%",
                "^",
                "==",
                "!=",
                ">",
                "<",
                ">=",
                "<=",
                "=~",
                "!~",
                "=",
                "and",
                "or",
                "unless",
                "atan2",
                "sum",
                "avg",
                "count",
                "min",
                "max",
                "group",
                "stddev",
                "stdvar",
                "topk",
                "bottomk",
                "quantile",
                "count_values",
                "limitk",
                "limit_ratio",
                "by",
                "without",
                "on",
                "ignoring",
                "group_left",
                "group_right",
                "bool",
                "offset",
                "@",
                "start()",
                "end()",
                "(",
                ")",
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "[5m]",
                "[5m:1m]",
                "[:]",
                "#",
                "smoothed",
                "anchored",
                "fill",
                "step()",
                "range()",
                "{{}}",
                ";",
                "'",
                "\"",
                "`",
                "\\",
                "inf",
                "nan"};
  return v;
}

std::vector<std::string> DefaultPromqlCorpus() {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& q) {
    if (!q.empty() && seen.insert(q).second) out.push_back(q);
  };
  for (const auto& q : kBuiltinCorpus) add(q);
  for (const Case& c : BuildPromqlSuite()) add(c.expr);
  // The recorded parse corpus: one JSON string per line (valid and invalid queries alike; the
  // mutations do not care, and the oracles judge each result on its own).
  std::ifstream in(DefaultFixturesDir() + "/../promql/parse_corpus.input");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_string()) add(j.get<std::string>());
  }
  return out;
}

PromqlMutator::PromqlMutator(std::vector<std::string> corpus, Vocabulary vocabulary,
                             PromqlMutatorOptions options)
    : corpus_(std::move(corpus)), vocab_(std::move(vocabulary)), options_(options) {
  if (corpus_.empty()) corpus_ = kBuiltinCorpus;
}

const std::string& PromqlMutator::Pick(std::mt19937_64& rng) const {
  return Choose(rng, corpus_);
}

std::string PromqlMutator::RandomToken(std::mt19937_64& rng) const {
  switch (Below(rng, 10)) {
    case 0: return Choose(rng, vocab_.metrics);
    case 1: return Choose(rng, vocab_.label_names);
    case 2: return Quote(rng, Choose(rng, vocab_.label_values));
    case 3: return Choose(rng, vocab_.functions) + "(";
    case 4: return Choose(rng, OddNumbers());
    case 5: return Choose(rng, OddDurations());
    case 6: return Quote(rng, Choose(rng, OddStrings()));
    default: return Choose(rng, vocab_.keywords);
  }
}

std::string PromqlMutator::Nest(const std::string& q, std::mt19937_64& rng) const {
  const size_t d = Depth(rng, options_.max_nesting);
  switch (Below(rng, 8)) {
    case 0: return Repeat("(", d) + q + Repeat(")", d);
    case 1: {
      const std::string& f = OneIn(rng, 2) ? std::string("abs") : Choose(rng, vocab_.functions);
      return Repeat(f + "(", d) + q + Repeat(")", d);
    }
    case 2: return Repeat("-", d) + q;
    case 3: return Repeat("sum(", d) + q + Repeat(")", d);
    case 4: {  // a long chain of binary operators: deep trees from flat text
      std::string s = q;
      static const std::vector<std::string> kOps = {" + ", " and ", " ^ ", " or ", " * on() "};
      const std::string& op = Choose(rng, kOps);
      for (size_t i = 0; i < d && s.size() < options_.max_length / 2; ++i) s += op + q;
      return s;
    }
    case 5: {  // nested subqueries (bounded: each level multiplies the work)
      std::string s = q;
      for (size_t i = 0; i < std::min<size_t>(d, 6); ++i) s = "max_over_time((" + s + ")[1m:10s])";
      return s;
    }
    case 6: return Repeat("(", d) + q;  // unbalanced
    default: return "{" + Repeat("__name__=\"up\",", std::min<size_t>(d, 5000)) + "job=\"api\"}";
  }
}

std::string PromqlMutator::Mutate(const std::string& query, std::mt19937_64& rng, std::string* kind) const {
  std::vector<Unit> u = Lex(query);
  const size_t n = u.size();
  auto pos = [&] { return n == 0 ? 0 : Below(rng, n + 1); };
  switch (Below(rng, 16)) {
    case 0:
    case 1:
      *kind = "delete";
      if (n > 0) {
        const size_t i = Below(rng, n);
        u.erase(u.begin() + static_cast<long>(i),
                u.begin() + static_cast<long>(std::min(n, i + 1 + Below(rng, 3))));
      }
      return Join(u);
    case 2:
    case 3: {
      *kind = "insert";
      u.insert(u.begin() + static_cast<long>(pos()),
               Unit{RandomToken(rng) + (OneIn(rng, 2) ? " " : ""), TokenType::kError});
      return Join(u);
    }
    case 4:
      *kind = "swap";
      if (n >= 2) std::swap(u[Below(rng, n)].text, u[Below(rng, n)].text);
      return Join(u);
    case 5: {
      *kind = "duplicate";
      if (n == 0) return query;
      const size_t i = Below(rng, n);
      const size_t len = 1 + Below(rng, std::min<size_t>(4, n - i));
      std::string span;
      for (size_t k = i; k < i + len; ++k) span += u[k].text;
      const size_t times = OneIn(rng, 8) ? 1000 : 1 + Below(rng, 5);
      u.insert(u.begin() + static_cast<long>(i), Unit{Repeat(span, times), TokenType::kError});
      return Join(u);
    }
    case 6:
      *kind = "replace";
      if (n > 0) u[Below(rng, n)].text = RandomToken(rng) + " ";
      return Join(u);
    case 7: *kind = "nest"; return Nest(query, rng);
    case 8: {
      *kind = "odd-number";
      auto nums = UnitsOf(u, {TokenType::kNumber});
      const std::string& num = Choose(rng, OddNumbers());
      if (!nums.empty() && !OneIn(rng, 3)) {
        u[Choose(rng, nums)].text = num + " ";
        return Join(u);
      }
      switch (Below(rng, 4)) {
        case 0: return query + " @ " + num;
        case 1: return "topk(" + num + ", " + query + ")";
        case 2: return "quantile(" + num + ", " + query + ")";
        default: return query + " + " + num;
      }
    }
    case 9: {
      *kind = "odd-duration";
      auto durs = UnitsOf(u, {TokenType::kDuration});
      const std::string& d = Choose(rng, OddDurations());
      if (!durs.empty() && !OneIn(rng, 3)) {
        u[Choose(rng, durs)].text = d;
        return Join(u);
      }
      switch (Below(rng, 4)) {
        case 0: return query + " offset " + d;
        case 1: return "rate(" + Choose(rng, vocab_.metrics) + "[" + d + "])";
        case 2: return "max_over_time((" + query + ")[" + d + ":" + Choose(rng, OddDurations()) + "])";
        default: return "(" + query + ")[" + d + ":]";
      }
    }
    case 10: {
      *kind = "odd-string";
      auto strs = UnitsOf(u, {TokenType::kString});
      const std::string s = Quote(rng, Choose(rng, OddStrings()));
      if (!strs.empty()) {
        u[Choose(rng, strs)].text = s;
        return Join(u);
      }
      return Choose(rng, vocab_.metrics) + "{" + Choose(rng, vocab_.label_names) + "=" + s + "}";
    }
    case 11: {
      *kind = "regex";
      const std::string re = "\"" + Choose(rng, PathologicalRegexes()) + "\"";
      const std::string op = OneIn(rng, 2) ? "=~" : "!~";
      auto strs = UnitsOf(u, {TokenType::kString});
      auto eqs = UnitsOf(u, {TokenType::kEql, TokenType::kNeq, TokenType::kEqlRegex, TokenType::kNeqRegex});
      if (!strs.empty() && !eqs.empty()) {
        u[Choose(rng, eqs)].text = op;
        u[Choose(rng, strs)].text = re;
        return Join(u);
      }
      return Choose(rng, vocab_.metrics) + "{" + Choose(rng, vocab_.label_names) + op + re + "}";
    }
    case 12: {
      *kind = "quoted-name";
      auto ids = UnitsOf(u, {TokenType::kIdentifier, TokenType::kMetricIdentifier});
      const std::string name =
          Quote(rng, OneIn(rng, 2) ? Choose(rng, vocab_.metrics) + "." + Choose(rng, OddStrings())
                                   : Choose(rng, OddStrings()));
      if (!ids.empty()) {
        const size_t i = Choose(rng, ids);
        u[i].text = u[i].type == TokenType::kMetricIdentifier ? "{" + name + "}" : name;
        return Join(u);
      }
      return "{" + name + ", " + Quote(rng, Choose(rng, OddStrings())) + "=\"x\"}";
    }
    case 13: {
      *kind = "bytes";
      std::string s = query;
      const std::string& b = Choose(rng, OddStrings());
      s.insert(s.empty() ? 0 : Below(rng, s.size() + 1), b.empty() ? std::string("\xFF") : b);
      return s;
    }
    case 14: {
      *kind = "splice";
      const std::string& other = Pick(rng);
      return query.substr(0, Below(rng, query.size() + 1)) + other.substr(Below(rng, other.size() + 1));
    }
    default: *kind = "truncate"; return query.substr(0, query.empty() ? 0 : Below(rng, query.size()));
  }
}

std::string PromqlMutator::Next(std::mt19937_64& rng, std::string* kind) const {
  std::string q = Pick(rng);
  kind->clear();
  const size_t rounds = 1 + Below(rng, 3);
  for (size_t i = 0; i < rounds; ++i) {
    std::string k;
    std::string m = Mutate(q, rng, &k);
    if (m.size() > options_.max_length) m.resize(options_.max_length);
    if (NestingDepth(m) > options_.max_nesting) continue;  // undone: deeper than allowed
    q = std::move(m);
    *kind += (kind->empty() ? "" : "+") + k;
    // Each round re-lexes the query: long ones would make that, and the oracle, slow.
    if (q.size() > 64 * 1024) break;
  }
  if (kind->empty()) *kind = "none";
  return q;
}

std::string PromqlMutator::Selector(std::mt19937_64& rng, std::string* kind) const {
  std::string s = Choose(rng, vocab_.metrics);
  if (OneIn(rng, 2))
    s += "{" + Choose(rng, vocab_.label_names) + "=\"" + Choose(rng, vocab_.label_values) + "\"}";
  if (OneIn(rng, 4)) {
    *kind = "valid";
    return s;
  }
  std::string m = Mutate(s, rng, kind);
  if (NestingDepth(m) > options_.max_nesting) {
    *kind = "valid";
    return s;
  }
  return m;
}

}  // namespace promconform::fuzz
