// The HTTP API suite: every endpoint of seed 003 (the Prometheus HTTP API), its parameters,
// time formats, POST forms, limit, match[], name escaping, envelope fields, status codes and
// errorTypes. Where Prometheus 3.x answers differently on purpose (new parameters and endpoints,
// UTF-8 names), the case carries the 3.x answer as the seed (or reference §12) states it.
#include "suites/suite.h"

namespace promconform {
namespace {

using nlohmann::json;
using namespace suite_util;

constexpr int64_t kMin = 60000;
const std::string kT = RelTime(31 * kMin + 7234);  // an instant inside the dataset
const std::string kStart = RelTime(0);
const std::string kEnd = RelTime(50 * kMin + 60000);

class Api {
 public:
  // Starts a case.
  Case& New(const std::string& category, const std::string& seed, const std::string& title,
            const std::string& since = "2.0") {
    Case c;
    c.category = category;
    c.id = CaseId("api", category + "|" + title);
    c.seed = seed;
    c.since = since;
    c.title = title;
    cases_.push_back(std::move(c));
    return cases_.back();
  }
  std::vector<Case> Take() { return std::move(cases_); }

 private:
  std::vector<Case> cases_;
};

Exchange Req(const std::string& method, const std::string& path, Params params, NormalizeMode mode,
             bool form = false) {
  Exchange e;
  e.name = method + " " + path;
  e.request.method = method;
  e.request.path = path;
  e.request.params = std::move(params);
  e.request.form = form;
  e.mode = mode;
  return e;
}

// A 3.x answer stated by a seed or the reference: only these keys are compared.
json V3(json partial) {
  partial["partial"] = true;
  return partial;
}

void Query(Api& a) {
  const std::string seed = "003 インスタントクエリ (GET|POST /api/v1/query)";
  const std::string cat = "api/query";
  auto add = [&](const std::string& title, Exchange e) {
    a.New(cat, seed, title).exchanges.push_back(std::move(e));
  };
  add("GET, time as Unix seconds with milliseconds",
      Req("GET", "/api/v1/query", {{"query", "pc_up"}, {"time", kT}}, NormalizeMode::kQuery));
  add("POST form",
      Req("POST", "/api/v1/query", {{"query", "pc_up"}, {"time", kT}}, NormalizeMode::kQuery, true));
  add("time as integer Unix seconds",
      Req("GET", "/api/v1/query", {{"query", "pc_queue_length"}, {"time", RelTime(31 * kMin)}},
          NormalizeMode::kQuery));
  add("time as RFC 3339",
      Req("GET", "/api/v1/query", {{"query", "pc_queue_length"}, {"time", RelRfc3339(31 * kMin + 7234)}},
          NormalizeMode::kQuery));
  add("time as RFC 3339 without fraction",
      Req("GET", "/api/v1/query", {{"query", "pc_queue_length"}, {"time", RelRfc3339(31 * kMin)}},
          NormalizeMode::kQuery));
  add("time with sub-millisecond digits (rounded)",
      Req("GET", "/api/v1/query",
          {{"query", "pc_queue_length"}, {"time", RelTime(31 * kMin + 7234) + "4999"}},
          NormalizeMode::kQuery));
  add("time that does not parse: 400 bad_data",
      Req("GET", "/api/v1/query", {{"query", "pc_up"}, {"time", "abc"}}, NormalizeMode::kEnvelope));
  add("time as a duration: 400 bad_data",
      Req("GET", "/api/v1/query", {{"query", "pc_up"}, {"time", "5m"}}, NormalizeMode::kEnvelope));
  add("no query parameter: 400 bad_data",
      Req("GET", "/api/v1/query", {{"time", kT}}, NormalizeMode::kEnvelope));
  add("empty query: 400 bad_data",
      Req("GET", "/api/v1/query", {{"query", ""}, {"time", kT}}, NormalizeMode::kEnvelope));
  add("parse error: 400 bad_data",
      Req("GET", "/api/v1/query", {{"query", "sum(pc_up"}, {"time", kT}}, NormalizeMode::kEnvelope));
  add("comparison of scalars without bool: 400 bad_data",
      Req("POST", "/api/v1/query", {{"query", "1 > 2"}, {"time", kT}}, NormalizeMode::kEnvelope, true));
  add("execution error (many-to-many): 422 execution",
      Req("GET", "/api/v1/query",
          {{"query", "pc_temperature_celsius + on(instance) pc_memory_usage_bytes"}, {"time", kT}},
          NormalizeMode::kEnvelope));
  add("invalid regex in label_replace: 422 execution",
      Req("GET", "/api/v1/query", {{"query", R"(label_replace(pc_up, "a", "$1", "job", "("))"}, {"time", kT}},
          NormalizeMode::kEnvelope));
  add("timeout parameter as a duration",
      Req("GET", "/api/v1/query", {{"query", "pc_ratio"}, {"time", kT}, {"timeout", "30s"}},
          NormalizeMode::kQuery));
  add("timeout parameter as float seconds",
      Req("GET", "/api/v1/query", {{"query", "pc_ratio"}, {"time", kT}, {"timeout", "12.5"}},
          NormalizeMode::kQuery));
  add("timeout that does not parse: 400",
      Req("GET", "/api/v1/query", {{"query", "pc_ratio"}, {"time", kT}, {"timeout", "soon"}},
          NormalizeMode::kEnvelope));
  add("stats=all adds data.stats",
      Req("GET", "/api/v1/query", {{"query", "pc_ratio"}, {"time", kT}, {"stats", "all"}},
          NormalizeMode::kKeys));
  add("no stats parameter: no data.stats",
      Req("GET", "/api/v1/query", {{"query", "pc_ratio"}, {"time", kT}}, NormalizeMode::kKeys));
  add("scalar result",
      Req("GET", "/api/v1/query", {{"query", "scalar(pc_ratio{instance=\"host-1\"})"}, {"time", kT}},
          NormalizeMode::kQuery));
  add("string result",
      Req("GET", "/api/v1/query", {{"query", "\"text\""}, {"time", kT}}, NormalizeMode::kQuery));
  add("matrix result",
      Req("GET", "/api/v1/query", {{"query", "pc_ratio[1m]"}, {"time", kT}}, NormalizeMode::kQuery));
  add("empty vector result",
      Req("GET", "/api/v1/query", {{"query", "pc_nonexistent_metric"}, {"time", kT}}, NormalizeMode::kQuery));
  add("response Content-Type",
      Req("GET", "/api/v1/query", {{"query", "vector(1)"}, {"time", kT}}, NormalizeMode::kEnvelope));
  {
    Exchange e = Req("POST", "/api/v1/query", {{"query", "pc_up{job=\"web\"}"}, {"time", kT}},
                     NormalizeMode::kQuery, true);
    e.request.url_params = {{"query", "pc_up{job=\"api\"}"}};
    add("POST: a form value takes precedence over the URL's", std::move(e));
  }
  {
    Exchange e = Req("POST", "/api/v1/query", {}, NormalizeMode::kQuery);
    e.request.url_params = {{"query", "pc_ratio"}, {"time", kT}};
    add("POST with parameters in the URL only", std::move(e));
  }
  {
    Exchange e = Req("GET", "/api/v1/query", {{"query", "vector(1)"}}, NormalizeMode::kQuery);
    e.ignore_timestamps = true;
    add("no time parameter: evaluated at the server's now", std::move(e));
  }
  {
    Case& c = a.New(cat, seed, "time at the boundary value MinTime");
    c.absolute_time = true;
    c.exchanges.push_back(Req("GET", "/api/v1/query",
                              {{"query", "vector(1)"}, {"time", "-292273086-05-16T16:47:06Z"}},
                              NormalizeMode::kEnvelope));
  }
  {
    Case& c = a.New(cat, seed, "time 0 (the epoch)");
    c.absolute_time = true;
    c.exchanges.push_back(
        Req("GET", "/api/v1/query", {{"query", "vector(1)"}, {"time", "0"}}, NormalizeMode::kQuery));
  }
  {
    Case& c = a.New(cat, seed, "time before the epoch");
    c.absolute_time = true;
    c.exchanges.push_back(
        Req("GET", "/api/v1/query", {{"query", "time()"}, {"time", "-100.5"}}, NormalizeMode::kQuery));
  }
  // 3.x-only parameters: 2.42 ignores them.
  {
    Case& c = a.New(cat, seed, "limit truncates the vector (3.2)", "3.2");
    Exchange e = Req("GET", "/api/v1/query", {{"query", "pc_up"}, {"time", kT}, {"limit", "2"}},
                     NormalizeMode::kQuery);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"result_count", 2}});
    e.expect_v3_source = "seed 003 インスタントクエリ: limit=<number> truncates vectors and matrices";
    c.exchanges.push_back(std::move(e));
  }
  {
    Case& c = a.New(cat, seed, "lookback_delta overrides the lookback (2.43)", "2.43");
    // host-1 has had no sample for three minutes at 23 m: inside the default 5 m lookback,
    // outside a 1 m one.
    Exchange e = Req("GET", "/api/v1/query",
                     {{"query", "pc_intermittent_total{instance=\"host-1\"}"},
                      {"time", RelTime(23 * kMin + 234)},
                      {"lookback_delta", "1m"}},
                     NormalizeMode::kQuery);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"result_count", 0}});
    e.expect_v3_source =
        "seed 003 インスタントクエリ: lookback_delta overrides the lookback period for this query";
    c.exchanges.push_back(std::move(e));
  }
}

