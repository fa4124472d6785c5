// The fuzzer's parts on their own: the mutators (deterministic, bounded, token units that give
// the query back), the minimiser (1-minimal within its budget), the oracles' verdicts on
// answers, and the reproducers' command lines.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "fuzz/fuzz_request.h"
#include "fuzz/minimize.h"
#include "fuzz/oracles.h"
#include "fuzz/param_mutator.h"
#include "fuzz/promql_mutator.h"
#include "fuzz/write_mutator.h"
#include "promql/parser.h"
#include "wire/remote_write.h"

namespace promconform::fuzz {
namespace {

const PromqlMutator& Mutator() {
  static const PromqlMutator m(DefaultPromqlCorpus(), DatasetVocabulary(), {.max_nesting = 300});
  return m;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x;
  return s;
}

// ----- mutators -------------------------------------------------------------------------------

RC_GTEST_PROP(FuzzMutators, TokenUnitsGiveTheQueryBack, ()) {
  const std::string base =
      *rc::gen::oneOf(rc::gen::elementOf(Mutator().corpus()), rc::gen::string<std::string>());
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  std::string kind;
  for (const std::string& q : {base, Mutator().Mutate(base, rng, &kind)}) {
    RC_ASSERT(Join(TokenUnits(q)) == q);
  }
}

RC_GTEST_PROP(FuzzMutators, MutatedQueriesStayWithinTheNestingBound, ()) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  std::string kind;
  for (int i = 0; i < 20; ++i) {
    const std::string q = Mutator().Next(rng, &kind);
    RC_ASSERT(NestingDepth(q) <= 300u);
    RC_ASSERT(!kind.empty());
  }
}

TEST(FuzzMutators, TheCorpusHoldsTheSuitesAndTheParseCorpus) {
  const auto& corpus = Mutator().corpus();
  EXPECT_GT(corpus.size(), 1000u);
  std::set<std::string> unique(corpus.begin(), corpus.end());
  EXPECT_EQ(unique.size(), corpus.size());
  const Vocabulary& v = Mutator().vocabulary();
  EXPECT_FALSE(v.metrics.empty());
  EXPECT_FALSE(v.label_names.empty());
  EXPECT_NE(std::find(v.functions.begin(), v.functions.end(), "rate"), v.functions.end());
}

TEST(FuzzMutators, EveryMutationKindOccursAndSomeResultsParse) {
  std::mt19937_64 rng(42);
  std::set<std::string> kinds;
  size_t parsed = 0;
  const size_t n = 3000;
  for (size_t i = 0; i < n; ++i) {
    std::string kind;
    const std::string q = Mutator().Mutate(Mutator().Pick(rng), rng, &kind);
    kinds.insert(kind);
    if (NestingDepth(q) < 300 && promref::promql::ParseExpr(q).ok()) ++parsed;
  }
  for (const char* k :
       {"delete", "insert", "swap", "duplicate", "replace", "nest", "odd-number", "odd-duration",
        "odd-string", "regex", "quoted-name", "bytes", "splice", "truncate"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
  // Mutations should neither always break the query nor leave it valid.
  EXPECT_GT(parsed, n / 20);
  EXPECT_LT(parsed, n * 3 / 4);
}

TEST(FuzzMutators, NestReachesTheBoundAndNestingDepthMeasuresIt) {
  EXPECT_EQ(NestingDepth("up"), 0u);
  EXPECT_EQ(NestingDepth("((up))"), 2u);
  EXPECT_EQ(NestingDepth("sum(rate(x[5m]))"), 3u);
  EXPECT_EQ(NestingDepth("--1"), 2u);
  EXPECT_EQ(NestingDepth("a + b and c"), 2u);
  // Text after a lexical error is never parsed, so it does not count.
  EXPECT_EQ(NestingDepth("(\"unterminated (((((("), 1u);
  const PromqlMutator deep(DefaultPromqlCorpus(), DatasetVocabulary(), {.max_nesting = 5000});
  std::mt19937_64 rng(7);
  size_t deepest = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string kind;
    const std::string q = deep.Next(rng, &kind);
    const size_t d = NestingDepth(q);
    EXPECT_LE(d, 5000u);
    deepest = std::max(deepest, d);
  }
  EXPECT_GE(deepest, 4000u);
}

TEST(FuzzMutators, ParamRequestsAreDeterministicAndCoverTheEndpoints) {
  const ParamMutator params(Mutator(), 1'700'000'000'000);
  std::mt19937_64 a(99), b(99);
  std::set<std::string> paths, names;
  for (int i = 0; i < 2000; ++i) {
    const FuzzRequest x = params.Next(a);
    const FuzzRequest y = params.Next(b);
    ASSERT_EQ(x.path, y.path);
    ASSERT_EQ(x.params, y.params);
    ASSERT_EQ(x.method, y.method);
    paths.insert(x.path.starts_with("/api/v1/label/") ? "/api/v1/label/_/values" : x.path);
    for (const auto& [k, v] : x.params) names.insert(k);
    EXPECT_FALSE(x.path.find("admin") != std::string::npos);
  }
  for (const char* p :
       {"/api/v1/query", "/api/v1/query_range", "/api/v1/format_query", "/api/v1/parse_query",
        "/api/v1/series", "/api/v1/labels", "/api/v1/label/_/values", "/api/v1/query_exemplars"}) {
    EXPECT_TRUE(paths.count(p)) << p;
  }
  for (const char* n :
       {"query", "time", "start", "end", "step", "timeout", "limit", "lookback_delta", "match[]"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

TEST(FuzzMutators, WriteBodiesStartValidAndGoWrongAtEveryLevel) {
  const WriteMutator writes("http://127.0.0.1:1/api/v1/write", 1'700'000'000'000);
  for (const auto& seed : WriteSeeds(1'700'000'000'000)) {
    const FuzzRequest r = writes.Valid(seed);
    auto raw = promref::wire::SnappyDecompress(r.body, 1 << 20);
    ASSERT_TRUE(raw.ok());
    auto decoded = promref::wire::DecodeWriteRequest(*raw);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->timeseries.size(), seed.timeseries.size());
    for (const auto& ts : decoded->timeseries) {
      EXPECT_TRUE(ts.labels.front().second.starts_with("promconform_fuzz_w"));  // never the canary
    }
  }
  std::mt19937_64 a(5), b(5);
  std::set<std::string> kinds;
  size_t undecodable = 0;
  for (int i = 0; i < 500; ++i) {
    const FuzzRequest x = writes.Next(a);
    const FuzzRequest y = writes.Next(b);
    ASSERT_EQ(x.body, y.body);
    ASSERT_EQ(x.headers, y.headers);
    kinds.insert(x.mutation);
    auto raw = promref::wire::SnappyDecompress(x.body, 64 << 20);
    if (!raw.ok() || !promref::wire::DecodeWriteRequest(*raw).ok()) ++undecodable;
  }
  for (const char* k : {"write:labels", "write:values", "write:histogram", "write:protobuf", "write:snappy",
                        "write:headers"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
  EXPECT_GT(undecodable, 50u);
}

// ----- minimiser ------------------------------------------------------------------------------

// The test holds when the needed units all appear, in order: the minimum is exactly them.
RC_GTEST_PROP(FuzzMinimize, FindsTheOneMinimalSubsequence, ()) {
  const auto units = *rc::gen::container<std::vector<std::string>>(
      rc::gen::map(rc::gen::inRange(0, 1000), [](int i) { return "u" + std::to_string(i) + ";"; }));
  RC_PRE(!units.empty());
  std::vector<std::string> needed;
  for (size_t i = 0; i < units.size(); ++i) {
    if (*rc::gen::inRange(0, 4) == 0) needed.push_back(units[i]);
  }
  auto test = [&](const std::string& s) {
    size_t at = 0;
    for (const auto& n : needed) {
      at = s.find(n, at);
      if (at == std::string::npos) return false;
      at += n.size();
    }
    return true;
  };
  size_t budget = 100000;
  const auto out = MinimizeUnits(units, test, &budget);
  RC_ASSERT(test(Join(out)));
  // 1-minimal: no single unit can go.
  for (size_t i = 0; i < out.size(); ++i) {
    auto fewer = out;
    fewer.erase(fewer.begin() + static_cast<long>(i));
    RC_ASSERT(!test(Join(fewer)));
  }
}

TEST(FuzzMinimize, StaysWithinItsBudget) {
  std::vector<std::string> units;
  for (int i = 0; i < 5000; ++i) units.push_back("<" + std::to_string(i) + ">");
  size_t calls = 0;
  size_t budget = 10;
  auto out = MinimizeUnits(
      units,
      [&](const std::string& s) {
        ++calls;
        return s.find("<1>") != std::string::npos && s.find("<4999>") != std::string::npos;
      },
      &budget);
  EXPECT_EQ(budget, 0u);
  EXPECT_EQ(calls, 10u);
  EXPECT_LT(out.size(), units.size());  // smaller, not yet minimal
  EXPECT_GT(out.size(), 2u);
}

TEST(FuzzMinimize, ShrinksPromqlToTheTokenThatMatters) {
  size_t budget = 500;
  const std::string q = "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m] offset 1h)) > 0";
  const std::string out = MinimizeText(
      q, true, [](const std::string& s) { return s.find("offset") != std::string::npos; }, &budget);
  EXPECT_EQ(out, "offset");
}

TEST(FuzzMinimize, DropsParametersAndShrinksValues) {
  FuzzRequest r;
  r.path = "/api/v1/query";
  r.params = {{"query", "max(up{job=\"api\"}) * 2"}, {"time", "1700000000"}, {"timeout", "5s"}};
  size_t budget = 500;
  const FuzzRequest out = MinimizeRequest(
      r,
      [](const FuzzRequest& c) {
        const std::string* q = c.Param("query");
        return q != nullptr && q->find("up{") != std::string::npos;
      },
      &budget);
  ASSERT_EQ(out.params.size(), 1u);
  EXPECT_EQ(out.params[0].second, "up{");
}

TEST(FuzzMinimize, ShrinksAWriteBodyThroughSnappy) {
  const WriteMutator writes("http://127.0.0.1:1/api/v1/write", 1'700'000'000'000);
  promref::wire::WriteRequest w = WriteSeeds(1'700'000'000'000)[0];
  w.timeseries[1].labels.emplace_back("__reserved__", "v");
  FuzzRequest r = writes.Valid(w);
  size_t budget = 3000;
  auto has_label = [](const FuzzRequest& c) {
    auto raw = promref::wire::SnappyDecompress(c.body, 1 << 20);
    return raw.ok() && raw->find("__reserved__") != std::string::npos;
  };
  const FuzzRequest out = MinimizeRequest(r, has_label, &budget);
  EXPECT_TRUE(has_label(out));
  EXPECT_LT(out.body.size(), r.body.size() / 4);
}

// ----- oracles --------------------------------------------------------------------------------

HttpResponse Answer(long status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

FuzzRequest Query(const std::string& q, const std::string& path = "/api/v1/query") {
  FuzzRequest r;
  r.path = path;
  r.params = {{"query", q}};
  return r;
}

std::string Fired(const HttpResponse& resp, const FuzzRequest& r) {
  const TargetProfile profile;
  auto f = Judge(resp, ExpectParse(r, false), profile);
  return f ? std::string(OracleName(f->oracle)) : "";
}

TEST(FuzzOracles, JudgeAnswers) {
  const std::string bad_parse = R"({"status":"error","errorType":"bad_data","error":"1:3: parse error: x"})";
  const std::string ok = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
  EXPECT_EQ(Fired(Answer(200, ok), Query("up")), "");
  EXPECT_EQ(Fired(Answer(500, "boom"), Query("up")), "server-error");
  EXPECT_EQ(Fired(Answer(502, ""), Query("up")), "server-error");
  EXPECT_EQ(Fired(Answer(503, R"({"status":"error","errorType":"timeout","error":"query timed out"})"),
                  Query("up")),
            "");
  EXPECT_EQ(Fired(Answer(503, R"({"status":"error","errorType":"unavailable","error":"x"})"), Query("up")),
            "server-error");
  EXPECT_EQ(Fired(Answer(400, bad_parse), Query("up{")), "");
  EXPECT_EQ(Fired(Answer(200, ok), Query("up{")), "parse-reject");
  EXPECT_EQ(Fired(Answer(422, R"({"status":"error","errorType":"execution","error":"x"})"), Query("up{")),
            "parse-reject");
  EXPECT_EQ(Fired(Answer(400, bad_parse), Query("up")), "parse-accept");
  // Not the parser's error: a bad time.
  EXPECT_EQ(
      Fired(Answer(400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"time\""})"),
            Query("up")),
      "");
  // The HTTP layer refused the request before any parser saw it.
  EXPECT_EQ(Fired(Answer(413, "Payload Too Large"), Query("up{")), "");
  EXPECT_EQ(Fired(Answer(307, ""), Query("up{", "/api/v1/series")), "");
  // The target lacks the endpoint: nothing to judge.
  EXPECT_EQ(Fired(Answer(404, "404 page not found"), Query("up{", "/api/v1/parse_query")), "");
  // match[] of the metadata endpoints, every one.
  FuzzRequest series;
  series.path = "/api/v1/series";
  series.params = {{"match[]", "up"}, {"match[]", "up{"}};
  EXPECT_EQ(Fired(Answer(200, ok), series), "parse-reject");
  series.params.pop_back();
  EXPECT_EQ(Fired(Answer(200, ok), series), "");
  HttpResponse reset;
  reset.transport_error = "Recv failure: Connection reset by peer";
  EXPECT_EQ(Fired(reset, Query("up")), "no-answer");
  HttpResponse slow;
  slow.transport_error = "Timeout was reached";
  EXPECT_EQ(Fired(slow, Query("up")), "");
}

TEST(FuzzOracles, ParsesDeepInputWithoutOverflowingItsStack) {
  const size_t n = std::min<size_t>(MaxParsableNesting(), 3000);
  const std::string deep = std::string(n, '(') + "1" + std::string(n, ')');
  const ParseExpectation e = ExpectParse(Query(deep), false);
  EXPECT_TRUE(e.applies);
  EXPECT_TRUE(e.accepted) << e.error;
  EXPECT_FALSE(ExpectParse(Query(std::string(n, '(')), false).accepted);
}

TEST(FuzzOracles, ProfilesOptOutWithUnsupported) {
  TargetProfile p;
  p.unsupported.push_back({"fuzz/parse-*", "MetricsQL"});
  EXPECT_EQ(p.UnsupportedReason("", OracleCategory(Oracle::kParseReject)).value_or(""), "MetricsQL");
  EXPECT_FALSE(p.UnsupportedReason("", OracleCategory(Oracle::kServerError)).has_value());
}

// ----- reproducers ----------------------------------------------------------------------------

TEST(FuzzRequests, CurlCommandsQuoteForTheShell) {
  FuzzRequest r = Query("it's {a=\"b\"}");
  r.params.emplace_back("time", "1");
  EXPECT_EQ(CurlCommand(r, "http://127.0.0.1:9090/api/v1/query"),
            "curl -sS -i -G --data-urlencode 'query=it'\\''s {a=\"b\"}' --data-urlencode 'time=1' "
            "'http://127.0.0.1:9090/api/v1/query'");
  r.method = "POST";
  r.params = {{"match[]", std::string("a\0b", 3)}};
  EXPECT_EQ(CurlCommand(r, "http://h/x", {}), "curl -sS -i --data 'match%5B%5D=a%00b' 'http://h/x'");
  EXPECT_EQ(CurlCommand(r, "http://h/x", {"/tmp/v"}), "curl -sS -i --data 'match%5B%5D=a%00b' 'http://h/x'");
  r.params = {{"query", "x"}};
  EXPECT_EQ(CurlCommand(r, "http://h/x", {"/tmp/v"}),
            "curl -sS -i --data-urlencode 'query@/tmp/v' 'http://h/x'");
  EXPECT_EQ(Printable("a\xFF\n\xE2\x98\x83"), "a\\xff\\x0a\xE2\x98\x83");
}

}  // namespace
}  // namespace promconform::fuzz
