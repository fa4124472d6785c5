// Remote-write receiver behaviour: valid requests are accepted and their data answers queries,
// malformed ones are rejected with a 4xx, stale markers end a series, out-of-order and
// duplicate samples are refused (a Prometheus TSDB rule; other stores differ, and that is what
// the report shows).
//
// A write is described in JSON (the runner encodes it):
//   {"protocol": "1.0" | "2.0",
//    "series": [{"labels": [[name, value], ...], "samples": [[t_ms_after_base, "1.5" | "NaN" |
//               "+Inf" | "stale"], ...]}],
//    "metadata": [{"type": 1, "family": "...", "help": "...", "unit": "..."}],   (1.0)
//    "body": "snappy" | "uncompressed" | "garbage_protobuf" | "empty",
//    "headers": {"Content-Type": "...", "Content-Encoding": ""}              ("" removes one)
//    "bad_label_ref": true}                                                  (2.0: a ref outside the symbols)
// 2.0 series may also hold "exemplars": [{"labels": [[name, value]], "value": "1", "t": ms}] and
// "metadata": {"type", "help", "unit"}; a sample [t, value, start_t] carries a start timestamp.
// A 2.0 request can instead be given as it travels, to send what a correct sender never would:
//   {"protocol": "2.0", "symbols": ["", ...], "series": [{"labels_refs": [1, 2], "help_ref": 0,
//    "unit_ref": 0, "type": 1, "samples": [...], "exemplars": [{"labels_refs": [...], ...}]}]}
// Each case writes its own `pcrw_` series, after the dataset's end, and reads them back.
// Writes answer with a status class (2xx/4xx/5xx); the exact code is shown, not compared. 2.0
// cases also compare the X-Prometheus-Remote-Write-*-Written headers: what was stored of a
// partially written request.
#include "suites/suite.h"

namespace promconform {
namespace {

using nlohmann::json;
using namespace suite_util;

constexpr int64_t kMin = 60000;
constexpr int64_t kT0 = 50 * kMin + 10000;  // the first write time, after the dataset's last sample
const std::string kSeed = "003 リモート書き込みレシーバー (POST /api/v1/write); reference §10.1";

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Points = std::vector<std::pair<int64_t, std::string>>;

// [[name, value], ...] in the given order (nlohmann would read {{"a","b"}} as an object).
json LabelsJson(const Pairs& labels) {
  json a = json::array();
  for (const auto& [k, v] : labels) a.push_back(json::array({k, v}));
  return a;
}

json PointsJson(const Points& points) {
  json a = json::array();
  for (const auto& [t, v] : points) a.push_back(json::array({t, v}));
  return a;
}

json RawSeries(const Pairs& labels, const Points& samples) {
  json s = json::object();
  s["labels"] = LabelsJson(labels);
  s["samples"] = PointsJson(samples);
  return s;
}

json Series(const std::string& name, const Points& samples, Pairs extra_labels = {}) {
  Pairs labels = {{"__name__", name}};
  labels.insert(labels.end(), extra_labels.begin(), extra_labels.end());
  return RawSeries(labels, samples);
}

Exchange Write(json w, const std::string& name = "write") {
  Exchange e;
  e.name = name;
  e.request.method = "POST";
  if (!w.contains("protocol")) w["protocol"] = "1.0";
  e.request.write = std::move(w);
  e.mode = NormalizeMode::kRemoteWrite;
  return e;
}

Exchange Read(const std::string& expr, int64_t t_ms) {
  Exchange e = InstantExchange(expr, t_ms);
  e.name = "read " + expr + " at " + RelText(t_ms);
  e.retry_ms = 3000;  // some stores make written data visible after a moment
  return e;
}

json V3Status(int code) {
  return {{"partial", true}, {"http_class", std::to_string(code / 100) + "xx"}, {"http_info", code}};
}

const char* const kV2Source =
    "Prometheus 3.16 storage/remote/write_handler.go and client_golang exp/api/remote";
const std::string kV2ContentType = "application/x-protobuf;proto=io.prometheus.write.v2.Request";

// A remote-write 2.0 request whose *-Written response headers are compared, and whose exact
// status (3.16's, read from its source) is checked when 3.x fixtures are recorded.
Exchange WriteV2(json w, int code, const std::string& name = "write") {
  w["protocol"] = "2.0";
  Exchange e = Write(std::move(w), name);
  e.compare_headers = {"x-prometheus-remote-write-samples-written",
                       "x-prometheus-remote-write-histograms-written",
                       "x-prometheus-remote-write-exemplars-written"};
  e.expect_v3 = V3Status(code);
  e.expect_v3_source = kV2Source;
  return e;
}

Exchange Get(const std::string& path, Params params, NormalizeMode mode) {
  Exchange e;
  e.name = "GET " + path;
  e.request.path = path;
  e.request.params = std::move(params);
  e.mode = mode;
  e.retry_ms = 3000;
  return e;
}

class Rw {
 public:
  Case& New(const std::string& title, const std::string& since = "2.25") {
    Case c;
    c.category = "remote_write";
    c.id = CaseId("rw", title);
    c.seed = kSeed;
    c.since = since;
    c.title = title;
    c.serial = true;
    c.needs_remote_write = true;
    cases_.push_back(std::move(c));
    return cases_.back();
  }
  std::vector<Case> Take() { return std::move(cases_); }