void QueryRange(Api& a) {
  const std::string seed = "003 範囲クエリ (GET|POST /api/v1/query_range)";
  const std::string cat = "api/query_range";
  auto add = [&](const std::string& title, Exchange e) {
    a.New(cat, seed, title).exchanges.push_back(std::move(e));
  };
  const std::string s = RelTime(20 * kMin + 234), e = RelTime(30 * kMin + 234);
  add("GET",
      Req("GET", "/api/v1/query_range",
          {{"query", "pc_queue_length"}, {"start", s}, {"end", e}, {"step", "60"}}, NormalizeMode::kQuery));
  add("POST form", Req("POST", "/api/v1/query_range",
                       {{"query", "pc_queue_length"}, {"start", s}, {"end", e}, {"step", "60"}},
                       NormalizeMode::kQuery, true));
  add("step as a duration", Req("GET", "/api/v1/query_range",
                                {{"query", "sum(pc_queue_length)"}, {"start", s}, {"end", e}, {"step", "2m"}},
                                NormalizeMode::kQuery));
  add("step as float seconds",
      Req("GET", "/api/v1/query_range",
          {{"query", "sum(pc_queue_length)"}, {"start", s}, {"end", e}, {"step", "37.5"}},
          NormalizeMode::kQuery));
  add("start and end as RFC 3339", Req("GET", "/api/v1/query_range",
                                       {{"query", "sum(pc_ratio)"},
                                        {"start", RelRfc3339(20 * kMin + 234)},
                                        {"end", RelRfc3339(30 * kMin + 234)},
                                        {"step", "1m"}},
                                       NormalizeMode::kQuery));
  add("start equal to end: one point",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"start", s}, {"end", s}, {"step", "60"}},
          NormalizeMode::kQuery));
  add("scalar expression: one series without labels",
      Req("GET", "/api/v1/query_range",
          {{"query", "scalar(pc_ratio{instance=\"host-2\"}) * 2"}, {"start", s}, {"end", e}, {"step", "60"}},
          NormalizeMode::kQuery));
  add("step that does not divide the range",
      Req("GET", "/api/v1/query_range",
          {{"query", "pc_up{job=\"web\"}"}, {"start", s}, {"end", e}, {"step", "7m"}},
          NormalizeMode::kQuery));
  add("end before start: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"start", e}, {"end", s}, {"step", "60"}},
          NormalizeMode::kEnvelope));
  add("step 0: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"start", s}, {"end", e}, {"step", "0"}},
          NormalizeMode::kEnvelope));
  add("negative step: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"start", s}, {"end", e}, {"step", "-60"}},
          NormalizeMode::kEnvelope));
  add("step that does not parse: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"start", s}, {"end", e}, {"step", "often"}},
          NormalizeMode::kEnvelope));
  add("missing step: 400", Req("GET", "/api/v1/query_range",
                               {{"query", "pc_ratio"}, {"start", s}, {"end", e}}, NormalizeMode::kEnvelope));
  add("missing start: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"end", e}, {"step", "60"}},
          NormalizeMode::kEnvelope));
  add("missing end: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio"}, {"start", s}, {"step", "60"}},
          NormalizeMode::kEnvelope));
  add("start that does not parse: 400",
      Req("GET", "/api/v1/query_range",
          {{"query", "pc_ratio"}, {"start", "yesterday"}, {"end", e}, {"step", "60"}},
          NormalizeMode::kEnvelope));
  add("range vector expression: 400",
      Req("GET", "/api/v1/query_range", {{"query", "pc_ratio[5m]"}, {"start", s}, {"end", e}, {"step", "60"}},
          NormalizeMode::kEnvelope));
  add("parse error: 400",
      Req("GET", "/api/v1/query_range",
          {{"query", "rate(pc_ratio"}, {"start", s}, {"end", e}, {"step", "60"}}, NormalizeMode::kEnvelope));
  add("execution error: 422", Req("GET", "/api/v1/query_range",
                                  {{"query", "pc_temperature_celsius + on(instance) pc_memory_usage_bytes"},
                                   {"start", s},
                                   {"end", e},
                                   {"step", "60"}},
                                  NormalizeMode::kEnvelope));
  {
    Case& c = a.New(cat, seed, "11,000 points: accepted");
    c.absolute_time = true;
    c.exchanges.push_back(
        Req("GET", "/api/v1/query_range",
            {{"query", "pc_nonexistent_metric"}, {"start", "0"}, {"end", "11000"}, {"step", "1"}},
            NormalizeMode::kQuery));
  }
  {
    Case& c = a.New(cat, seed, "11,001 points: 400");
    c.absolute_time = true;
    c.exchanges.push_back(
        Req("GET", "/api/v1/query_range",
            {{"query", "pc_nonexistent_metric"}, {"start", "0"}, {"end", "11001"}, {"step", "1"}},
            NormalizeMode::kEnvelope));
  }
  {
    Case& c = a.New(cat, seed, "limit truncates the matrix (3.2)", "3.2");
    Exchange x = Req("GET", "/api/v1/query_range",
                     {{"query", "pc_up"}, {"start", s}, {"end", e}, {"step", "60"}, {"limit", "3"}},
                     NormalizeMode::kQuery);
    x.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"result_count", 3}});
    x.expect_v3_source = "seed 003 範囲クエリ: limit=<number> is the maximum number of series returned";
    c.exchanges.push_back(std::move(x));
  }
}

