// Writes the seed corpus of fuzz_protobuf_parser into a directory: delimited MetricFamily
// bodies built with the generated classes, covering every metric type, classic and native
// (integer, float, gauge) histograms, exemplars, created timestamps and metric timestamps.
//
// usage: fuzz_protobuf_parser_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "metrics.pb.h"

namespace {

namespace pb = io::prometheus::client;

std::string Delimited(const std::vector<pb::MetricFamily>& families) {
  std::string out;
  for (const pb::MetricFamily& f : families) {
    const std::string bytes = f.SerializeAsString();
    for (uint64_t v = bytes.size();; v >>= 7) {
      if (v < 0x80) {
        out += static_cast<char>(v);
        break;
      }
      out += static_cast<char>((v & 0x7F) | 0x80);
    }
    out += bytes;
  }
  return out;
}

pb::MetricFamily Family(const std::string& name, pb::MetricType type, const std::string& help) {
  pb::MetricFamily f;
  f.set_name(name);
  f.set_type(type);
  f.set_help(help);
  return f;
}

void AddLabel(pb::Metric* m, const std::string& name, const std::string& value) {
  pb::LabelPair* l = m->add_label();
  l->set_name(name);
  l->set_value(value);
}

void SetExemplar(pb::Exemplar* e, const std::string& trace, double value, int64_t seconds) {
  pb::LabelPair* l = e->add_label();
  l->set_name("trace_id");
  l->set_value(trace);
  e->set_value(value);
  if (seconds != 0) e->mutable_timestamp()->set_seconds(seconds);
}

pb::MetricFamily Counter() {
  pb::MetricFamily f = Family("http_requests_total", pb::COUNTER, "Requests served.");
  f.set_unit("requests");
  pb::Metric* m = f.add_metric();
  AddLabel(m, "code", "200");
  AddLabel(m, "path", "/api/ünï");
  m->mutable_counter()->set_value(1027);
  SetExemplar(m->mutable_counter()->mutable_exemplar(), "abc123", 1, 1700000000);
  m->mutable_counter()->mutable_created_timestamp()->set_seconds(1600000000);
  m->set_timestamp_ms(1700000000123);
  return f;
}

pb::MetricFamily Gauges() {
  pb::MetricFamily f = Family("temperature", pb::GAUGE, "");
  f.add_metric()->mutable_gauge()->set_value(-273.15);
  pb::Metric* m = f.add_metric();
  AddLabel(m, "room", "b");
  m->mutable_gauge()->set_value(std::numeric_limits<double>::quiet_NaN());
  return f;
}

pb::MetricFamily Untyped() {
  pb::MetricFamily f = Family("some.untyped", pb::UNTYPED, "UTF-8 name");
  f.add_metric()->mutable_untyped()->set_value(std::numeric_limits<double>::infinity());
  return f;
}

// A name with NUL bytes: valid UTF-8, which the text format cannot carry.
pb::MetricFamily NulName() {
  pb::MetricFamily f = Family(std::string("so\0\0.untyped", 12), pb::UNTYPED, "");
  pb::Metric* m = f.add_metric();
  AddLabel(m, "a", std::string("b\0c", 3));
  m->mutable_untyped()->set_value(1);
  return f;
}

pb::MetricFamily Summary() {
  pb::MetricFamily f = Family("rpc_duration_seconds", pb::SUMMARY, "RPC latency.");
  pb::Summary* s = f.add_metric()->mutable_summary();
  s->set_sample_count(100);
  s->set_sample_sum(12.5);
  for (double q : {0.5, 0.9, 0.99}) {
    pb::Quantile* qq = s->add_quantile();
    qq->set_quantile(q);
    qq->set_value(q / 10);
  }
  s->mutable_created_timestamp()->set_seconds(1600000000);
  return f;
}

pb::MetricFamily Classic(pb::MetricType type) {
  pb::MetricFamily f = Family(type == pb::HISTOGRAM ? "classic_seconds" : "queue_size", type, "");
  pb::Histogram* h = f.add_metric()->mutable_histogram();
  h->set_sample_count(10);
  h->set_sample_sum(7.5);
  uint64_t cumulative = 0;
  for (double bound : {0.1, 0.5, 1.0}) {
    pb::Bucket* b = h->add_bucket();
    b->set_upper_bound(bound);
    b->set_cumulative_count(cumulative += 3);
  }
  SetExemplar(h->mutable_bucket(1)->mutable_exemplar(), "def", 0.3, 0);
  return f;
}

pb::MetricFamily Native(pb::MetricType type, bool with_float_counts, bool with_classic) {
  pb::MetricFamily f = Family("native_seconds", type, "A native histogram.");
  pb::Metric* m = f.add_metric();
  AddLabel(m, "job", "x");
  pb::Histogram* h = m->mutable_histogram();
  h->set_schema(3);
  h->set_zero_threshold(1e-128);
  h->set_sample_sum(2.5);
  pb::BucketSpan* p1 = h->add_positive_span();
  p1->set_offset(0);
  p1->set_length(2);
  pb::BucketSpan* p2 = h->add_positive_span();
  p2->set_offset(3);
  p2->set_length(1);
  pb::BucketSpan* n1 = h->add_negative_span();
  n1->set_offset(-2);
  n1->set_length(1);
  if (with_float_counts) {
    h->set_sample_count_float(9.5);
    h->set_zero_count_float(0.5);
    for (double c : {1.0, 0.0, 6.0}) h->add_positive_count(c);
    h->add_negative_count(2);
  } else {
    h->set_sample_count(12);
    h->set_zero_count(2);
    for (int64_t d : {4, -1, 3}) h->add_positive_delta(d);
    h->add_negative_delta(2);
  }
  if (with_classic) {
    pb::Bucket* b = h->add_bucket();
    b->set_upper_bound(1);
    b->set_cumulative_count(5);
  }
  SetExemplar(h->add_exemplars(), "n1", 0.7, 1700000000);
  SetExemplar(h->add_exemplars(), "n2", -0.2, 0);
  h->mutable_created_timestamp()->set_seconds(1600000000);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  const std::vector<std::string> seeds = {
      Delimited({Counter()}),
      Delimited({Gauges(), Untyped(), NulName()}),
      Delimited({Summary()}),
      Delimited({Classic(pb::HISTOGRAM), Classic(pb::GAUGE_HISTOGRAM)}),
      Delimited({Native(pb::HISTOGRAM, false, true)}),
      Delimited({Native(pb::HISTOGRAM, true, false), Native(pb::GAUGE_HISTOGRAM, false, false)}),
      Delimited({Counter(), Gauges(), Untyped(), Summary(), Classic(pb::HISTOGRAM),
                 Native(pb::HISTOGRAM, false, true)}),
  };
  int n = 0;
  for (const std::string& s : seeds) {
    std::ofstream(std::filesystem::path(argv[1]) / ("seed-" + std::to_string(n++)), std::ios::binary) << s;
  }
  std::printf("wrote %d seeds to %s\n", n, argv[1]);
  return 0;
}