 private:
  std::vector<Case> cases_;
};

// Remote write 2.0 as Prometheus 3.16's receiver answers it: a bad series is reported in a 400
// while the rest of the request is written (a partial write), and the *-Written headers say how
// much was stored. All since 3.0 (2.42 reads a 2.0 body as an empty 1.0 request).
//
// Symbol tables and refs.
void AddV2SymbolCases(Rw& r, int64_t t) {
  {
    Case& c =
        r.New("2.0: a label ref outside the symbols table is a 400; the other series are written", "3.0");
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_badref", {{t, "1"}}), Series("pcrw2_badref_ok", {{t, "2"}})}},
                 {"bad_label_ref", true}},
                400));
    c.exchanges.push_back(Read("{__name__=~\"pcrw2_badref.*\"}", t + 10000));
  }
  {
    Case& c = r.New("2.0: an odd number of label refs is a 400", "3.0");
    c.exchanges.push_back(
        WriteV2({{"symbols", {"", "__name__", "pcrw2_odd", "job"}},
                 {"series", {{{"labels_refs", {1, 2, 3}}, {"samples", PointsJson({{t, "1"}})}}}}},
                400));
  }
  {
    Case& c = r.New("2.0: an empty symbols table is a 400", "3.0");
    c.exchanges.push_back(
        WriteV2({{"symbols", json::array()},
                 {"series", {{{"labels_refs", {1, 2}}, {"samples", PointsJson({{t, "1"}})}}}}},
                400));
  }
  {
    // The spec asks for symbols[0] == ""; 3.16 does not check it (help and unit refs of 0 then
    // name the first symbol).
    Case& c = r.New("2.0: a symbols table whose first entry is not empty", "3.0");
    c.exchanges.push_back(
        WriteV2({{"symbols", {"__name__", "pcrw2_first_symbol", "job", "rw"}},
                 {"series", {{{"labels_refs", {0, 1, 2, 3}}, {"samples", PointsJson({{t, "1"}})}}}}},
                204));
    c.exchanges.push_back(Read("pcrw2_first_symbol", t + 10000));
  }
  {
    Case& c = r.New("2.0: a help ref outside the symbols table is a 400", "3.0");
    c.exchanges.push_back(WriteV2(
        {{"symbols", {"", "__name__", "pcrw2_bad_help"}},
         {"series",
          {{{"labels_refs", {1, 2}}, {"type", 2}, {"help_ref", 9}, {"samples", PointsJson({{t, "1"}})}}}}},
        400));
    c.exchanges.push_back(Read("pcrw2_bad_help", t + 10000));
  }
  {
    // 3.16 reads the exemplars after the samples are appended: the samples stay written.
    Case& c = r.New("2.0: an exemplar label ref outside the symbols table is a 400; the samples are written",
                    "3.0");
    json ex = {{"labels_refs", {3, 40}}, {"value", "1"}, {"t", t}};
    c.exchanges.push_back(WriteV2(
        {{"symbols", {"", "__name__", "pcrw2_bad_exemplar", "trace_id"}},
         {"series", {{{"labels_refs", {1, 2}}, {"samples", PointsJson({{t, "1"}})}, {"exemplars", {ex}}}}}},
        400));
    c.exchanges.push_back(Read("pcrw2_bad_exemplar", t + 10000));
  }
}