void Metadata(Api& a) {
  const std::string cat_series = "api/series", cat_labels = "api/labels";
  const std::string seed_series = "003 メタデータのクエリ: シリーズ (GET|POST /api/v1/series)";
  const std::string seed_labels = "003 ラベル名の取得 (GET|POST /api/v1/labels)";
  const std::string seed_values = "003 ラベル値のクエリ (GET /api/v1/label/<label_name>/values)";
  auto series = [&](const std::string& title, Exchange e) {
    a.New(cat_series, seed_series, title).exchanges.push_back(std::move(e));
  };
  const Params window = {{"start", kStart}, {"end", kEnd}};
  auto with = [&](Params p, bool window_too = true) {
    if (window_too) p.insert(p.end(), window.begin(), window.end());
    return p;
  };
  series("one match[]", Req("GET", "/api/v1/series", with({{"match[]", "pc_up"}}), NormalizeMode::kSeries));
  series("POST form",
         Req("POST", "/api/v1/series", with({{"match[]", "pc_up"}}), NormalizeMode::kSeries, true));
  series("several match[] are OR-ed and de-duplicated",
         Req("GET", "/api/v1/series",
             with({{"match[]", "pc_up"}, {"match[]", "pc_up{job=\"api\"}"}, {"match[]", "pc_ratio"}}),
             NormalizeMode::kSeries));
  series(
      "regex matcher on the name",
      Req("GET", "/api/v1/series", with({{"match[]", "{__name__=~\"pc_rpc.*\"}"}}), NormalizeMode::kSeries));
  series("label values with escapes",
         Req("GET", "/api/v1/series", with({{"match[]", "pc_labels_edge"}}), NormalizeMode::kSeries));
  series("high-cardinality family",
         Req("GET", "/api/v1/series", with({{"match[]", "pc_hc_requests_total{zone=\"a\"}"}}),
             NormalizeMode::kSeries));
  series("no match: empty list",
         Req("GET", "/api/v1/series", with({{"match[]", "pc_nonexistent_metric"}}), NormalizeMode::kSeries));
  series("without start and end",
         Req("GET", "/api/v1/series", {{"match[]", "pc_ratio"}}, NormalizeMode::kSeries));
  series("RFC 3339 start and end",
         Req("GET", "/api/v1/series",
             {{"match[]", "pc_ratio"}, {"start", RelRfc3339(0)}, {"end", RelRfc3339(50 * kMin)}},
             NormalizeMode::kSeries));
  series("no match[]: 400", Req("GET", "/api/v1/series", with({}), NormalizeMode::kEnvelope));
  series("empty-matching selector: 400",
         Req("GET", "/api/v1/series", with({{"match[]", "{job=~\".*\"}"}}), NormalizeMode::kEnvelope));
  series("selector that does not parse: 400",
         Req("GET", "/api/v1/series", with({{"match[]", "pc_up{"}}), NormalizeMode::kEnvelope));
  series("start that does not parse: 400",
         Req("GET", "/api/v1/series", {{"match[]", "pc_up"}, {"start", "abc"}}, NormalizeMode::kEnvelope));
  {
    Case& c = a.New(cat_series, seed_series, "limit truncates the list (2.51)", "2.51");
    Exchange e =
        Req("GET", "/api/v1/series", with({{"match[]", "pc_up"}, {"limit", "2"}}), NormalizeMode::kSeries);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"result_count", 2}});
    e.expect_v3_source = "seed 003 シリーズ: limit=<number> is the maximum number of series returned";
    c.exchanges.push_back(std::move(e));
  }

  auto labels = [&](const std::string& title, Exchange e) {
    a.New(cat_labels, seed_labels, title).exchanges.push_back(std::move(e));
  };
  labels(
      "names of the series a match[] selects",
      Req("GET", "/api/v1/labels", with({{"match[]", "pc_http_requests_total"}}), NormalizeMode::kStringSet));
  labels("POST form", Req("POST", "/api/v1/labels", with({{"match[]", "pc_labels_edge"}}),
                          NormalizeMode::kStringSet, true));
  labels("several match[]",
         Req("GET", "/api/v1/labels", with({{"match[]", "pc_up"}, {"match[]", "pc_build_info"}}),
             NormalizeMode::kStringSet));
  labels("no match: empty list", Req("GET", "/api/v1/labels", with({{"match[]", "pc_nonexistent_metric"}}),
                                     NormalizeMode::kStringSet));
  labels("without match[] (every name the target has)",
         Req("GET", "/api/v1/labels", with({}), NormalizeMode::kEnvelope));
  labels("empty-matching selector: 400",
         Req("GET", "/api/v1/labels", with({{"match[]", "{a=\"\"}"}}), NormalizeMode::kEnvelope));
  {
    Case& c = a.New(cat_labels, seed_labels, "limit truncates the list (2.51)", "2.51");
    Exchange e = Req("GET", "/api/v1/labels", with({{"match[]", "pc_http_requests_total"}, {"limit", "2"}}),
                     NormalizeMode::kStringSet);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"result_count", 2}});
    e.expect_v3_source = "seed 003 ラベル名の取得: limit=<number> is the maximum number returned";
    c.exchanges.push_back(std::move(e));
  }

  auto values = [&](const std::string& title, const std::string& path, Params p,
                    NormalizeMode m = NormalizeMode::kStringSet) {
    a.New("api/label_values", seed_values, title).exchanges.push_back(Req("GET", path, std::move(p), m));
  };
  values("values of job", "/api/v1/label/job/values", with({{"match[]", "pc_http_requests_total"}}));
  values("values of __name__", "/api/v1/label/__name__/values",
         with({{"match[]", "{__name__=~\"pc_h.*\"}"}}));
  values("values that need escaping", "/api/v1/label/text/values", with({{"match[]", "pc_labels_edge"}}));
  values("several match[]", "/api/v1/label/instance/values",
         with({{"match[]", "pc_up"}, {"match[]", "pc_ratio"}}));
  values("a label nobody has", "/api/v1/label/nonexistent/values", with({{"match[]", "pc_up"}}));
  values("high-cardinality label", "/api/v1/label/pod/values",
         with({{"match[]", "pc_hc_requests_total{zone=\"b\"}"}}));
  values("without match[] (every value the target has)", "/api/v1/label/job/values", with({}),
         NormalizeMode::kEnvelope);
  values("empty-matching selector: 400", "/api/v1/label/job/values", with({{"match[]", "{job=~\".*\"}"}}),
         NormalizeMode::kEnvelope);
  {
    Case& c = a.New("api/label_values", seed_values, "label name with a dash (UTF-8 names, 3.0)", "3.0");
    Exchange e =
        Req("GET", "/api/v1/label/a-b/values", with({{"match[]", "pc_up"}}), NormalizeMode::kStringSet);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"data", json::array()}});
    e.expect_v3_source =
        "reference §12 (label-values path: UTF-8 names and U__ escaping since 3.1); seed 003 "
        "ラベル値のクエリ";
    c.exchanges.push_back(std::move(e));
  }
  {
    Case& c = a.New("api/label_values", seed_values, "U__-escaped label name (3.1)", "3.1");
    Exchange e = Req("GET", "/api/v1/label/U__instance/values", with({{"match[]", "pc_up"}}),
                     NormalizeMode::kStringSet);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"data", {"host-1", "host-2", "host-3"}}});
    e.expect_v3_source =
        "seed 003 ラベル値のクエリ: a name prefixed with U__ is unescaped (U__instance is instance)";
    c.exchanges.push_back(std::move(e));
  }
  {
    Case& c = a.New("api/label_values", seed_values, "limit truncates the list (2.51)", "2.51");
    Exchange e = Req("GET", "/api/v1/label/pod/values",
                     with({{"match[]", "pc_hc_requests_total"}, {"limit", "5"}}), NormalizeMode::kStringSet);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}, {"result_count", 5}});
    e.expect_v3_source = "seed 003 ラベル値のクエリ: limit=<number> is the maximum number returned";
    c.exchanges.push_back(std::move(e));
  }

  const std::string seed_ex = "003 エグザンプルのクエリ (GET|POST /api/v1/query_exemplars)";
  auto ex = [&](const std::string& title, Exchange e) {
    a.New("api/exemplars", seed_ex, title).exchanges.push_back(std::move(e));
  };
  ex("a selector", Req("GET", "/api/v1/query_exemplars", with({{"query", "pc_http_requests_total"}}),
                       NormalizeMode::kExact));
  ex("POST form",
     Req("POST", "/api/v1/query_exemplars", with({{"query", "pc_up"}}), NormalizeMode::kExact, true));
  ex("a query without selectors",
     Req("GET", "/api/v1/query_exemplars", with({{"query", "1"}}), NormalizeMode::kEnvelope));
  ex("parse error: 400",
     Req("GET", "/api/v1/query_exemplars", with({{"query", "pc_up{"}}), NormalizeMode::kEnvelope));
  ex("end before start: 400",
     Req("GET", "/api/v1/query_exemplars", {{"query", "pc_up"}, {"start", kEnd}, {"end", kStart}},
         NormalizeMode::kEnvelope));

  const std::string seed_fmt = "003 クエリ式のフォーマット (GET|POST /api/v1/format_query)";
  auto fmt = [&](const std::string& q, bool post = false) {
    a.New("api/format_query", seed_fmt, "format " + q)
        .exchanges.push_back(
            Req(post ? "POST" : "GET", "/api/v1/format_query", {{"query", q}}, NormalizeMode::kExact, post));
  };
  fmt("foo/bar");
  fmt("sum by(job)(rate(pc_http_requests_total[5m]))", true);
  fmt("pc_up{job=\"api\",instance=~\"h.*\"} offset 5m");
  fmt("# comment\nvector(1) # another");
  fmt("histogram_quantile(0.9, sum by (le, job, instance, method, code, some_long_label_name) "
      "(rate(pc_request_duration_seconds_bucket[5m])))");
  fmt("1 + 2 * 3 ^ 4");
  fmt("sum(");
  fmt("");

  const std::string seed_parse = "003 クエリ式のフォーマット: GET|POST /api/v1/parse_query (3.0)";
  {
    Case& c = a.New("api/parse_query", seed_parse, "parse_query returns the AST (3.0)", "3.0");
    Exchange e = Req("GET", "/api/v1/parse_query", {{"query", "sum(pc_up)"}}, NormalizeMode::kEnvelope);
    e.expect_v3 = V3({{"http", 200}, {"status", "success"}});
    e.expect_v3_source = "seed 003: GET|POST /api/v1/parse_query";
    c.exchanges.push_back(std::move(e));
  }
}

