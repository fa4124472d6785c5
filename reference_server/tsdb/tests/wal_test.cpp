#include "tsdb/wal/wal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tsdb/db.h"
#include "tsdb/tests/test_util.h"
#include "tsdb/wal/checkpoint.h"
#include "tsdb/wal/records.h"

namespace promref::tsdb::wal {
namespace {

namespace fs = std::filesystem;

std::string Framed(std::string_view payload) {
  std::string out;
  const size_t start = BeginRecord(&out);
  out.append(payload);
  EndRecord(&out, start);
  return out;
}

std::vector<std::string> ReadAll(const std::string& dir, std::optional<Corruption>* corruption = nullptr) {
  Reader r(*ListSegments(dir));
  std::vector<std::string> out;
  while (r.Next()) out.emplace_back(r.Record());
  if (corruption != nullptr) *corruption = r.corruption();
  return out;
}

void CorruptByte(const std::string& path, size_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x40));
}

TEST(Wal, WritesReadsAndRotatesSegments) {
  testing::TempDir dir;
  {
    auto w = *Wal::Open(dir.path(), {.segment_size = 100});
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(w->Log(Framed("record " + std::to_string(i))).ok());
    EXPECT_GE(w->CurrentSegment(), 3);
  }
  const auto recs = ReadAll(dir.path());
  ASSERT_EQ(recs.size(), 20u);
  EXPECT_EQ(recs[7], "record 7");
  // Reopening starts a fresh segment after the last.
  const int last = ListSegments(dir.path())->back().index;
  auto w = *Wal::Open(dir.path(), {});
  EXPECT_EQ(w->CurrentSegment(), last + 1);
}

TEST(Wal, TornTailIsReportedAndCutOff) {
  testing::TempDir dir;
  {
    auto w = *Wal::Open(dir.path(), {});
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(w->Log(Framed(std::string(50, static_cast<char>('a' + i)))).ok());
  }
  const SegmentRef seg = ListSegments(dir.path())->back();
  const auto size = fs::file_size(seg.path);
  fs::resize_file(seg.path, size - 20);  // the last record loses its end
  std::optional<Corruption> c;
  EXPECT_EQ(ReadAll(dir.path(), &c).size(), 9u);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reason, "torn record");
  EXPECT_EQ(c->offset, 9u * 58);
  ASSERT_TRUE(Repair(dir.path(), *c).ok());
  EXPECT_EQ(fs::file_size(seg.path), 9u * 58);
  EXPECT_EQ(ReadAll(dir.path(), &c).size(), 9u);
  EXPECT_FALSE(c.has_value());
}

TEST(Wal, CorruptRecordCutsTheLogThereAndDropsLaterSegments) {
  testing::TempDir dir;
  {
    auto w = *Wal::Open(dir.path(), {.segment_size = 200});
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(w->Log(Framed("payload-" + std::to_string(100 + i))).ok());
  }
  auto segs = *ListSegments(dir.path());
  ASSERT_GE(segs.size(), 3u);
  CorruptByte(segs[1].path, 8 + 3);  // inside the second record... of segment 1's first record payload
  std::optional<Corruption> c;
  const auto before = ReadAll(dir.path(), &c);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reason, "checksum mismatch");
  EXPECT_EQ(c->segment, segs[1].index);
  ASSERT_TRUE(Repair(dir.path(), *c).ok());
  const auto after = ReadAll(dir.path(), &c);
  EXPECT_FALSE(c.has_value());
  EXPECT_EQ(after, before);
  EXPECT_EQ(ListSegments(dir.path())->back().index, segs[1].index);
}

TEST(Wal, ZeroedTailIsCorruption) {
  testing::TempDir dir;
  {
    auto w = *Wal::Open(dir.path(), {});
    ASSERT_TRUE(w->Log(Framed("x")).ok());
  }
  const SegmentRef seg = ListSegments(dir.path())->back();
  std::ofstream(seg.path, std::ios::app | std::ios::binary) << std::string(64, '\0');
  std::optional<Corruption> c;
  EXPECT_EQ(ReadAll(dir.path(), &c).size(), 1u);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reason, "zero-length record");
}