// How the Content-Type's proto= parameter picks the message, parsed as 3.16 parses it.
void AddV2ContentTypeCases(Rw& r, int64_t t) {
  {
    Case& c = r.New("2.0: Content-Type with an unknown proto= message is a 415", "3.0");
    c.exchanges.push_back(WriteV2(
        {{"series", {Series("pcrw2_proto_v3", {{t, "1"}})}},
         {"headers", {{"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v3.Request"}}}},
        415));
  }
  {
    Case& c = r.New("2.0: a Content-Type parameter without a value is a 415", "3.0");
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_param", {{t, "1"}})}},
                 {"headers",
                  {{"Content-Type", "application/x-protobuf;charset;proto=io.prometheus.write.v2.Request"}}}},
                415));
  }
  {
    // The 1.0 message has no fields 4 and 5: the request decodes as an empty 1.0 write.
    Case& c = r.New("2.0: a 2.0 body sent as proto=prometheus.WriteRequest writes nothing", "3.0");
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_as_v1", {{t, "1"}})}},
                 {"headers", {{"Content-Type", "application/x-protobuf;proto=prometheus.WriteRequest"}}}},
                204));
    c.exchanges.push_back(Read("pcrw2_as_v1", t + 10000));
  }
  {
    // Parameters are not trimmed: " proto" is not "proto", so the request is taken for 1.0.
    Case& c = r.New("2.0: a space after ';' in the Content-Type makes the request 1.0", "3.0");
    c.exchanges.push_back(WriteV2(
        {{"series", {Series("pcrw2_space", {{t, "1"}})}},
         {"headers", {{"Content-Type", "application/x-protobuf; proto=io.prometheus.write.v2.Request"}}}},
        204));
    c.exchanges.push_back(Read("pcrw2_space", t + 10000));
  }
  {
    // The 2.0 message reserves 1.0's fields: a 1.0 body decodes as an empty 2.0 request.
    Case& c = r.New("2.0: a 1.0 body sent with the 2.0 Content-Type writes nothing", "3.0");
    Exchange w = WriteV2(
        {{"series", {Series("pcrw2_v1_body", {{t, "1"}})}}, {"headers", {{"Content-Type", kV2ContentType}}}},
        204);
    w.request.write->at("protocol") = "1.0";
    c.exchanges.push_back(std::move(w));
    c.exchanges.push_back(Read("pcrw2_v1_body", t + 10000));
  }
  {
    Case& c = r.New("2.0: a body that is not a protobuf Request is a 400", "3.0");
    c.exchanges.push_back(WriteV2({{"series", json::array()}, {"body", "garbage_protobuf"}}, 400));
  }
}

// Label sets that 2.0 refuses, series by series, where 1.0 skipped them silently.
void AddV2SeriesCases(Rw& r, int64_t t) {
  {
    Case& c = r.New("2.0: a series without a metric name is a 400 (1.0 skips it)", "3.0");
    c.exchanges.push_back(WriteV2({{"series", {RawSeries({{"job", "pcrw2_noname"}}, {{t, "1"}})}}}, 400));
    c.exchanges.push_back(Read("{job=\"pcrw2_noname\"}", t + 10000));
  }
  {
    Case& c = r.New("2.0: a label name given twice is a 400", "3.0");
    json s = RawSeries({{"__name__", "pcrw2_dup_label"}, {"a", "1"}, {"a", "2"}}, {{t, "1"}});
    c.exchanges.push_back(WriteV2({{"series", {s}}}, 400));
    c.exchanges.push_back(Read("pcrw2_dup_label", t + 10000));
  }
  {
    Case& c = r.New("2.0: a series without samples (metadata only) is a 400", "3.0");
    json s = Series("pcrw2_no_samples", {});
    s["metadata"] = {{"type", 2}, {"help", "No samples."}, {"unit", ""}};
    c.exchanges.push_back(WriteV2({{"series", {s}}}, 400));
  }
  {
    Case& c = r.New("2.0: a request mixing valid and invalid series writes the valid ones", "3.0");
    json dup = RawSeries({{"__name__", "pcrw2_mixed_bad"}, {"x", "1"}, {"x", "2"}}, {{t, "3"}});
    c.exchanges.push_back(WriteV2({{"series",
                                    {Series("pcrw2_mixed", {{t, "1"}, {t + 15000, "2"}}, {{"i", "a"}}),
                                     RawSeries({{"i", "pcrw2_mixed_noname"}}, {{t, "9"}}),
                                     Series("pcrw2_mixed", {{t, "5"}}, {{"i", "b"}}), dup}}},
                                  400));
    c.exchanges.push_back(Read("pcrw2_mixed", t + 20000));
    c.exchanges.push_back(
        Read("count({__name__=~\"pcrw2_mixed.*\"} or {i=\"pcrw2_mixed_noname\"})", t + 20000));
  }
}

