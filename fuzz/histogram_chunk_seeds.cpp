// Writes the seed corpus of fuzz_histogram_chunk into a directory: chunks written by the head's
// histogram appender (a kind byte, then the chunk), covering integer and float chunks,
// exponential schemas -4..8 and custom buckets, negative and empty buckets, a recoded layout,
// a gauge chunk, NaN sums and stale markers.
//
// usage: fuzz_histogram_chunk_seeds DIR
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/sample.h"
#include "tsdb/chunks/histogram_appender.h"

namespace {

using promref::model::FloatHistogram;

FloatHistogram Base(int32_t schema, double step, int i) {
  FloatHistogram h;
  h.schema = schema;
  h.zero_threshold = schema == promref::model::kCustomBucketsSchema ? 0 : std::ldexp(1.0, -128);
  h.positive_spans = {{-1, 2}, {3, 1}};
  h.positive_buckets = {step * i, 0, 2 * step * i};
  if (schema == promref::model::kCustomBucketsSchema) {
    h.positive_spans = {{0, 3}};
    h.custom_values = {0.25, 1, 7.123456789};
  } else {
    h.negative_spans = {{0, 1}};
    h.negative_buckets = {step * i};
    h.zero_count = step;
  }
  h.count = h.zero_count + 4 * step * i;
  h.sum = 1.5 * i;
  return h;
}

// Appends the samples as the head would and returns the chunks (the kind byte first).
std::vector<std::string> Chunks(const std::vector<FloatHistogram>& hs) {
  std::vector<std::string> out;
  promref::tsdb::HistogramAppender app;
  promref::tsdb::ChunkBuffer buf;
  int64_t t = 1'700'000'000'000;
  for (const FloatHistogram& h : hs) {
    const auto plan = app.PlanAppend(h, out.empty());
    if (plan.action == promref::model::HistogramChunkTail::Action::kNewChunk) {
      out.emplace_back(1, plan.kind == promref::model::HistogramChunkKind::kInteger ? '\0' : '\1');
    }
    app.Apply(&buf, t, plan);
    out.back().resize(1);
    out.back().append(buf.view());
    t += 15'000;
  }
  return out;
}

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  auto add = [&](const std::vector<FloatHistogram>& hs) {
    for (std::string& c : Chunks(hs)) seeds.push_back(std::move(c));
  };
  for (int32_t schema = -4; schema <= 8; ++schema) {
    for (double step : {1.0, 0.5}) {
      std::vector<FloatHistogram> hs;
      for (int i = 1; i <= 12; ++i) hs.push_back(Base(schema, step, i));
      hs[3].sum = std::nan("");
      add(hs);
    }
  }
  {
    std::vector<FloatHistogram> hs;
    for (int i = 1; i <= 8; ++i) hs.push_back(Base(promref::model::kCustomBucketsSchema, 1, i));
    FloatHistogram stale;
    stale.sum = promref::model::StaleNaN();
    hs.push_back(stale);
    hs.push_back(stale);
    add(hs);
  }
  {
    std::vector<FloatHistogram> hs = {Base(0, 1, 1), Base(0, 1, 2)};
    FloatHistogram wider = Base(0, 1, 3);  // a new bucket: the chunk is recoded
    wider.positive_spans.push_back({2, 1});
    wider.positive_buckets.push_back(1);
    wider.count += 1;
    hs.push_back(wider);
    add(hs);
  }
  {
    std::vector<FloatHistogram> hs;
    for (int i = 5; i >= 1; --i) {
      FloatHistogram h = Base(2, 0.75, i);
      h.counter_reset_hint = promref::model::CounterResetHint::kGauge;
      hs.push_back(h);
    }
    add(hs);
  }
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
  for (const std::string& s : Seeds()) {
    std::ofstream(std::filesystem::path(argv[1]) / ("seed-" + std::to_string(n++)), std::ios::binary) << s;
  }
  std::printf("wrote %d seeds to %s\n", n, argv[1]);
  return 0;
}
