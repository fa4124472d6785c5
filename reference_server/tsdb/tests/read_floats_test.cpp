// SampleIterator::ReadFloats, the batch read the query engine loads floats with, against the
// sample-by-sample walk (Next, AtT, AtFloat) it must equal: over XOR chunks alone and over a
// series' chain of chunks, with range bounds, deleted intervals, small batches and reads that
// stop at `maxt` and go on.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tsdb/chunks/xor.h"
#include "tsdb/querier/querier.h"
#include "tsdb/tests/test_util.h"
#include "tsdb/tombstones/tombstones.h"

namespace promref::tsdb {
namespace {

using storage::ValueType;

using testing::EncodeXor;
using testing::Point;

// Series data cut into XOR chunks of the given sizes, times increasing by 1..`max_gap`.
struct ChunkedSeries {
  std::vector<std::string> chunks;  // encoded
  std::vector<std::pair<int64_t, int64_t>> spans;
  // Views into `chunks`, made when asked for (moving short strings moves their bytes).
  std::vector<ChunkMeta> Metas() const {
    std::vector<ChunkMeta> metas;
    for (size_t i = 0; i < chunks.size(); ++i) {
      metas.push_back({spans[i].first, spans[i].second, Encoding::kXor, chunks[i], 0});
    }
    return metas;
  }
};

ChunkedSeries Encode(const std::vector<std::vector<Point>>& per_chunk) {
  ChunkedSeries s;
  for (const auto& samples : per_chunk) s.chunks.push_back(EncodeXor(samples));
  for (const auto& samples : per_chunk) s.spans.emplace_back(samples.front().t, samples.back().t);
  return s;
}

// Everything from Seek(from) on, sample by sample.
std::vector<Point> Stepwise(storage::SampleIterator& it, int64_t from) {
  std::vector<Point> out;
  for (ValueType vt = it.Seek(from); vt == ValueType::kFloat; vt = it.Next()) {
    out.push_back({it.AtT(), std::bit_cast<uint64_t>(it.AtFloat())});
  }
  return out;
}

// The same by ReadFloats in batches of `cap`, each first bounded by `stop` (so a read ends
// early on the bound and the next goes on past it), with a plain Next() between batches every
// `next_every` batches to mix the two.
std::vector<Point> Batched(storage::SampleIterator& it, int64_t from, size_t cap, int64_t stop,
                           int next_every) {
  std::vector<Point> out;
  std::vector<int64_t> t(cap);
  std::vector<double> v(cap);
  ValueType vt = it.Seek(from);
  for (int batch = 1; vt == ValueType::kFloat; ++batch) {
    if (next_every > 0 && batch % next_every == 0) {
      out.push_back({it.AtT(), std::bit_cast<uint64_t>(it.AtFloat())});
      vt = it.Next();
      continue;
    }
    const int64_t maxt = it.AtT() <= stop ? stop : std::numeric_limits<int64_t>::max();
    const size_t n = it.ReadFloats(maxt, cap, t.data(), v.data(), &vt);
    EXPECT_GT(n, 0u) << "the current sample is within maxt, so at least it is read";
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) out.push_back({t[i], std::bit_cast<uint64_t>(v[i])});
    if (vt == ValueType::kFloat) {
      EXPECT_TRUE(n == cap || it.AtT() > maxt) << "a batch stops only when full or past maxt";
    }
  }
  EXPECT_TRUE(it.Err().ok());
  return out;
}

rc::Gen<std::vector<std::vector<Point>>> GenChunks() {
  return rc::gen::exec([] {
    const int chunks = *rc::gen::inRange(1, 5);
    std::vector<std::vector<Point>> out;
    int64_t t = *rc::gen::inRange<int64_t>(-1000, 1000);
    for (int c = 0; c < chunks; ++c) {
      const int n = *rc::gen::inRange(1, 200);
      std::vector<Point> samples;
      for (int i = 0; i < n; ++i) {
        samples.push_back({t, *rc::gen::oneOf(rc::gen::just<uint64_t>(0x3ff0000000000000),
                                              rc::gen::arbitrary<uint64_t>())});
        t += *rc::gen::inRange<int64_t>(1, 40);
      }
      out.push_back(std::move(samples));
    }
    return out;
  });
}

RC_GTEST_PROP(ReadFloats, XorChunkEqualsStepwise, ()) {
  const auto per_chunk = *GenChunks();
  const ChunkedSeries s = Encode({per_chunk[0]});
  const int64_t from = *rc::gen::inRange<int64_t>(per_chunk[0].front().t - 5, per_chunk[0].back().t + 5);
  const auto cap = *rc::gen::inRange<size_t>(1, 300);
  const int64_t stop = *rc::gen::inRange<int64_t>(per_chunk[0].front().t, per_chunk[0].back().t + 1);
  XorIterator a(s.chunks[0]), b(s.chunks[0]);
  RC_ASSERT(Batched(b, from, cap, stop, *rc::gen::inRange(0, 4)) == Stepwise(a, from));
}

RC_GTEST_PROP(ReadFloats, ChunkChainEqualsStepwise, ()) {
  const auto per_chunk = *GenChunks();
  const ChunkedSeries s = Encode(per_chunk);
  const int64_t first = per_chunk.front().front().t, last = per_chunk.back().back().t;
  const int64_t mint = *rc::gen::inRange<int64_t>(first - 5, last + 5);
  const int64_t maxt = *rc::gen::inRange<int64_t>(mint, last + 10);
  Intervals deleted;
  if (*rc::gen::inRange(0, 3) == 0) {
    const int64_t d = *rc::gen::inRange<int64_t>(first, last + 1);
    deleted.Add({d, d + *rc::gen::inRange<int64_t>(0, 100)});
  }
  const int64_t from = *rc::gen::inRange<int64_t>(first - 5, last + 5);
  const auto cap = *rc::gen::inRange<size_t>(1, 300);
  const int64_t stop = *rc::gen::inRange<int64_t>(first, last + 1);
  auto a = NewChunkSeriesIterator(s.Metas(), deleted, mint, maxt, {});
  auto b = NewChunkSeriesIterator(s.Metas(), deleted, mint, maxt, {});
  RC_ASSERT(Batched(*b, from, cap, stop, *rc::gen::inRange(0, 4)) == Stepwise(*a, from));
}

TEST(ReadFloats, StopsAtMaxtAndLeavesTheNextSampleCurrent) {
  const ChunkedSeries s = Encode({{{10, 1}, {20, 2}, {30, 3}}, {{40, 4}, {50, 5}}});
  auto it = NewChunkSeriesIterator(s.Metas(), {}, 0, 100, {});
  int64_t t[8];
  double v[8];
  ValueType vt;
  ASSERT_EQ(it->Next(), ValueType::kFloat);
  ASSERT_EQ(it->ReadFloats(40, 8, t, v, &vt), 4u) << "across the chunk boundary, up to maxt";
  EXPECT_EQ(t[3], 40);
  EXPECT_EQ(vt, ValueType::kFloat);
  EXPECT_EQ(it->AtT(), 50) << "the first sample past maxt is current, not consumed";
  EXPECT_EQ(it->ReadFloats(100, 8, t, v, &vt), 1u);
  EXPECT_EQ(vt, ValueType::kNone);
}

}  // namespace
}  // namespace promref::tsdb
