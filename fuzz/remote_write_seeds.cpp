// Writes the seed corpus of fuzz_remote_write into a directory: remote-write 1.0 requests
// encoded by our encoder, covering every part of the message (labels in and out of order,
// empty values, Unicode, samples with stale markers and extreme timestamps, exemplars, integer
// and float native histograms, metadata).
//
// usage: fuzz_remote_write_seeds DIR
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "wire/remote_write.h"

namespace {

using promref::wire::Histogram;
using promref::wire::MetricType;
using promref::wire::TimeSeries;
using promref::wire::WriteRequest;

std::vector<WriteRequest> Seeds() {
  std::vector<WriteRequest> seeds;
  {
    WriteRequest w;
    w.timeseries.push_back({{{"__name__", "up"}, {"instance", "localhost:9090"}, {"job", "prometheus"}},
                            {{1700000000000, 1}, {1700000015000, 0}},
                            {},
                            {}});
    seeds.push_back(w);
  }
  {
    WriteRequest w;
    TimeSeries ts;
    ts.labels = {{"job", "j"}, {"__name__", "unsorted"}, {"empty", ""}, {"job", "dup"}, {"ünï", "cödé ✓"}};
    ts.samples = {{std::numeric_limits<int64_t>::min(), std::nan("")},
                  {-1, -0.0},
                  {std::numeric_limits<int64_t>::max(), std::numeric_limits<double>::infinity()}};
    ts.samples.push_back({1, std::bit_cast<double>(uint64_t{0x7ff0000000000002})});  // stale marker
    ts.exemplars = {{{{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}, 0.25, 1700000000001}};
    w.timeseries.push_back(ts);
    seeds.push_back(w);
  }
  {
    WriteRequest w;
    TimeSeries ts;
    ts.labels = {{"__name__", "rpc_latency_seconds"}};
    Histogram h;
    h.count_int = 12;
    h.sum = 3.5;
    h.schema = 3;
    h.zero_threshold = 1e-128;
    h.zero_count_int = 2;
    h.positive_spans = {{0, 2}, {3, 1}};
    h.positive_deltas = {4, -1, 3};
    h.negative_spans = {{-2, 1}};
    h.negative_deltas = {2};
    h.timestamp = 1700000000000;
    ts.histograms.push_back(h);
    Histogram f;
    f.is_float = true;
    f.count_float = 7.5;
    f.schema = -53;
    f.custom_values = {0.1, 0.5, 1};
    f.positive_spans = {{0, 4}};
    f.positive_counts = {1, 2.5, 3, 1};
    f.reset_hint = 3;
    f.timestamp = 1700000015000;
    ts.histograms.push_back(f);
    w.timeseries.push_back(ts);
    seeds.push_back(w);
  }
  {
    WriteRequest w;
    w.metadata = {{MetricType::kCounter, "http_requests_total", "Requests served.", ""},
                  {MetricType::kHistogram, "rpc_latency_seconds", "RPC latency.", "seconds"}};
    seeds.push_back(w);
  }
  {
    WriteRequest w;
    for (int i = 0; i < 200; ++i) {
      w.timeseries.push_back(
          {{{"__name__", "node_cpu_seconds_total"}, {"cpu", std::to_string(i)}, {"mode", "idle"}},
           {{1700000000000 + i, i * 0.5}},
           {},
           {}});
    }
    seeds.push_back(w);
  }
  seeds.push_back(WriteRequest{});
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  int n = 0;
  for (const WriteRequest& w : Seeds()) {
    std::ofstream(std::filesystem::path(argv[1]) / ("seed-" + std::to_string(n++)), std::ios::binary)
        << promref::wire::EncodeWriteRequest(w);
  }
  std::printf("wrote %d seeds to %s\n", n, argv[1]);
  return 0;
}