// The TSDB's append rules, reported per sample in a 2.0 answer.
void AddV2SampleCases(Rw& r, int64_t t) {
  {
    Case& c = r.New("2.0: an out-of-order sample is a 400; the rest of the request is written", "3.0");
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_ooo", {{t + 40000, "2"}})}}}, 204, "write newer"));
    c.exchanges.push_back(WriteV2({{"series",
                                    {Series("pcrw2_ooo", {{t + 20000, "1"}, {t + 50000, "3"}}),
                                     Series("pcrw2_ooo_other", {{t + 20000, "4"}})}}},
                                  400, "write older, newer and another series"));
    c.exchanges.push_back(Read("count_over_time(pcrw2_ooo[2m])", t + 55000));
    c.exchanges.push_back(Read("pcrw2_ooo_other", t + 25000));
  }
  {
    // Checked against the stored data only: within one request the TSDB drops the older one at
    // commit, after the headers were counted.
    Case& c = r.New("2.0: samples out of order within one request", "3.0");
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_ooo_within", {{t + 40000, "2"}, {t + 20000, "1"}})}}}, 204));
    c.exchanges.push_back(Read("count_over_time(pcrw2_ooo_within[2m])", t + 50000));
  }
  {
    Case& c =
        r.New("2.0: a duplicate timestamp with another value is a 400; the same value is written", "3.0");
    c.exchanges.push_back(WriteV2({{"series", {Series("pcrw2_dup", {{t, "1"}})}}}, 204));
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_dup", {{t, "2"}})}}}, 400, "write again, other value"));
    c.exchanges.push_back(
        WriteV2({{"series", {Series("pcrw2_dup", {{t, "1"}})}}}, 204, "write again, same value"));
    c.exchanges.push_back(Read("pcrw2_dup", t + 10000));
  }
  {
    Case& c = r.New("2.0: a sample far older than the newest data is a 400", "3.0");
    c.exchanges.push_back(WriteV2({{"series", {Series("pcrw2_old", {{t - 3 * 3600 * 1000, "1"}})}}}, 400));
  }
}

// What 2.0 carries beside samples: metadata, exemplars, start timestamps.
void AddV2MetadataCases(Rw& r, int64_t t) {
  const Pairs job = {{"job", "rw"}};
  {
    Case& c = r.New("2.0: metadata is accepted; /api/v1/metadata lists scraped metadata only", "3.0");
    json s = Series("pcrw2_meta_total", {{t, "1"}}, job);
    s["metadata"] = {{"type", 1}, {"help", "Requests handled."}, {"unit", "requests"}};
    c.exchanges.push_back(WriteV2({{"series", {s}}}, 204));
    c.exchanges.push_back(Read("pcrw2_meta_total", t + 10000));
    c.exchanges.push_back(Get("/api/v1/metadata", {{"metric", "pcrw2_meta_total"}}, NormalizeMode::kExact));
  }
  {
    Case& c = r.New("2.0: exemplars are counted in Exemplars-Written", "3.0");
    json s = Series("pcrw2_exemplar_total", {{t, "1"}}, job);
    s["exemplars"] = {{{"labels", LabelsJson({{"trace_id", "abc"}})}, {"value", "1"}, {"t", t}}};
    c.exchanges.push_back(WriteV2({{"series", {s}}}, 204));
    c.exchanges.push_back(Read("pcrw2_exemplar_total", t + 10000));
    c.exchanges.push_back(
        Get("/api/v1/query_exemplars",
            {{"query", "pcrw2_exemplar_total"}, {"start", RelTime(t - 60000)}, {"end", RelTime(t + 60000)}},
            NormalizeMode::kExact));
  }
  {
    // Start (created) timestamps are stored only with a feature flag; by default they are ignored.
    Case& c = r.New("2.0: a sample with a start timestamp", "3.0");
    json s = Series("pcrw2_start_total", {});
    s["samples"] = {{t, "5", t - 60000}};
    c.exchanges.push_back(WriteV2({{"series", {s}}}, 204));
    c.exchanges.push_back(Read("count_over_time(pcrw2_start_total[5m])", t + 10000));
  }
}