void TargetsRulesStatus(Api& a) {
  auto one = [&](const std::string& cat, const std::string& seed, const std::string& title, Exchange e,
                 std::optional<json> v3 = std::nullopt, const std::string& v3_source = "",
                 const std::string& since = "2.0") {
    Case& c = a.New(cat, seed, title, since);
    if (v3) {
      e.expect_v3 = V3(*v3);
      e.expect_v3_source = v3_source;
    }
    c.exchanges.push_back(std::move(e));
  };
  const std::string seed_t = "003 ターゲット (GET /api/v1/targets)";
  const json v3_targets = {{"http", 200}, {"status", "success"}};
  const std::string v3_targets_src = "seed 003 ターゲット (3.x adds droppedTargetCounts)";
  one("api/targets", seed_t, "targets", Req("GET", "/api/v1/targets", {}, NormalizeMode::kExact), v3_targets,
      v3_targets_src);
  for (const char* state : {"active", "dropped", "any", "ACTIVE", "bogus"}) {
    one("api/targets", seed_t, std::string("targets?state=") + state,
        Req("GET", "/api/v1/targets", {{"state", state}}, NormalizeMode::kExact), v3_targets, v3_targets_src);
  }
  one("api/targets", seed_t, "targets?scrapePool=x",
      Req("GET", "/api/v1/targets", {{"scrapePool", "x"}}, NormalizeMode::kExact), v3_targets,
      v3_targets_src);
  one("api/targets", "003 ターゲットメタデータのクエリ (GET /api/v1/targets/metadata)", "targets/metadata",
      Req("GET", "/api/v1/targets/metadata", {{"metric", "pc_up"}}, NormalizeMode::kExact));
  one("api/targets", "003 ターゲットメタデータのクエリ (GET /api/v1/targets/metadata)",
      "targets/metadata with a bad limit: 400",
      Req("GET", "/api/v1/targets/metadata", {{"limit", "x"}}, NormalizeMode::kEnvelope));
  one("api/targets", "reference §2.3 (GET /api/v1/scrape_pools, 2.42)", "scrape_pools",
      Req("GET", "/api/v1/scrape_pools", {}, NormalizeMode::kExact), std::nullopt, "", "2.42");
  one("api/targets", "003 メトリクスメタデータのクエリ (GET /api/v1/metadata)",
      "metadata of a remote-written metric",
      Req("GET", "/api/v1/metadata", {{"metric", "pc_up"}}, NormalizeMode::kExact));
  one("api/targets", "003 メトリクスメタデータのクエリ (GET /api/v1/metadata)", "metadata with limit",
      Req("GET", "/api/v1/metadata", {{"limit", "1"}, {"metric", "pc_nonexistent_metric"}},
          NormalizeMode::kExact));
  one("api/targets", "003 メトリクスメタデータのクエリ (GET /api/v1/metadata)",
      "metadata with a bad limit: 400",
      Req("GET", "/api/v1/metadata", {{"limit", "many"}}, NormalizeMode::kEnvelope));
  one("api/targets", "003 Alertmanager (GET /api/v1/alertmanagers)", "alertmanagers",
      Req("GET", "/api/v1/alertmanagers", {}, NormalizeMode::kExact));

  const std::string seed_r = "003 ルール (GET /api/v1/rules)";
  one("api/rules", seed_r, "rules", Req("GET", "/api/v1/rules", {}, NormalizeMode::kExact));
  one("api/rules", seed_r, "rules?type=alert",
      Req("GET", "/api/v1/rules", {{"type", "alert"}}, NormalizeMode::kExact));
  one("api/rules", seed_r, "rules?type=record",
      Req("GET", "/api/v1/rules", {{"type", "record"}}, NormalizeMode::kExact));
  one("api/rules", seed_r, "rules?type=RECORD (case-insensitive)",
      Req("GET", "/api/v1/rules", {{"type", "RECORD"}}, NormalizeMode::kExact));
  one("api/rules", seed_r, "rules?type=bogus: 400",
      Req("GET", "/api/v1/rules", {{"type", "bogus"}}, NormalizeMode::kEnvelope));
  one("api/rules", "003 アラート (GET /api/v1/alerts)", "alerts",
      Req("GET", "/api/v1/alerts", {}, NormalizeMode::kExact));

  const std::string seed_s = "003 ステータス";
  const json v3_ok = {{"http", 200}, {"status", "success"}};
  one("api/status", seed_s + " 設定 (GET /api/v1/status/config)", "status/config",
      Req("GET", "/api/v1/status/config", {}, NormalizeMode::kKeys));
  one("api/status", seed_s + " フラグ (GET /api/v1/status/flags)", "status/flags",
      Req("GET", "/api/v1/status/flags", {}, NormalizeMode::kKeys), v3_ok,
      "seed 003 フラグ (the flag set differs between versions)");
  one("api/status", seed_s + " 実行時情報 (GET /api/v1/status/runtimeinfo)", "status/runtimeinfo",
      Req("GET", "/api/v1/status/runtimeinfo", {}, NormalizeMode::kKeys), v3_ok,
      "seed 003 実行時情報 (3.x adds hostname, serverTime, GOMEMLIMIT)");
  one("api/status", seed_s + " ビルド情報 (GET /api/v1/status/buildinfo)", "status/buildinfo",
      Req("GET", "/api/v1/status/buildinfo", {}, NormalizeMode::kKeys));
  one("api/status", seed_s + " TSDB統計 (GET /api/v1/status/tsdb)", "status/tsdb",
      Req("GET", "/api/v1/status/tsdb", {}, NormalizeMode::kKeys));
  one("api/status", seed_s + " WALリプレイ統計 (GET /api/v1/status/walreplay)", "status/walreplay",
      Req("GET", "/api/v1/status/walreplay", {}, NormalizeMode::kKeys));
  one("api/status", seed_s + " TSDBブロック (GET /api/v1/status/tsdb/blocks, 3.6)",
      "status/tsdb/blocks (3.6)", Req("GET", "/api/v1/status/tsdb/blocks", {}, NormalizeMode::kEnvelope),
      v3_ok, "seed 003 TSDBブロック", "3.6");
  one("api/status", "003 通知 (GET /api/v1/notifications, 3.0)", "notifications (3.0)",
      Req("GET", "/api/v1/notifications", {}, NormalizeMode::kEnvelope), v3_ok, "seed 003 アクティブな通知",
      "3.0");
}

