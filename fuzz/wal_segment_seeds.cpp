// Writes the seed corpus of fuzz_wal_segment into a directory: real WAL segments written by
// tsdb::DB with each record compression (none, snappy, zstd), holding series, float samples
// (with and without start timestamps), stale markers, native histograms (exponential and custom
// buckets, a stale one), exemplars, metadata and tombstones from a delete; and, for each
// compression, a copy of its largest segment with a torn tail and one with a flipped byte.
//
// usage: fuzz_wal_segment_seeds DIR
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "storage/storage.h"
#include "tsdb/db.h"
#include "tsdb/wal/compression.h"

namespace {

namespace fs = std::filesystem;
using promref::model::FloatHistogram;
using promref::model::Labels;
using promref::tsdb::wal::Compression;

constexpr int64_t kStart = 1'700'000'000'000;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz_wal_segment_seeds: %s\n", what.c_str());
  std::exit(1);
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

FloatHistogram Histogram(int32_t schema, int i) {
  FloatHistogram h;
  h.schema = schema;
  if (schema == promref::model::kCustomBucketsSchema) {
    h.positive_spans = {{0, 3}};
    h.positive_buckets = {1.0 * i, 2.0 * i, 0.5};
    h.custom_values = {0.25, 1, 7.5};
  } else {
    h.zero_threshold = std::ldexp(1.0, -128);
    h.zero_count = 1;
    h.positive_spans = {{-1, 2}, {3, 1}};
    h.positive_buckets = {1.0 * i, 0, 2.0 * i};
    h.negative_spans = {{0, 1}};
    h.negative_buckets = {0.5 * i};
  }
  h.count = h.zero_count;
  for (double b : h.positive_buckets) h.count += b;
  for (double b : h.negative_buckets) h.count += b;
  h.sum = 1.25 * i;
  return h;
}

// Fills a DB in `db_dir` with every kind of record the head logs.
void Fill(const std::string& db_dir, Compression c) {
  promref::tsdb::Options o;
  o.dir = db_dir;
  o.wal_compression = c;
  o.wal_segment_size = 16 << 10;
  o.background_compaction = false;
  o.retention_time = 0;
  o.store_start_timestamps = true;
  o.clock = [] { return kStart; };
  auto opened = promref::tsdb::DB::Open(o);
  if (!opened.ok()) Die("cannot open a DB: " + opened.error().message());
  auto db = std::move(*opened);

  std::vector<Labels> floats;
  for (int s = 0; s < 12; ++s) {
    floats.push_back(Labels{{"__name__", "http_requests_total"},
                            {"instance", "host-" + std::to_string(s) + ":9100"},
                            {"job", s % 2 == 0 ? "node" : "api"}});
  }
  const Labels hist{{"__name__", "request_duration_seconds"}, {"job", "api"}};
  const Labels nhcb{{"__name__", "response_size_bytes"}, {"job", "api"}};
  const Labels started{{"__name__", "process_cpu_seconds_total"}, {"job", "node"}};

  for (int b = 0; b < 40; ++b) {
    const int64_t t = kStart + b * 15'000;
    auto app = db->MakeAppender();
    for (size_t s = 0; s < floats.size(); ++s) {
      // Some counters, some constants, one that goes stale halfway and comes back.
      double v = s % 3 == 0 ? b * 10.5 : (s % 3 == 1 ? 42.0 : std::sin(b + static_cast<double>(s)));
      if (s == 5 && b == 20) v = promref::model::StaleNaN();
      Check(app->Append(0, floats[s], t, v).ok(), "append a float sample");
    }
    if (b % 4 == 0) {
      Check(app->AppendWithStartTimestamp(0, started, kStart - 60'000, t, 0.25 * b).ok(),
            "append a sample with a start timestamp");
    }
    FloatHistogram h = Histogram(b < 20 ? 3 : 0, b + 1);  // a schema change halfway
    if (b == 30) {
      h = FloatHistogram();
      h.sum = promref::model::StaleNaN();
    }
    Check(app->AppendHistogram(0, hist, t, h).ok(), "append a histogram");
    if (b % 5 == 0) {
      Check(app->AppendHistogramWithStartTimestamp(0, nhcb, kStart - 30'000, t,
                                                   Histogram(promref::model::kCustomBucketsSchema, b + 1))
                .ok(),
            "append a custom-buckets histogram");
    }
    if (b % 10 == 3) {
      promref::storage::Exemplar e;
      e.labels = Labels{{"trace_id", "4bf92f3577b34da6a3ce929d0e0e" + std::to_string(4736 + b)}};
      e.value = 0.125 * b;
      e.t = t - 500;
      Check(app->AppendExemplar(0, floats[0], e).ok(), "append an exemplar");
      Check(app->AppendExemplar(0, hist, e).ok(), "append a histogram exemplar");
    }
    if (b == 1 || b == 25) {
      Check(app->UpdateMetadata(0, floats[0],
                                {promref::storage::MetricType::kCounter, "Total HTTP requests.", ""})
                .ok(),
            "update metadata");
      Check(app->UpdateMetadata(0, hist,
                                {promref::storage::MetricType::kHistogram, "Request latency.", "seconds"})
                .ok(),
            "update histogram metadata");
    }
    Check(app->Commit().ok(), "commit");
  }
  auto m = promref::model::Matcher::Make(promref::model::MatchType::kEqual, "job", "api");
  Check(m.ok(), "make a matcher");
  const std::vector<promref::model::Matcher> ms = {*m};
  Check(db->Delete(kStart + 100'000, kStart + 200'000, ms).ok(), "delete");
  // A few more samples after the delete, so the tombstones are not the last record.
  auto app = db->MakeAppender();
  for (const Labels& l : floats) Check(app->Append(0, l, kStart + 40 * 15'000, 1).ok(), "append");
  Check(app->Commit().ok(), "commit");
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
  if (!out) Die("cannot write " + p.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  fs::create_directories(out);
  const char* tmp = std::getenv("TMPDIR");
  std::string work = (tmp != nullptr && *tmp != '\0' ? std::string(tmp) : std::string("/tmp")) +
                     "/promconform-wal-seeds-XXXXXX";
  if (::mkdtemp(work.data()) == nullptr) Die("cannot create a temporary directory");
  int n = 0;
  for (Compression c : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    const std::string name(promref::tsdb::wal::CompressionName(c));
    const std::string db_dir = work + "/" + name;
    Fill(db_dir, c);
    std::string largest;
    std::vector<fs::path> segments;
    for (const auto& e : fs::directory_iterator(db_dir + "/wal")) {
      if (e.is_regular_file()) segments.push_back(e.path());  // checkpoints are directories
    }
    std::sort(segments.begin(), segments.end());
    for (const fs::path& p : segments) {
      const std::string bytes = ReadFile(p);
      if (bytes.empty()) continue;
      WriteFile(out / (name + "-" + p.filename().string()), bytes);
      ++n;
      if (bytes.size() > largest.size()) largest = bytes;
    }
    if (largest.size() < 64) Die("no segment written with " + name);
    // A torn tail: the last record cut short, as a crash mid-write leaves it.
    WriteFile(out / (name + "-torn"), largest.substr(0, largest.size() - 7));
    // A flipped byte in the middle: a checksum mismatch, and the records after it lost.
    std::string flipped = largest;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x20);
    WriteFile(out / (name + "-flipped"), flipped);
    n += 2;
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  std::printf("wrote %d seeds to %s\n", n, out.c_str());
  return 0;
}
