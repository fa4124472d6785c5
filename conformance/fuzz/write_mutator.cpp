#include "fuzz/write_mutator.h"

#include <google/protobuf/stubs/logging.h>

#include <bit>
#include <cmath>
#include <limits>

#include "client/remote_write_client.h"
#include "fuzz/promql_mutator.h"

namespace promconform::fuzz {
namespace {

using promref::wire::RawLabels;
using promref::wire::TimeSeries;
using promref::wire::WriteRequest;

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

RawLabels Labels(const std::string& name, std::initializer_list<std::pair<std::string, std::string>> rest) {
  RawLabels l = {{"__name__", name}};
  for (const auto& kv : rest) l.push_back(kv);
  return l;
}

double Bits(uint64_t b) {
  return std::bit_cast<double>(b);
}

const std::vector<double>& OddValues() {
  static const std::vector<double> v = {Bits(0x7ff8000000000001),
                                        Bits(0x7ff0000000000001),
                                        Bits(0x7ff0000000000002) /* stale marker */,
                                        Bits(0xfff8000000000000),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        -0.0,
                                        std::numeric_limits<double>::max(),
                                        std::numeric_limits<double>::denorm_min(),
                                        1e-300};
  return v;
}

// The codec's protobuf bytes. Invalid UTF-8 in string fields is the point here: libprotobuf
// would log an error for each while encoding them as they are.
std::string Encode(const WriteRequest& w) {
  google::protobuf::LogSilencer quiet;
  return promref::wire::EncodeWriteRequest(w);
}

}  // namespace

std::vector<WriteRequest> WriteSeeds(int64_t anchor_ms) {
  std::vector<WriteRequest> seeds;
  WriteRequest plain;
  for (int s = 0; s < 3; ++s) {
    TimeSeries ts;
    ts.labels = Labels("promconform_fuzz_w", {{"instance", "i" + std::to_string(s)}, {"job", "fuzz"}});
    for (int k = 0; k < 5; ++k) ts.samples.push_back({anchor_ms + k * 15000, s * 10.0 + k});
    plain.timeseries.push_back(std::move(ts));
  }
  seeds.push_back(plain);

  WriteRequest rich = plain;
  rich.metadata.push_back(
      {promref::wire::MetricType::kCounter, "promconform_fuzz_w", "fuzz series", "seconds"});
  rich.timeseries[0].exemplars.push_back({{{"trace_id", "abc123"}}, 1.5, anchor_ms + 1000});
  seeds.push_back(rich);

  WriteRequest hist;
  TimeSeries h;
  h.labels = Labels("promconform_fuzz_w_hist", {{"job", "fuzz"}});
  promref::wire::Histogram nh;
  nh.count_int = 3;
  nh.sum = 5;
  nh.schema = 0;
  nh.zero_threshold = 1e-128;
  nh.zero_count_int = 1;
  nh.positive_spans = {{0, 2}};
  nh.positive_deltas = {1, 0};
  nh.timestamp = anchor_ms;
  h.histograms.push_back(nh);
  hist.timeseries.push_back(std::move(h));
  seeds.push_back(hist);
  return seeds;
}

FuzzRequest WriteMutator::Valid(const WriteRequest& request) const {
  FuzzRequest r;
  r.method = "POST";
  r.url = url_;
  r.path = "/api/v1/write";
  r.raw_body = true;
  r.headers = RemoteWriteV1Headers("promconform-fuzz/0.1");
  r.body = promref::wire::SnappyCompress(Encode(request));
  r.mutation = "write:valid";
  return r;
}

void WriteMutator::MutateLabels(WriteRequest& w, std::mt19937_64& rng) const {
  RawLabels& l = w.timeseries[Below(rng, w.timeseries.size())].labels;
  switch (Below(rng, 12)) {
    case 0: l.emplace_back("", "x"); break;
    case 1: l.back().second.clear(); break;
    case 2: l.push_back(l.back()); break;                            // duplicate name, same value
    case 3: l.emplace_back(l.back().first, "other"); break;          // duplicate name, other value
    case 4: std::swap(l.front(), l.back()); break;                   // unsorted
    case 5: l.emplace_back(std::string("a\xFF") + "b", "v"); break;  // invalid UTF-8 name
    case 6: l.back().second = "\xC0\x80\xFF"; break;                 // invalid UTF-8 value
    case 7: l.erase(l.begin()); break;                               // __name__ missing
    case 8: l.front().second = OneIn(rng, 2) ? "" : Choose(rng, OddStrings()) + "promconform_fuzz_w"; break;
    case 9: l.back().second.assign(size_t{1} << (10 + Below(rng, 8)), 'v'); break;  // up to 128 KiB
    case 10:
      for (size_t i = 0, n = size_t{1} << Below(rng, 12); i < n; ++i)
        l.emplace_back("l" + std::to_string(i), "v");
      break;
    default: {
      static const std::vector<std::string> kNames = {
          "0abc", "a-b", "a b", "\xE2\x98\x83", "__reserved__", "le", "__name__", "a.b", "U__a_2e_b"};
      l.emplace_back(Choose(rng, kNames), "v");
    }
  }
}

void WriteMutator::MutateValues(WriteRequest& w, std::mt19937_64& rng) const {
  TimeSeries& ts = w.timeseries[Below(rng, w.timeseries.size())];
  if (ts.samples.empty()) ts.samples.push_back({0, 0});
  auto& s = ts.samples[Below(rng, ts.samples.size())];
  static const std::vector<int64_t> kTimes = {std::numeric_limits<int64_t>::max(),
                                              std::numeric_limits<int64_t>::min(),
                                              0,
                                              -1,
                                              253402300800000,
                                              -62135596800000};
  switch (Below(rng, 7)) {
    case 0:
    case 1: s.v = Choose(rng, OddValues()); break;
    case 2: s.t = Choose(rng, kTimes); break;
    case 3:
      s.t += static_cast<int64_t>(Below(rng, 2)) == 0 ? 365LL * 86400000 : -10LL * 365 * 86400000;
      break;
    case 4: ts.samples.push_back({s.t, s.v + 1}); break;              // same timestamp, other value
    case 5: std::swap(ts.samples.front(), ts.samples.back()); break;  // out of order
    default: ts.samples.clear(); break;
  }
  if (OneIn(rng, 4) && !ts.exemplars.empty()) {
    ts.exemplars[0].labels.emplace_back("big", std::string(200, 'x'));  // past the 128-rune limit
    ts.exemplars[0].timestamp = Choose(rng, kTimes);
  }
}

void WriteMutator::MutateHistogram(WriteRequest& w, std::mt19937_64& rng) const {
  promref::wire::Histogram nh = seeds_.back().timeseries[0].histograms[0];
  switch (Below(rng, 9)) {
    case 0: nh.schema = OneIn(rng, 2) ? -100 : 100; break;
    case 1:
      nh.schema = -53;
      nh.custom_values = {3, 1, NAN};
      break;
    case 2: nh.positive_spans = {{0, 5}}; break;   // more buckets than deltas
    case 3: nh.positive_deltas = {-5, -5}; break;  // negative counts
    case 4: nh.count_int = 1; break;               // fewer than the buckets hold
    case 5: nh.zero_threshold = NAN; break;
    case 6: nh.positive_spans = {{-2147483647 - 1, 1}, {2147483647, 1}}; break;
    case 7:
      nh.is_float = true;
      nh.count_float = NAN;
      nh.positive_counts = {-1, Bits(0x7ff0000000000002)};
      break;
    default: nh.reset_hint = 7; break;
  }
  w.timeseries[Below(rng, w.timeseries.size())].histograms.push_back(nh);
}

std::string MutateProtobufBytes(std::string b, std::mt19937_64& rng) {
  if (b.empty()) b = "\x0a\x00";
  const size_t at = Below(rng, b.size());
  switch (Below(rng, 8)) {
    case 0: b[at] = static_cast<char>(b[at] ^ (1 << Below(rng, 8))); break;
    case 1: b.resize(at); break;
    case 2: b.insert(at, b.substr(at, 1 + Below(rng, 64))); break;
    case 3: b.erase(at, 1 + Below(rng, 16)); break;
    case 4: b.insert(at, std::string(10, '\xFF')); break;  // a varint past 64 bits
    case 5:
      b += "\x0a" + Varint(uint64_t{1} << (20 + Below(rng, 40))) + "\x0a\x00";
      break;  // length past the end
    case 6:
      b += std::string(1, static_cast<char>((Below(rng, 30) + 1) << 3 | Below(rng, 8))) + "\x01\x02";
      break;
    default: b.insert(at, 1, static_cast<char>(Below(rng, 256))); break;
  }
  return b;
}

std::string MutateSnappyBytes(std::string c, const std::string& raw, std::mt19937_64& rng) {
  if (c.empty()) c = promref::wire::SnappyCompress(raw);
  // The preamble is the decoded length as a varint: where it ends, the tags start.
  size_t pre = 0;
  while (pre < c.size() && (static_cast<unsigned char>(c[pre]) & 0x80) != 0) ++pre;
  ++pre;
  switch (Below(rng, 8)) {
    case 0:
      return Varint(uint64_t{1} << (25 + Below(rng, 39))) + c.substr(std::min(pre, c.size()));  // huge length
    case 1: return Varint(raw.size() + 1 + Below(rng, 100)) + c.substr(std::min(pre, c.size()));
    case 2: c.resize(Below(rng, c.size() + 1)); return c;
    case 3: {  // a copy reaching before the start of the output
      return Varint(raw.size()) + std::string("\x00", 1) + "a" + "\x02\xff\xff";
    }
    case 4: return c + std::string(1 + Below(rng, 16), static_cast<char>(Below(rng, 256)));
    case 5: return std::string("\xff\x06\x00\x00sNaPpY", 10) + c;  // the framed format
    case 6: return raw;                                            // not compressed at all
    default: {
      const size_t at = Below(rng, c.size());
      c[at] = static_cast<char>(c[at] ^ (1 << Below(rng, 8)));
      return c;
    }
  }
}

FuzzRequest WriteMutator::Next(std::mt19937_64& rng) const {
  WriteRequest w = Choose(rng, seeds_);
  std::string kind;
  const size_t level = Below(rng, 10);
  if (level <= 2) {
    kind = "labels";
    MutateLabels(w, rng);
  } else if (level <= 4) {
    kind = "values";
    MutateValues(w, rng);
  } else if (level == 5) {
    kind = "histogram";
    MutateHistogram(w, rng);
  }
  FuzzRequest r = Valid(w);
  const std::string raw = Encode(w);
  if (level == 6) {
    kind = "protobuf";
    std::string b = raw;
    for (size_t i = 0, n = 1 + Below(rng, 3); i < n; ++i) b = MutateProtobufBytes(std::move(b), rng);
    r.body = promref::wire::SnappyCompress(b);
  } else if (level == 7 || level == 8) {
    kind = "snappy";
    r.body = MutateSnappyBytes(r.body, raw, rng);
  } else if (level == 9) {
    kind = "headers";
    static const std::vector<std::pair<std::string, std::string>> kHeaders = {
        {"Content-Encoding", "gzip"},
        {"Content-Encoding", "zstd"},
        {"Content-Encoding", ""},
        {"Content-Type", "text/plain"},
        {"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
        {"Content-Type", "application/x-protobuf;proto=nonsense"},
        {"X-Prometheus-Remote-Write-Version", "2.0.0"},
        {"X-Prometheus-Remote-Write-Version", "\xFF"},
        {"Content-Type", ""}};
    const auto& [name, value] = Choose(rng, kHeaders);
    std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
    if (!value.empty() || OneIn(rng, 2)) r.headers.emplace_back(name, value);
  }
  r.mutation = "write:" + kind;
  return r;
}

}  // namespace promconform::fuzz
