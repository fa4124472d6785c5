// Fuzzes the native-histogram chunk decoders (tsdb/chunks/native_histogram_chunk.h) on
// untrusted bytes, as read from a block's chunk files:
//  - decoding never crashes, hangs or reads outside the input, for either encoding (the
//    input's first byte picks it: even integer, odd float; the rest is the chunk);
//  - whatever decodes cleanly, encoded again with the same kind and header, decodes to the
//    same samples bit for bit, when the samples are what an appender can write (integer
//    chunks: counts that fit model::FitsIntegerChunk; nothing but stale markers after a stale
//    marker, as the head keeps it);
//  - whatever decodes cleanly, appended again through the head's appender (its reset and
//    layout decisions and recoding; compaction does this with chunks from disk), gives chunks
//    that decode cleanly to as many samples.
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "model/float_bits.h"
#include "model/histogram_chunk_tail.h"
#include "model/sample.h"
#include "tsdb/chunks/histogram_appender.h"
#include "tsdb/chunks/native_histogram_chunk.h"

namespace {

using promref::model::FloatHistogram;
using promref::model::HistogramChunkKind;
using promref::model::SameBits;
using promref::model::SameFloats;
using promref::tsdb::HistogramChunkIterator;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "histogram chunk fuzzer: %s\n", what);
  std::abort();
}

struct Sample {
  int64_t t;
  FloatHistogram h;
};

bool Identical(const FloatHistogram& a, const FloatHistogram& b) {
  return a.counter_reset_hint == b.counter_reset_hint && a.schema == b.schema &&
         SameBits(a.zero_threshold, b.zero_threshold) && SameBits(a.zero_count, b.zero_count) &&
         SameBits(a.count, b.count) && SameBits(a.sum, b.sum) && a.positive_spans == b.positive_spans &&
         a.negative_spans == b.negative_spans && SameFloats(a.positive_buckets, b.positive_buckets) &&
         SameFloats(a.negative_buckets, b.negative_buckets) && SameFloats(a.custom_values, b.custom_values);
}

// Decodes; false when the chunk is corrupt.
bool Decode(HistogramChunkKind kind, std::string_view chunk, std::vector<Sample>* out,
            promref::model::ChunkCounterReset* header) {
  HistogramChunkIterator it(kind, chunk);
  while (it.Next() == promref::storage::ValueType::kHistogram) out->push_back({it.AtT(), it.AtHistogram()});
  *header = it.header();
  return it.Err().ok();
}

bool Writable(HistogramChunkKind kind, const std::vector<Sample>& samples) {
  bool stale_seen = false;
  for (const Sample& s : samples) {
    const bool stale = promref::model::IsStaleNaN(s.h.sum);
    if (stale_seen && !stale) return false;
    stale_seen = stale_seen || stale;
    if (kind == HistogramChunkKind::kInteger && !promref::model::FitsIntegerChunk(s.h)) return false;
  }
  return true;
}

void CheckAppender(const std::vector<Sample>& samples) {
  promref::tsdb::HistogramAppender app;
  promref::tsdb::ChunkBuffer buf;
  std::vector<std::pair<HistogramChunkKind, std::string>> chunks;
  for (const Sample& s : samples) {
    const auto plan = app.PlanAppend(s.h, chunks.empty());
    if (plan.action == promref::model::HistogramChunkTail::Action::kNewChunk)
      chunks.emplace_back(plan.kind, "");
    app.Apply(&buf, s.t, plan);
    chunks.back().second = std::string(buf.view());
  }
  size_t n = 0;
  for (const auto& [kind, bytes] : chunks) {
    std::vector<Sample> got;
    promref::model::ChunkCounterReset header;
    if (!Decode(kind, bytes, &got, &header)) Fail("appended chunk does not decode");
    n += got.size();
  }
  if (n != samples.size()) Fail("appended chunks lost samples");
}

void Check(HistogramChunkKind kind, std::string_view chunk) {
  std::vector<Sample> samples;
  promref::model::ChunkCounterReset header;
  if (!Decode(kind, chunk, &samples, &header)) return;
  CheckAppender(samples);
  if (!Writable(kind, samples)) return;
  promref::tsdb::ChunkBuffer buf;
  promref::tsdb::HistogramChunkEncoder enc;
  enc.Start(&buf, kind, header);
  for (const Sample& s : samples) enc.Append(&buf, s.t, s.h);
  std::vector<Sample> again;
  promref::model::ChunkCounterReset header2;
  if (!Decode(kind, buf.view(), &again, &header2)) Fail("re-encoded chunk does not decode");
  if (header2 != header || again.size() != samples.size()) Fail("re-encoded chunk differs in header or size");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (again[i].t != samples[i].t || !Identical(again[i].h, samples[i].h)) Fail("re-encoded sample differs");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto kind = data[0] % 2 == 0 ? HistogramChunkKind::kInteger : HistogramChunkKind::kFloat;
  Check(kind, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