TEST(WalRecords, RoundTrip) {
  std::string buf;
  EncodeSeries({{1, {{"__name__", "a"}}}, {300, {{"__name__", "b"}, {"x", "y"}}}}, &buf);
  std::vector<RefSeries> series;
  ASSERT_TRUE(DecodeSeries(buf, &series));
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[1].ref, 300u);
  EXPECT_EQ(series[1].labels.Get("x"), "y");

  buf.clear();
  EncodeSamples({{5, 1000, 1.5}, {3, 999, -2}, {700, -5, std::bit_cast<double>(model::kStaleNaNBits)}}, &buf);
  std::vector<RefSample> samples;
  ASSERT_TRUE(DecodeSamples(buf, &samples));
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[1].ref, 3u);
  EXPECT_EQ(samples[2].t, -5);
  EXPECT_EQ(std::bit_cast<uint64_t>(samples[2].v), model::kStaleNaNBits);
  EXPECT_EQ(TypeOf(buf), RecordType::kSamples);  // no start timestamps: the plain type

  // With start timestamps (only one sample needs one) the other type, read by the same decoder.
  buf.clear();
  EncodeSamples({{5, 1000, 1.5, 0}, {3, 999, -2, 1001}, {7, 2000, 3, -9'000'000'000'000}}, &buf);
  EXPECT_EQ(TypeOf(buf), RecordType::kSamplesWithStart);
  samples.clear();
  ASSERT_TRUE(DecodeSamples(buf, &samples));
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].st, 0);
  EXPECT_EQ(samples[1].st, 1001);
  EXPECT_EQ(samples[2].st, -9'000'000'000'000);
  EXPECT_EQ(samples[2].v, 3);
  model::FloatHistogram h;
  h.count = 4;
  buf.clear();
  EncodeHistograms({{9, 50, h, 40}}, &buf);
  EXPECT_EQ(TypeOf(buf), RecordType::kHistogramsWithStart);
  std::vector<RefHistogram> hs;
  ASSERT_TRUE(DecodeHistograms(buf, &hs));
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].st, 40);
  EXPECT_EQ(hs[0].h.count, 4);

  buf.clear();
  EncodeMetadata({{"fam", {storage::MetricType::kSummary, "help text", "bytes"}}}, &buf);
  std::vector<RefMetadata> md;
  ASSERT_TRUE(DecodeMetadata(buf, &md));
  EXPECT_EQ(md[0].meta.help, "help text");

  // Truncated payloads are rejected, not misread.
  std::vector<RefSample> bad;
  EXPECT_FALSE(DecodeSamples(std::string_view(buf).substr(0, 3), &bad));
  EXPECT_EQ(TypeOf("\x09"), RecordType::kUnknown);
}

// Through the DB: a corrupt WAL tail costs the records after it, never the start-up.
TEST(Wal, DbStartsAfterCorruptionAndReportsIt) {
  testing::TempDir dir;
  tsdb::Options o;
  o.dir = dir.path();
  o.background_compaction = false;
  o.retention_time = 0;
  o.wal_compression = Compression::kNone;  // so that the flipped byte lands in a payload
  const model::Labels l{{"__name__", "m"}};
  {
    auto db = *DB::Open(o);
    for (int i = 0; i < 100; ++i) {
      auto app = db->MakeAppender();
      ASSERT_TRUE(app->Append(0, l, i * 1000, i).ok());
      ASSERT_TRUE(app->Commit().ok());
    }
  }
  const SegmentRef seg = ListSegments(dir.path() + "/wal")->back();
  CorruptByte(seg.path, fs::file_size(seg.path) - 30);
  auto db = DB::Open(o);
  ASSERT_TRUE(db.ok());
  const auto st = (*db)->WalReplay();
  ASSERT_EQ(st.warnings.size(), 1u);
  EXPECT_NE(st.warnings[0].find("checksum mismatch"), std::string::npos);
  const auto d = testing::DumpAll(**db);
  ASSERT_EQ(d.size(), 1u);
  const auto& pts = d.begin()->second;
  EXPECT_GE(pts.size(), 97u);
  EXPECT_LT(pts.size(), 100u);
  // New appends continue after what survived.
  auto app = (*db)->MakeAppender();
  EXPECT_TRUE(app->Append(0, l, 200000, 1).ok());
  EXPECT_TRUE(app->Commit().ok());
}

