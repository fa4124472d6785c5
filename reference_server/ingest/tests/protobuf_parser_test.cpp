// The protobuf exposition parser: bodies of delimited MetricFamily messages built with the
// generated classes (or by hand where the generated code cannot write them), parsed into
// entries. Every expectation was confirmed against Prometheus 3.16's textparse.ProtobufParser
// driven as its scrape loop drives it (Series/Histogram, Labels, Exemplar until false,
// StartTimestamp); the bodies can be written out for such a check by setting
// PROMREF_PROTO_BODIES_OUT to a file name (one hex body per line, in case order).
#include "ingest/protobuf_parser.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ingest/tests/render.h"
#include "metrics.pb.h"
#include "model/text_encoding.h"

namespace promref::ingest {
namespace {

namespace pb = io::prometheus::client;
using testing::Lines;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

// A body: each message preceded by its length.
std::string Delimited(const std::vector<pb::MetricFamily>& families) {
  std::string out;
  for (const pb::MetricFamily& f : families) {
    const std::string bytes = f.SerializeAsString();
    out += Varint(bytes.size()) + bytes;
  }
  return out;
}
// Bytes of a string literal, NULs included.
template <size_t N>
std::string Raw(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// A body of one message given as raw bytes.
std::string DelimitedRaw(std::string_view message) {
  return Varint(message.size()) + std::string(message);
}

pb::MetricFamily Family(std::string_view name, pb::MetricType type, std::string_view help = "") {
  pb::MetricFamily f;
  f.set_name(std::string(name));
  f.set_type(type);
  if (!help.empty()) f.set_help(std::string(help));
  return f;
}

pb::Metric* AddMetric(pb::MetricFamily* f, std::vector<std::pair<std::string, std::string>> labels = {}) {
  pb::Metric* m = f->add_metric();
  for (const auto& [name, value] : labels) {
    pb::LabelPair* l = m->add_label();
    l->set_name(name);
    l->set_value(value);
  }
  return m;
}

void SetExemplar(pb::Exemplar* e, std::string_view trace, double value, std::optional<int64_t> seconds = {},
                 int32_t nanos = 0) {
  pb::LabelPair* l = e->add_label();
  l->set_name("trace_id");
  l->set_value(std::string(trace));
  e->set_value(value);
  if (seconds) {
    e->mutable_timestamp()->set_seconds(*seconds);
    e->mutable_timestamp()->set_nanos(nanos);
  }
}

void AddSpan(google::protobuf::RepeatedPtrField<pb::BucketSpan>* spans, int32_t offset, uint32_t length) {
  pb::BucketSpan* s = spans->Add();
  s->set_offset(offset);
  s->set_length(length);
}

void AddBucket(pb::Histogram* h, double upper_bound, uint64_t cumulative_count) {
  pb::Bucket* b = h->add_bucket();
  b->set_upper_bound(upper_bound);
  b->set_cumulative_count(cumulative_count);
}

// An integer native histogram: 2 buckets at index 0 and 1 of schema 1, one at index -1 of the
// negative side, 1 observation in the zero bucket.
void SetNativeInt(pb::Histogram* h) {
  h->set_sample_count(6);
  h->set_sample_sum(1.5);
  h->set_schema(1);
  h->set_zero_threshold(0.001);
  h->set_zero_count(1);
  AddSpan(h->mutable_positive_span(), 0, 2);
  h->add_positive_delta(2);
  h->add_positive_delta(-1);
  AddSpan(h->mutable_negative_span(), -1, 1);
  h->add_negative_delta(2);
}

struct Case {
  std::string_view name;
  std::function<std::string()> body;
  std::vector<std::string_view> want;
  ProtobufOptions options = {};
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string out;
  for (char c : info.param.name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"counter with metadata, labels, timestamp, exemplar and created timestamp",
       [] {
         pb::MetricFamily f = Family("http_requests_total", pb::COUNTER, "Requests.");
         f.set_unit("requests");
         pb::Metric* m = AddMetric(&f, {{"path", "/"}, {"code", "200"}});
         m->mutable_counter()->set_value(1027);
         m->set_timestamp_ms(1700000000123);
         SetExemplar(m->mutable_counter()->mutable_exemplar(), "abc", 1, 1700000000, 500'000'000);
         m->mutable_counter()->mutable_created_timestamp()->set_seconds(1600000000);
         m->mutable_counter()->mutable_created_timestamp()->set_nanos(7'000'000);
         AddMetric(&f, {{"path", "/x"}})->mutable_counter()->set_value(3);
         return Delimited({f});
       },
       {R"(HELP "http_requests_total" "Requests.")", R"(UNIT "http_requests_total" "requests")",
        R"(TYPE "http_requests_total" counter)",
        R"(SERIES {__name__="http_requests_total", code="200", path="/"} 1027 @1700000000123 # {trace_id="abc"} 1 @1700000000500 st=1600000000007)",
        R"(SERIES {__name__="http_requests_total", path="/x"} 3)"}},
      {"gauge and untyped, empty label values dropped, help always given",
       [] {
         pb::MetricFamily g = Family("temp", pb::GAUGE);
         AddMetric(&g, {{"room", "a"}, {"empty", ""}})->mutable_gauge()->set_value(-2.5);
         pb::MetricFamily u = Family("weird", pb::UNTYPED, "Some help\nwith \\ escapes");
         AddMetric(&u)->mutable_untyped()->set_value(kInf);
         return Delimited({g, u});
       },
       {R"(HELP "temp" "")", R"(TYPE "temp" gauge)", R"(SERIES {__name__="temp", room="a"} -2.5)",
        R"(HELP "weird" "Some help\nwith \\ escapes")", R"(TYPE "weird" unknown)",
        R"(SERIES {__name__="weird"} +Inf)"}},
      {"an untyped metric without a value keeps the last one read",
       [] {
         pb::MetricFamily u = Family("u", pb::UNTYPED);
         AddMetric(&u, {{"i", "1"}})->mutable_untyped()->set_value(5);
         AddMetric(&u, {{"i", "2"}});
         pb::MetricFamily g = Family("g", pb::GAUGE);
         AddMetric(&g)->mutable_gauge()->set_value(7);
         AddMetric(&g, {{"i", "2"}});
         return Delimited({u, g});
       },
       {R"(HELP "u" "")", R"(TYPE "u" unknown)", R"(SERIES {__name__="u", i="1"} 5)",
        R"(SERIES {__name__="u", i="2"} 5)", R"(HELP "g" "")", R"(TYPE "g" gauge)",
        R"(SERIES {__name__="g"} 7)", R"(SERIES {__name__="g", i="2"} 0)"}},
      {"summary: count, sum, quantiles; created timestamp on each",
       [] {
         pb::MetricFamily f = Family("rpc_seconds", pb::SUMMARY);
         pb::Summary* s = AddMetric(&f, {{"svc", "a"}})->mutable_summary();
         s->set_sample_count(10);
         s->set_sample_sum(4.5);
         for (auto [q, v] : {std::pair{0.5, 0.3}, std::pair{0.99, 1.2}, std::pair{1.0, 2.0}}) {
           pb::Quantile* qq = s->add_quantile();
           qq->set_quantile(q);
           qq->set_value(v);
         }
         s->mutable_created_timestamp()->set_seconds(5);
         pb::Summary* empty = AddMetric(&f, {{"svc", "b"}})->mutable_summary();
         empty->set_sample_count(1);
         empty->set_sample_sum(2);
         return Delimited({f});
       },
       {R"(HELP "rpc_seconds" "")", R"(TYPE "rpc_seconds" summary)",
        R"(SERIES {__name__="rpc_seconds_count", svc="a"} 10 st=5000)",
        R"(SERIES {__name__="rpc_seconds_sum", svc="a"} 4.5 st=5000)",
        R"(SERIES {__name__="rpc_seconds", quantile="0.5", svc="a"} 0.3 st=5000)",
        R"(SERIES {__name__="rpc_seconds", quantile="0.99", svc="a"} 1.2 st=5000)",
        R"(SERIES {__name__="rpc_seconds", quantile="1.0", svc="a"} 2 st=5000)",
        R"(SERIES {__name__="rpc_seconds_count", svc="b"} 1)",
        R"(SERIES {__name__="rpc_seconds_sum", svc="b"} 2)"}},
      {"classic histogram: +Inf added, bucket exemplars taken with or without timestamp",
       [] {
         pb::MetricFamily f = Family("lat", pb::HISTOGRAM);
         pb::Metric* m = AddMetric(&f);
         pb::Histogram* h = m->mutable_histogram();
         h->set_sample_count(5);
         h->set_sample_sum(3.25);
         AddBucket(h, 0.1, 1);
         AddBucket(h, 1, 4);
         SetExemplar(h->mutable_bucket(0)->mutable_exemplar(), "t0", 0.05);
         SetExemplar(h->mutable_bucket(1)->mutable_exemplar(), "t1", 0.7, 10);
         h->mutable_created_timestamp()->set_seconds(1);
         m->set_timestamp_ms(2000);
         return Delimited({f});
       },
       {R"(HELP "lat" "")", R"(TYPE "lat" histogram)", R"(SERIES {__name__="lat_count"} 5 @2000 st=1000)",
        R"(SERIES {__name__="lat_sum"} 3.25 @2000 st=1000)",
        R"(SERIES {__name__="lat_bucket", le="0.1"} 1 @2000 # {trace_id="t0"} 0.05 st=1000)",
        R"(SERIES {__name__="lat_bucket", le="1.0"} 4 @2000 # {trace_id="t1"} 0.7 @10000 st=1000)",
        R"(SERIES {__name__="lat_bucket", le="+Inf"} 5 @2000 st=1000)"}},
      {"classic histogram: float counts, buckets after +Inf ignored, gauge histogram",
       [] {
         pb::MetricFamily f = Family("fh", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         h->set_sample_count(9);
         h->set_sample_count_float(2.5);
         AddBucket(h, -1, 1);
         h->mutable_bucket(0)->set_cumulative_count_float(0.5);
         AddBucket(h, kInf, 2);
         AddBucket(h, 100, 3);
         pb::MetricFamily g = Family("gh", pb::GAUGE_HISTOGRAM);
         pb::Histogram* gh = AddMetric(&g)->mutable_histogram();
         gh->set_sample_count(1);
         AddBucket(gh, 2, 1);
         return Delimited({f, g});
       },
       {R"(HELP "fh" "")", R"(TYPE "fh" histogram)", R"(SERIES {__name__="fh_count"} 2.5)",
        R"(SERIES {__name__="fh_sum"} 0)", R"(SERIES {__name__="fh_bucket", le="-1.0"} 0.5)",
        R"(SERIES {__name__="fh_bucket", le="+Inf"} 2)", R"(HELP "gh" "")", R"(TYPE "gh" gaugehistogram)",
        R"(SERIES {__name__="gh_count"} 1)", R"(SERIES {__name__="gh_sum"} 0)",
        R"(SERIES {__name__="gh_bucket", le="2.0"} 1)", R"(SERIES {__name__="gh_bucket", le="+Inf"} 1)"}},
      {"native integer histogram with exemplars (those without timestamp dropped)",
       [] {
         pb::MetricFamily f = Family("nh", pb::HISTOGRAM);
         pb::Metric* m = AddMetric(&f, {{"job", "x"}});
         pb::Histogram* h = m->mutable_histogram();
         SetNativeInt(h);
         SetExemplar(h->add_exemplars(), "e1", 0.5, 100);
         SetExemplar(h->add_exemplars(), "e2", 0.6);
         SetExemplar(h->add_exemplars(), "e3", -0.7, 101, 250'000'000);
         h->mutable_created_timestamp()->set_seconds(50);
         m->set_timestamp_ms(123);
         return Delimited({f});
       },
       {R"(HELP "nh" "")", R"(TYPE "nh" histogram)",
        R"(SERIES {__name__="nh", job="x"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}} @123 # {trace_id="e1"} 0.5 @100000 # {trace_id="e3"} -0.7 @101250 st=50000)"}},
      {"native float histogram, gauge histogram, compacted",
       [] {
         pb::MetricFamily f = Family("nf", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         h->set_sample_count_float(4.5);
         h->set_sample_sum(-3);
         h->set_schema(-2);
         AddSpan(h->mutable_positive_span(), 2, 3);
         AddSpan(h->mutable_positive_span(), 0, 1);
         AddSpan(h->mutable_positive_span(), 3, 0);
         AddSpan(h->mutable_positive_span(), 1, 2);
         for (double c : {0.0, 1.5, 0.0, 2.0, 0.5, 0.0}) h->add_positive_count(c);
         pb::MetricFamily g = Family("ng", pb::GAUGE_HISTOGRAM);
         pb::Histogram* gh = AddMetric(&g)->mutable_histogram();
         SetNativeInt(gh);
         return Delimited({f, g});
       },
       {R"(HELP "nf" "")", R"(TYPE "nf" histogram)",
        R"(SERIES {__name__="nf"} H{float schema=-2 zt=0 zc=0 count=4.5 sum=-3 +[3:1 1:1 4:1]{1.5,2,0.5} -[]{}})",
        R"(HELP "ng" "")", R"(TYPE "ng" gaugehistogram)",
        R"(SERIES {__name__="ng"} H{int gauge schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}})"}},
      {"what makes a histogram native: spans, zero threshold or integer zero count",
       [] {
         pb::MetricFamily f = Family("k", pb::HISTOGRAM);
         AddSpan(AddMetric(&f, {{"i", "span"}})->mutable_histogram()->mutable_positive_span(), 0, 0);
         AddMetric(&f, {{"i", "zt"}})->mutable_histogram()->set_zero_threshold(0.5);
         AddMetric(&f, {{"i", "zc"}})->mutable_histogram()->set_zero_count(2);
         AddMetric(&f, {{"i", "zcf"}})->mutable_histogram()->set_zero_count_float(2);
         return Delimited({f});
       },
       {R"(HELP "k" "")", R"(TYPE "k" histogram)",
        R"(SERIES {__name__="k", i="span"} H{int schema=0 zt=0 zc=0 count=0 sum=0 +[]{} -[]{}})",
        R"(SERIES {__name__="k", i="zt"} H{int schema=0 zt=0.5 zc=0 count=0 sum=0 +[]{} -[]{}})",
        R"(SERIES {__name__="k", i="zc"} H{int schema=0 zt=0 zc=2 count=0 sum=0 +[]{} -[]{}})",
        R"(SERIES {__name__="k_count", i="zcf"} 0)", R"(SERIES {__name__="k_sum", i="zcf"} 0)",
        R"(SERIES {__name__="k_bucket", i="zcf", le="+Inf"} 0)"}},
      {"native and classic: native only by default",
       [] {
         pb::MetricFamily f = Family("b", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         SetNativeInt(h);
         AddBucket(h, 1, 6);
         SetExemplar(h->mutable_bucket(0)->mutable_exemplar(), "x", 0.5, 7);
         pb::Histogram* c = AddMetric(&f, {{"i", "classic"}})->mutable_histogram();
         c->set_sample_count(1);
         AddBucket(c, 1, 1);
         return Delimited({f});
       },
       {R"(HELP "b" "")", R"(TYPE "b" histogram)",
        R"(SERIES {__name__="b"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}} # {trace_id="x"} 0.5 @7000)",
        R"(SERIES {__name__="b_count", i="classic"} 1)", R"(SERIES {__name__="b_sum", i="classic"} 0)",
        R"(SERIES {__name__="b_bucket", i="classic", le="1.0"} 1)",
        R"(SERIES {__name__="b_bucket", i="classic", le="+Inf"} 1)"}},
      {"native and classic: both with keep_classic_histograms",
       [] {
         pb::MetricFamily f = Family("b", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         SetNativeInt(h);
         AddBucket(h, 1, 6);
         SetExemplar(h->mutable_bucket(0)->mutable_exemplar(), "x", 0.5, 7);
         SetNativeInt(AddMetric(&f, {{"i", "2"}})->mutable_histogram());
         return Delimited({f});
       },
       {R"(HELP "b" "")", R"(TYPE "b" histogram)",
        R"(SERIES {__name__="b"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}} # {trace_id="x"} 0.5 @7000)",
        R"(SERIES {__name__="b_count"} 6)", R"(SERIES {__name__="b_sum"} 1.5)",
        R"(SERIES {__name__="b_bucket", le="1.0"} 6 # {trace_id="x"} 0.5 @7000)",
        R"(SERIES {__name__="b_bucket", le="+Inf"} 6)",
        R"(SERIES {__name__="b", i="2"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}})"},
       {.keep_classic_histograms = true}},
      {"native histograms ignored: classic series only",
       [] {
         pb::MetricFamily f = Family("b", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         SetNativeInt(h);
         AddBucket(h, 1, 6);
         return Delimited({f});
       },
       {R"(HELP "b" "")", R"(TYPE "b" histogram)", R"(SERIES {__name__="b_count"} 6)",
        R"(SERIES {__name__="b_sum"} 1.5)", R"(SERIES {__name__="b_bucket", le="1.0"} 6)",
        R"(SERIES {__name__="b_bucket", le="+Inf"} 6)"},
       {.ignore_native_histograms = true}},
      {"a second native histogram in a family resumes the exemplar positions of the first",
       [] {
         pb::MetricFamily f = Family("r", pb::HISTOGRAM);
         for (const char* i : {"1", "2"}) {
           pb::Histogram* h = AddMetric(&f, {{"i", i}})->mutable_histogram();
           SetNativeInt(h);
           SetExemplar(h->add_exemplars(), std::string("a") + i, 1, 1);
           SetExemplar(h->add_exemplars(), std::string("b") + i, 2, 2);
           SetExemplar(h->add_exemplars(), std::string("c") + i, 3, 3);
         }
         return Delimited({f});
       },
       {R"(HELP "r" "")", R"(TYPE "r" histogram)",
        R"(SERIES {__name__="r", i="1"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}} # {trace_id="a1"} 1 @1000 # {trace_id="b1"} 2 @2000 # {trace_id="c1"} 3 @3000)",
        R"(SERIES {__name__="r", i="2"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}})"}},
      {"families without metrics are skipped, whatever they hold",
       [] {
         pb::MetricFamily named = Family("named", pb::COUNTER, "help");
         pb::MetricFamily c = Family("c", pb::COUNTER);
         AddMetric(&c)->mutable_counter()->set_value(1);
         // name "", type 9, no metrics
         return DelimitedRaw(Raw("\x0a\x00\x18\x09")) + Delimited({named, c});
       },
       {R"(HELP "c" "")", R"(TYPE "c" counter)", R"(SERIES {__name__="c"} 1)"}},
      {"UTF-8 metric and label names",
       [] {
         pb::MetricFamily f = Family("ünïcode.metric", pb::GAUGE);
         AddMetric(&f, {{"läbel with space", "välue"}})->mutable_gauge()->set_value(1);
         return Delimited({f});
       },
       {R"(HELP "ünïcode.metric" "")", R"(TYPE "ünïcode.metric" gauge)",
        R"(SERIES {__name__="ünïcode.metric", "läbel with space"="välue"} 1)"}},
      {"native histogram takes timestamped bucket exemplars when it has no exemplars of its own",
       [] {
         pb::MetricFamily f = Family("be", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         SetNativeInt(h);
         AddBucket(h, 0.5, 1);
         AddBucket(h, 1, 2);
         AddBucket(h, 2, 3);
         SetExemplar(h->mutable_bucket(0)->mutable_exemplar(), "no_ts", 0.1);
         SetExemplar(h->mutable_bucket(2)->mutable_exemplar(), "ts", 1.5, 3);
         return Delimited({f});
       },
       {R"(HELP "be" "")", R"(TYPE "be" histogram)",
        R"(SERIES {__name__="be"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}} # {trace_id="ts"} 1.5 @3000)"}},
      {"only the first native histogram of a family has its spans checked",
       [] {
         pb::MetricFamily f = Family("c", pb::HISTOGRAM);
         SetNativeInt(AddMetric(&f, {{"i", "1"}})->mutable_histogram());
         pb::Histogram* h = AddMetric(&f, {{"i", "2"}})->mutable_histogram();
         AddSpan(h->mutable_positive_span(), 0, 3);
         h->add_positive_delta(1);
         return Delimited({f});
       },
       {R"(HELP "c" "")", R"(TYPE "c" histogram)",
        R"(SERIES {__name__="c", i="1"} H{int schema=1 zt=0.001 zc=1 count=6 sum=1.5 +[0:2]{2,1} -[-1:1]{2}})",
        R"(SERIES {__name__="c", i="2"} H{int schema=0 zt=0 zc=0 count=0 sum=0 +[0:3]{1} -[]{}})"}},
      {"timestamps: 0 is none, negative kept; exemplars with repeated label names dropped",
       [] {
         pb::MetricFamily f = Family("t", pb::COUNTER);
         pb::Metric* zero = AddMetric(&f, {{"i", "0"}});
         zero->set_timestamp_ms(0);
         zero->mutable_counter()->set_value(1);
         zero->mutable_counter()->mutable_created_timestamp()->set_seconds(0);
         pb::Metric* neg = AddMetric(&f, {{"i", "neg"}});
         neg->set_timestamp_ms(-5);
         neg->mutable_counter()->set_value(2);
         neg->mutable_counter()->mutable_created_timestamp()->set_nanos(-2'000'000);
         SetExemplar(neg->mutable_counter()->mutable_exemplar(), "x", 1);
         pb::LabelPair* again = neg->mutable_counter()->mutable_exemplar()->add_label();
         again->set_name("trace_id");
         again->set_value("y");
         return Delimited({f});
       },
       {R"(HELP "t" "")", R"(TYPE "t" counter)", R"(SERIES {__name__="t", i="0"} 1)",
        R"(SERIES {__name__="t", i="neg"} 2 @-5 st=-2)"}},
      {"schema -53 passes through: the format has no custom bounds",
       [] {
         pb::MetricFamily f = Family("cb", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         h->set_schema(-53);
         h->set_sample_count(3);
         AddSpan(h->mutable_positive_span(), 0, 2);
         h->add_positive_delta(1);
         h->add_positive_delta(1);
         return Delimited({f});
       },
       {R"(HELP "cb" "")", R"(TYPE "cb" histogram)",
        R"(SERIES {__name__="cb"} H{int schema=-53 zt=0 zc=0 count=3 sum=0 +[0:2]{1,2} -[]{}})"}},
      {"float gauge histogram: float zero count, created timestamp, classic kept only when it has buckets",
       [] {
         pb::MetricFamily f = Family("fg", pb::GAUGE_HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         h->set_sample_count_float(3.5);
         h->set_zero_threshold(0.25);
         h->set_zero_count_float(1.5);
         h->add_negative_span()->set_length(1);
         h->add_negative_count(2);
         h->mutable_created_timestamp()->set_seconds(-1);
         return Delimited({f});
       },
       {R"(HELP "fg" "")", R"(TYPE "fg" gaugehistogram)",
        R"(SERIES {__name__="fg"} H{float gauge schema=0 zt=0.25 zc=1.5 count=3.5 sum=0 +[]{} -[0:1]{2}} st=-1000)"},
       {.keep_classic_histograms = true}},
      // --- Errors --------------------------------------------------------------------------------
      {"invalid metric name",
       [] {
         pb::MetricFamily f = Family("", pb::GAUGE);
         AddMetric(&f);
         return Delimited({f});
       },
       {"ERR invalid metric name: "}},
      {"invalid help",
       [] {
         pb::MetricFamily f = Family("h", pb::GAUGE, "bad \xff");
         AddMetric(&f);
         return Delimited({f});
       },
       {"ERR invalid help for metric \"h\": bad \xff"}},
      {"unknown metric type",
       // name "t", type 7, one empty metric
       [] { return DelimitedRaw(Raw("\x0a\x01t\x18\x07\x22\x00")); },
       {R"(ERR unknown metric type for metric "t": 7)"}},
      {"empty label name, after the metadata",
       [] {
         pb::MetricFamily f = Family("l", pb::COUNTER);
         AddMetric(&f, {{"", "v"}});
         return Delimited({f});
       },
       {R"(HELP "l" "")", R"(TYPE "l" counter)", "ERR invalid label name: "}},
      {"invalid label value",
       [] {
         pb::MetricFamily f = Family("l", pb::COUNTER);
         AddMetric(&f, {{"a", "\xc3"}});
         return Delimited({f});
       },
       {R"(HELP "l" "")", R"(TYPE "l" counter)", "ERR invalid label value: \xc3"}},
      {"le given as a label of a classic histogram",
       [] {
         pb::MetricFamily f = Family("d", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f, {{"le", "x"}})->mutable_histogram();
         AddBucket(h, 1, 1);
         return Delimited({f});
       },
       {R"(HELP "d" "")", R"(TYPE "d" histogram)", R"(SERIES {__name__="d_count", le="x"} 0)",
        R"(SERIES {__name__="d_sum", le="x"} 0)", R"(ERR label name "le" is not unique: invalid sample)"}},
      {"native histogram whose spans do not match its buckets",
       [] {
         pb::MetricFamily f = Family("s", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         AddSpan(h->mutable_positive_span(), 0, 3);
         h->add_positive_delta(1);
         h->add_positive_delta(1);
         return Delimited({f});
       },
       {R"(HELP "s" "")", R"(TYPE "s" histogram)",
        R"(ERR histogram "s": positive side: spans require 3 buckets, have 2)"}},
      {"native float histogram with a negative side short of buckets",
       [] {
         pb::MetricFamily f = Family("s", pb::HISTOGRAM);
         pb::Histogram* h = AddMetric(&f)->mutable_histogram();
         AddSpan(h->mutable_negative_span(), 0, 1);
         h->add_negative_delta(1);
         h->add_positive_count(1);
         return Delimited({f});
       },
       {R"(HELP "s" "")", R"(TYPE "s" histogram)",
        R"(ERR histogram "s": positive side: spans require 0 buckets, have 1)"}},
      {"truncated body",
       [] {
         pb::MetricFamily f = Family("c", pb::COUNTER);
         AddMetric(&f)->mutable_counter()->set_value(1);
         std::string body = Delimited({f, f});
         return body.substr(0, body.size() - 3);
       },
       {R"(HELP "c" "")", R"(TYPE "c" counter)", R"(SERIES {__name__="c"} 1)",
        "ERR clientpb: insufficient length of buffer, expected at least 19 bytes, got 16 bytes"}},
      {"length varint longer than five bytes",
       [] { return Raw("\x80\x80\x80\x80\x80\x00"); },
       {"ERR clientpb: invalid varint encountered"}},
      {"length varint cut short",
       [] { return std::string("\x80"); },
       {"ERR clientpb: invalid varint encountered"}},
      {"wrong wire type in a metric",
       // name "w", type GAUGE, metric { gauge { value as varint 1 } }
       [] { return DelimitedRaw(Raw("\x0a\x01w\x18\x01\x22\x04\x12\x02\x08\x01")); },
       {"ERR proto: wrong wireType = 0 for field Value"}},
      {"sub-message running past its metric",
       [] { return DelimitedRaw(Raw("\x0a\x01w\x18\x01\x22\x02\x12\x05")); },
       {"ERR unexpected EOF"}},
      {"illegal tag in a family",
       [] { return DelimitedRaw(Raw("\x00\x01")); },
       {"ERR proto: MetricFamily: illegal tag 0 (wire type 0)"}},
      {"end group in a metric",
       [] { return DelimitedRaw(Raw("\x0a\x01w\x22\x01\x0c")); },
       {"ERR proto: Metric: wiretype end group for non-group"}},
      {"unknown fields skipped, groups included",
       // name "w", unknown field 9 (group with a varint inside), type GAUGE, metric with an
       // unknown fixed32 field and gauge 2.0
       [] {
         return DelimitedRaw(
             Raw("\x0a\x01w\x4b\x08\x01\x4c\x18\x01\x22\x10\x45\x00\x00\x00\x00\x12\x09\x09"
                 "\x00\x00\x00\x00\x00\x00\x00\x40"));
       },
       {R"(HELP "w" "")", R"(TYPE "w" gauge)", R"(SERIES {__name__="w"} 2)"}},
      {"packed deltas read past their length",
       // name "p", type HISTOGRAM, metric { histogram { schema 0 zero_threshold... } } built by
       // hand: positive_span {offset 0 length 2}, positive_delta packed with length 1 holding
       // a two-byte varint, then nothing else.
       [] {
         const std::string hist = Raw("\x62\x04\x08\x00\x10\x02\x6a\x01\x82\x01\x6a\x01\x04");
         const std::string metric = "\x3a" + Varint(hist.size()) + hist;
         return DelimitedRaw("\x0a\x01p\x18\x04\x22" + Varint(metric.size()) + metric);
       },
       {R"(HELP "p" "")", R"(TYPE "p" histogram)",
        R"(SERIES {__name__="p"} H{int schema=0 zt=0 zc=0 count=0 sum=0 +[0:2]{65,67} -[]{}})"}},
  };
  return cases;
}

class ProtobufParserCases : public ::testing::TestWithParam<Case> {};

TEST_P(ProtobufParserCases, Entries) {
  const Case& c = GetParam();
  const std::string body = c.body();
  const std::unique_ptr<Parser> parser = NewProtobufParser(body, c.options);
  EXPECT_EQ(testing::RenderAll(*parser), Lines(c.want));
}

INSTANTIATE_TEST_SUITE_P(Bodies, ProtobufParserCases, ::testing::ValuesIn(Cases()), CaseName);

// Writes every case's body, hex-encoded, for the differential check against Prometheus.
TEST(ProtobufParser, WritesBodiesWhenAsked) {
  const char* out = std::getenv("PROMREF_PROTO_BODIES_OUT");
  if (out == nullptr) GTEST_SKIP() << "PROMREF_PROTO_BODIES_OUT not set";
  std::ofstream f(out);
  for (const Case& c : Cases()) {
    f << model::HexEncode(c.body()) << " " << (c.options.ignore_native_histograms ? "ignore" : "-") << " "
      << (c.options.keep_classic_histograms ? "keep" : "-") << "\n";
  }
  ASSERT_TRUE(f.good());
}

TEST(ProtobufParser, EmptyBodyHasNoEntries) {
  const std::unique_ptr<Parser> parser = NewProtobufParser("");
  Entry e;
  Result<bool> more = parser->Next(&e);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

// Many families without metrics in a row are skipped without recursion.
TEST(ProtobufParser, ManyEmptyFamilies) {
  pb::MetricFamily empty = Family("e", pb::COUNTER);
  pb::MetricFamily c = Family("c", pb::GAUGE);
  AddMetric(&c)->mutable_gauge()->set_value(1);
  std::vector<pb::MetricFamily> families(100000, empty);
  families.push_back(c);
  const std::string body = Delimited(families);
  const std::unique_ptr<Parser> parser = NewProtobufParser(body);
  EXPECT_EQ(testing::RenderAll(*parser),
            Lines({R"(HELP "c" "")", R"(TYPE "c" gauge)", R"(SERIES {__name__="c"} 1)"}));
}

// The entry a parser reuses carries no histogram into a float series.
TEST(ProtobufParser, FloatSeriesAfterHistogramHasNoHistogram) {
  pb::MetricFamily f = Family("n", pb::HISTOGRAM);
  SetNativeInt(AddMetric(&f)->mutable_histogram());
  pb::MetricFamily g = Family("g", pb::GAUGE);
  AddMetric(&g)->mutable_gauge()->set_value(3);
  const std::string body = Delimited({f, g});
  const std::unique_ptr<Parser> parser = NewProtobufParser(body);
  Result<std::vector<Entry>> entries = ParseAll(*parser);
  ASSERT_TRUE(entries.ok()) << entries.error().message();
  ASSERT_EQ(entries->size(), 6u);
  ASSERT_TRUE((*entries)[2].histogram.has_value());
  EXPECT_TRUE((*entries)[2].histogram_is_integer);
  EXPECT_FALSE((*entries)[5].histogram.has_value());
  EXPECT_EQ((*entries)[5].value, 3);
}

}  // namespace
}  // namespace promref::ingest