void AddV2Cases(Rw& r, int64_t t) {
  AddV2SymbolCases(r, t);
  AddV2ContentTypeCases(r, t);
  AddV2SeriesCases(r, t);
  AddV2SampleCases(r, t);
  AddV2MetadataCases(r, t);
}

}  // namespace

std::vector<Case> BuildRemoteWriteSuite() {
  Rw r;
  const int64_t t = kT0;
  {
    Case& c = r.New("a valid sample is accepted and answers queries");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_valid", {{t, "42"}}, {{"job", "rw"}})}}}));
    c.exchanges.push_back(Read("pcrw_valid", t + 20000));
  }
  {
    Case& c = r.New("several series and samples in one request");
    c.exchanges.push_back(
        Write({{"series",
                {Series("pcrw_multi", {{t, "1"}, {t + 15000, "2"}, {t + 30000, "3"}}, {{"i", "a"}}),
                 Series("pcrw_multi", {{t + 1000, "10"}, {t + 16000, "20"}}, {{"i", "b"}}),
                 Series("pcrw_multi_other", {{t + 2000, "7"}})}}}));
    c.exchanges.push_back(Read("pcrw_multi", t + 40000));
    c.exchanges.push_back(Read("count_over_time(pcrw_multi[1m])", t + 40000));
    c.exchanges.push_back(Read("pcrw_multi_other", t + 40000));
  }
  {
    Case& c = r.New("labels in any order are sorted by the receiver");
    json s = RawSeries({{"zeta", "z"}, {"__name__", "pcrw_unsorted"}, {"alpha", "a"}}, {{t, "5"}});
    c.exchanges.push_back(Write({{"series", {s}}}));
    c.exchanges.push_back(Read("pcrw_unsorted", t + 20000));
  }
  {
    Case& c = r.New("label values with escapes and UTF-8");
    c.exchanges.push_back(Write({{"series",
                                  {Series("pcrw_text", {{t, "1"}}, {{"v", "a\"b\\c"}}),
                                   Series("pcrw_text", {{t, "2"}}, {{"v", "日本語 ✓"}})}}}));
    c.exchanges.push_back(Read("pcrw_text", t + 20000));
  }
  {
    Case& c = r.New("special values: NaN, +Inf, -Inf");
    c.exchanges.push_back(Write({{"series",
                                  {Series("pcrw_special", {{t, "NaN"}}, {{"v", "nan"}}),
                                   Series("pcrw_special", {{t, "+Inf"}}, {{"v", "inf"}}),
                                   Series("pcrw_special", {{t, "-Inf"}}, {{"v", "-inf"}}),
                                   Series("pcrw_special", {{t, "-0"}}, {{"v", "-0"}})}}}));
    c.exchanges.push_back(Read("pcrw_special", t + 20000));
  }
  {
    Case& c = r.New("a stale marker ends the series");
    c.exchanges.push_back(
        Write({{"series", {Series("pcrw_stale", {{t, "1"}, {t + 10000, "2"}, {t + 20000, "stale"}})}}}));
    c.exchanges.push_back(Read("pcrw_stale", t + 15000));
    c.exchanges.push_back(Read("pcrw_stale", t + 25000));
    c.exchanges.push_back(Read("count_over_time(pcrw_stale[1m])", t + 25000));
  }
  {
    Case& c = r.New("a series resumes after a stale marker");
    c.exchanges.push_back(
        Write({{"series", {Series("pcrw_resume", {{t, "1"}, {t + 10000, "stale"}, {t + 20000, "3"}})}}}));
    c.exchanges.push_back(Read("pcrw_resume", t + 15000));
    c.exchanges.push_back(Read("pcrw_resume", t + 25000));
  }
  {
    Case& c = r.New("an out-of-order sample is rejected");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_ooo", {{t + 40000, "2"}})}}}, "write newer"));
    c.exchanges.push_back(Write({{"series", {Series("pcrw_ooo", {{t + 20000, "1"}})}}}, "write older"));
    c.exchanges.push_back(Read("count_over_time(pcrw_ooo[2m])", t + 50000));
  }
  {
    Case& c = r.New("a duplicate timestamp with another value is rejected");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_dup", {{t, "1"}})}}}, "write"));
    c.exchanges.push_back(Write({{"series", {Series("pcrw_dup", {{t, "2"}})}}}, "write again, other value"));
    c.exchanges.push_back(Read("pcrw_dup", t + 10000));
  }
  {
    Case& c = r.New("the same sample written twice is accepted");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_same", {{t, "1"}})}}}, "write"));
    c.exchanges.push_back(Write({{"series", {Series("pcrw_same", {{t, "1"}})}}}, "write again"));
    c.exchanges.push_back(Read("count_over_time(pcrw_same[1m])", t + 10000));
  }
  {
    Case& c = r.New("a sample far older than the newest data is rejected");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_old", {{t, "1"}})}}}, "write recent"));
    c.exchanges.push_back(
        Write({{"series", {Series("pcrw_old", {{t - 3 * 3600 * 1000, "1"}})}}}, "write 3 h older"));
  }
  {
    Case& c = r.New("an empty request is accepted");
    c.exchanges.push_back(Write({{"series", json::array()}}));
  }
  {
    Case& c = r.New("metadata without samples is accepted");
    c.exchanges.push_back(
        Write({{"series", json::array()},
               {"metadata", {{{"type", 2}, {"family", "pcrw_meta"}, {"help", "Help."}, {"unit", ""}}}}}));
  }
  {
    Case& c = r.New("a series without a metric name (skipped since 3.0)");
    json s = RawSeries({{"job", "rw"}}, {{t, "1"}});
    c.exchanges.push_back(Write({{"series", {s}}}));
    Exchange read = Read("{job=\"rw\",__name__=\"\"}", t + 10000);
    read.expect_v3 = {{"partial", true}, {"http", 200}, {"status", "success"}, {"result_count", 0}};
    read.expect_v3_source = "reference §10.1: 3.x skips a series with invalid labels (no __name__) silently";
    c.exchanges.push_back(std::move(read));
  }
  {
    Case& c = r.New("a series with an empty label value");
    json s = RawSeries({{"__name__", "pcrw_empty_value"}, {"a", ""}}, {{t, "1"}});
    c.exchanges.push_back(Write({{"series", {s}}}));
    c.exchanges.push_back(Read("pcrw_empty_value", t + 10000));
  }
  {
    Case& c = r.New("a body that is not Snappy-compressed is rejected");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_raw", {{t, "1"}})}}, {"body", "uncompressed"}}));
    c.exchanges.push_back(Read("pcrw_raw", t + 10000));
  }
  {
    Case& c = r.New("a body that is not a protobuf WriteRequest is rejected");
    c.exchanges.push_back(Write({{"series", json::array()}, {"body", "garbage_protobuf"}}));
  }
  {
    Case& c = r.New("an empty body");
    c.exchanges.push_back(Write({{"series", json::array()}, {"body", "empty"}}));
  }
  {
    Case& c = r.New("no version header");
    c.exchanges.push_back(Write({{"series", {Series("pcrw_noversion", {{t, "1"}})}},
                                 {"headers", {{"X-Prometheus-Remote-Write-Version", ""}}}}));
    c.exchanges.push_back(Read("pcrw_noversion", t + 10000));
  }
  {
    Case& c = r.New("Content-Type application/json (415 since 3.0)", "3.0");
    Exchange w = Write({{"series", {Series("pcrw_json_type", {{t, "1"}})}},
                        {"headers", {{"Content-Type", "application/json"}}}});
    w.expect_v3 = V3Status(415);
    w.expect_v3_source =
        "reference §10.1/§12: 3.x answers 415 unless the media type is application/x-protobuf";
    c.exchanges.push_back(std::move(w));
  }
  {
    Case& c = r.New("Content-Encoding gzip (415 since 3.0)", "3.0");
    Exchange w =
        Write({{"series", {Series("pcrw_gzip", {{t, "1"}})}}, {"headers", {{"Content-Encoding", "gzip"}}}});
    w.expect_v3 = V3Status(415);
    w.expect_v3_source = "reference §10.1/§12: 3.x answers 415 unless Content-Encoding is empty or snappy";
    c.exchanges.push_back(std::move(w));
  }
  {
    // Recorded from Prometheus 3.16, whose receiver accepts 2.0 by default (reference §10.1
    // says 1.0 only by default; 3.16's --web.remote-write-receiver.accepted-protobuf-messages
    // defaults to both). A receiver configured for 1.0 only answers 415.
    Case& c = r.New("a remote-write 2.0 request to a receiver in its default configuration", "3.0");
    c.exchanges.push_back(Write({{"protocol", "2.0"}, {"series", {Series("pcrw_v2", {{t, "1"}})}}}));
    c.exchanges.push_back(Read("pcrw_v2", t + 10000));
  }
  AddV2Cases(r, t);
  {
    Case& c = r.New("delete_series removes written data (admin API)");
    c.category = "api/admin";
    c.seed = "003 シリーズの削除 (POST /api/v1/admin/tsdb/delete_series)";
    c.exchanges.push_back(Write({{"series", {Series("pcrw_delete_me", {{t, "1"}, {t + 10000, "2"}})}}}));
    c.exchanges.push_back(Read("pcrw_delete_me", t + 20000));
    Exchange del;
    del.name = "delete";
    del.request.method = "POST";
    del.request.path = "/api/v1/admin/tsdb/delete_series";
    del.request.params = {{"match[]", "pcrw_delete_me"}};
    del.request.form = true;
    del.mode = NormalizeMode::kText;
    c.exchanges.push_back(std::move(del));
    Exchange after = Read("pcrw_delete_me", t + 20000);
    after.name = "read after delete";
    c.exchanges.push_back(std::move(after));
  }
  {
    Case& c = r.New("admin API: delete_series without match[] is a 400");
    c.category = "api/admin";
    c.needs_remote_write = false;
    c.seed = "003 シリーズの削除 (POST /api/v1/admin/tsdb/delete_series)";
    Exchange del;
    del.name = "delete";
    del.request.method = "POST";
    del.request.path = "/api/v1/admin/tsdb/delete_series";
    del.mode = NormalizeMode::kEnvelope;
    c.exchanges.push_back(std::move(del));
  }
  {
    Case& c = r.New("admin API: clean_tombstones");
    c.category = "api/admin";
    c.needs_remote_write = false;
    c.seed = "003 Tombstonesのクリーンアップ (POST /api/v1/admin/tsdb/clean_tombstones)";
    Exchange e;
    e.name = "clean_tombstones";
    e.request.method = "POST";
    e.request.path = "/api/v1/admin/tsdb/clean_tombstones";
    e.mode = NormalizeMode::kText;
    c.exchanges.push_back(std::move(e));
  }
  {
    Case& c = r.New("admin API: snapshot");
    c.category = "api/admin";
    c.needs_remote_write = false;
    c.seed = "003 スナップショット (POST /api/v1/admin/tsdb/snapshot)";
    Exchange e;
    e.name = "snapshot";
    e.request.method = "POST";
    e.request.path = "/api/v1/admin/tsdb/snapshot";
    e.request.params = {{"skip_head", "true"}};
    e.mode = NormalizeMode::kKeys;
    c.exchanges.push_back(std::move(e));
  }
  return r.Take();
}

}  // namespace promconform