// Each compression writes records that read back exactly, shrinks a repetitive record, and
// stores a record that would not shrink as it is.
TEST(WalCompression, RecordsRoundTripAndShrink) {
  std::string repetitive;
  for (int i = 0; i < 500; ++i) repetitive += "sample " + std::to_string(i % 7) + ";";
  std::string random_bytes;
  uint32_t x = 12345;
  for (int i = 0; i < 300; ++i) {
    x = x * 1103515245 + 12345;
    random_bytes.push_back(static_cast<char>(x >> 16));
  }
  for (const Compression c : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    SCOPED_TRACE(std::string(CompressionName(c)));
    testing::TempDir dir;
    std::vector<size_t> framed;
    {
      auto w = *Wal::Open(dir.path(), {.compression = c});
      for (const std::string& rec : {repetitive, random_bytes, std::string("x")}) {
        std::string buf;
        const size_t start = BeginRecord(&buf);
        buf.append(rec);
        EndRecord(&buf, start, w->compression());
        framed.push_back(buf.size());
        ASSERT_TRUE(w->Log(buf).ok());
      }
    }
    // Random bytes and a one-byte record do not shrink: stored as they are, never larger.
    EXPECT_EQ(framed[1], kRecordHeaderSize + random_bytes.size());
    EXPECT_EQ(framed[2], kRecordHeaderSize + 1);
    if (c == Compression::kNone) {
      EXPECT_EQ(framed[0], kRecordHeaderSize + repetitive.size());
    } else {
      EXPECT_LT(framed[0], (kRecordHeaderSize + repetitive.size()) / 5);
    }
    std::optional<Corruption> corruption;
    const auto recs = ReadAll(dir.path(), &corruption);
    EXPECT_FALSE(corruption.has_value());
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0], repetitive);
    EXPECT_EQ(recs[1], random_bytes);
    EXPECT_EQ(recs[2], "x");
  }
}

// A compressed record whose stored bytes are damaged (checksum rewritten to match) is reported
// as corruption, not decompressed into garbage or a crash.
TEST(WalCompression, UndecodableRecordIsCorruption) {
  testing::TempDir dir;
  std::string rec(2000, 'a');
  std::string buf;
  const size_t start = BeginRecord(&buf);
  buf.append(rec);
  EndRecord(&buf, start, Compression::kZstd);
  ASSERT_LT(buf.size(), 200u);
  buf[kRecordHeaderSize + 1] ^= 0x55;  // inside zstd's frame header
  // Recompute the checksum over the damaged payload, as a bug upstream of it would.
  std::string payload = buf.substr(kRecordHeaderSize);
  std::string reframed;
  const size_t s2 = BeginRecord(&reframed);
  reframed.append(payload);
  EndRecord(&reframed, s2);
  reframed[0] = static_cast<char>(static_cast<uint8_t>(reframed[0]) | 0x80);  // says zstd
  {
    auto w = *Wal::Open(dir.path(), {});
    ASSERT_TRUE(w->Log(reframed).ok());
  }
  std::optional<Corruption> corruption;
  EXPECT_TRUE(ReadAll(dir.path(), &corruption).empty());
  ASSERT_TRUE(corruption.has_value());
  EXPECT_EQ(corruption->reason, "undecodable zstd record");
}