void Transport(Api& a) {
  const std::string cat = "api/http";
  const std::string seed = "003 フォーマット概要 (envelope, status codes); reference §1.3-1.4, §2.9";
  auto one = [&](const std::string& title, Exchange e) {
    a.New(cat, seed, title).exchanges.push_back(std::move(e));
  };
  one("unknown API path: 404", Req("GET", "/api/v1/nonexistent", {}, NormalizeMode::kText));
  one("wrong method (PUT /api/v1/query): 405",
      Req("PUT", "/api/v1/query", {{"query", "1"}}, NormalizeMode::kText));
  one("OPTIONS preflight: 204", Req("OPTIONS", "/api/v1/query", {}, NormalizeMode::kText));
  {
    Exchange e =
        Req("GET", "/api/v1/query", {{"query", "vector(1)"}, {"time", kT}}, NormalizeMode::kEnvelope);
    e.request.headers = {{"Origin", "https://example.com"}};
    e.compare_headers = {"access-control-allow-origin"};
    one("CORS: Access-Control-Allow-Origin for a request with Origin", std::move(e));
  }
  {
    Exchange e = Req("GET", "/api/v1/query", {{"query", "vector(1)"}, {"time", kT}}, NormalizeMode::kText);
    e.request.headers = {{"Accept-Encoding", "gzip"}};
    e.compare_headers = {"content-encoding"};
    one("gzip when the client accepts it", std::move(e));
  }
  one("/-/healthy", Req("GET", "/-/healthy", {}, NormalizeMode::kText));
  one("/-/ready", Req("GET", "/-/ready", {}, NormalizeMode::kText));
  one("GET /-/reload: 405", Req("GET", "/-/reload", {}, NormalizeMode::kText));
  one("GET /-/quit: 405", Req("GET", "/-/quit", {}, NormalizeMode::kText));
  one("/federate without match[]", Req("GET", "/federate", {}, NormalizeMode::kText));
  one("/federate?match[]=pc_up", Req("GET", "/federate", {{"match[]", "pc_up"}}, NormalizeMode::kText));
  one("/federate with a bad selector: 400",
      Req("GET", "/federate", {{"match[]", "pc_up{"}}, NormalizeMode::kText));
  one("/metrics", Req("GET", "/metrics", {}, NormalizeMode::kText));
  {
    // 500 until 3.11, 405 since 3.12: the 3.x fixtures follow the pinned 3.x.
    Case& c = a.New(cat, "reference §0.1, §12 (DELETE /api/v1/series: 500 until 3.11, removed in 3.12)",
                    "DELETE /api/v1/series");
    c.exchanges.push_back(Req("DELETE", "/api/v1/series", {{"match[]", "pc_up"}}, NormalizeMode::kText));
  }
}

}  // namespace

std::vector<Case> BuildApiSuite() {
  Api a;
  Query(a);
  QueryRange(a);
  Metadata(a);
  TargetsRulesStatus(a);
  Transport(a);
  return a.Take();
}

}  // namespace promconform