// A DB's WAL written with one compression replays under another setting (each record says how
// it was written), and snappy's WAL is several times smaller than an uncompressed one.
TEST(WalCompression, DbReplaysAcrossSettingsAndSnappyShrinksTheLog) {
  auto fill = [](const std::string& path, Compression c) {
    tsdb::Options o;
    o.dir = path;
    o.background_compaction = false;
    o.retention_time = 0;
    o.wal_compression = c;
    auto db = *DB::Open(o);
    for (int b = 0; b < 60; ++b) {
      auto app = db->MakeAppender();
      for (int s = 0; s < 200; ++s) {
        const model::Labels l{
            {"__name__", "wal_size"}, {"instance", "host-" + std::to_string(s)}, {"job", "node"}};
        ASSERT_TRUE(app->Append(0, l, b * 15000, (s % 3 == 0) ? b * 10.0 : 42.5).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
  };
  auto wal_bytes = [](const std::string& path) {
    uint64_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(path + "/wal")) {
      if (e.is_regular_file()) n += e.file_size();
    }
    return n;
  };
  testing::TempDir plain, snappy, zstd;
  fill(plain.path(), Compression::kNone);
  fill(snappy.path(), Compression::kSnappy);
  fill(zstd.path(), Compression::kZstd);
  EXPECT_LT(wal_bytes(snappy.path()) * 2, wal_bytes(plain.path()));
  EXPECT_LT(wal_bytes(zstd.path()), wal_bytes(snappy.path()));
  std::printf("WAL bytes for 12,000 samples: none %llu, snappy %llu, zstd %llu\n",
              static_cast<unsigned long long>(wal_bytes(plain.path())),
              static_cast<unsigned long long>(wal_bytes(snappy.path())),
              static_cast<unsigned long long>(wal_bytes(zstd.path())));
  testing::Dump want;
  for (const auto* d : {&plain, &snappy, &zstd}) {
    tsdb::Options o;
    o.dir = d->path();
    o.background_compaction = false;
    o.retention_time = 0;
    o.wal_compression = Compression::kNone;  // the reading side's setting does not matter
    auto db = *DB::Open(o);
    EXPECT_TRUE(db->WalReplay().warnings.empty());
    const testing::Dump got = testing::DumpAll(*db);
    ASSERT_EQ(got.size(), 200u);
    if (d == &plain) want = got;
    EXPECT_EQ(got, want);
  }
}

TEST(Checkpoint, KeepsOnlyLiveDataAndReplaysLikeTheLog) {
  testing::TempDir dir;
  auto w = *Wal::Open(dir.path(), {.segment_size = 256});
  auto log = [&](auto encode, const auto& v) {
    std::string buf;
    const size_t start = BeginRecord(&buf);
    encode(v, &buf);
    EndRecord(&buf, start);
    ASSERT_TRUE(w->Log(buf).ok());
  };
  log(EncodeSeries, std::vector<RefSeries>{{1, {{"__name__", "alive"}}}, {2, {{"__name__", "dead"}}}});
  for (int t = 0; t < 20; ++t)
    log(EncodeSamples, std::vector<RefSample>{{1, t * 10, 1.0 * t}, {2, t * 10, 2.0}});
  log(EncodeTombstones, std::vector<RefTombstone>{{1, 0, 50}, {1, 150, 160}});
  const int closed = *w->NextSegment();
  CheckpointFilter f;
  f.keep_series = [](uint64_t ref) { return ref == 1; };
  f.keep_sample = [](uint64_t ref, int64_t t) { return ref == 1 && t >= 100; };
  f.mint = 100;
  f.metadata = {{"alive", {storage::MetricType::kGauge, "h", ""}}};
  ASSERT_TRUE(Checkpoint(*w, closed, f).ok());
  const CheckpointRef cp = LastCheckpoint(dir.path());
  EXPECT_EQ(cp.index, closed);
  EXPECT_EQ(ListSegments(dir.path())->front().index, closed + 1);
  Reader r(*ListSegments(cp.dir));
  size_t samples = 0;
  size_t series = 0;
  size_t stones = 0;
  size_t meta = 0;
  while (r.Next()) {
    std::vector<RefSample> s;
    std::vector<RefSeries> se;
    std::vector<RefTombstone> ts;
    std::vector<RefMetadata> md;
    if (DecodeSamples(r.Record(), &s)) {
      for (const auto& x : s) EXPECT_GE(x.t, 100);
      samples += s.size();
    }
    if (DecodeSeries(r.Record(), &se)) series += se.size();
    if (DecodeTombstones(r.Record(), &ts)) stones += ts.size();
    if (DecodeMetadata(r.Record(), &md)) meta += md.size();
  }
  EXPECT_FALSE(r.corruption().has_value());
  EXPECT_EQ(series, 1u);
  EXPECT_EQ(samples, 10u);
  EXPECT_EQ(stones, 1u);
  EXPECT_EQ(meta, 1u);
}

}  // namespace
}  // namespace promref::tsdb::wal
