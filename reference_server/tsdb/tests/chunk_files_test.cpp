// The head chunk files (head/chunk_files.h) on their own, and the DB restarting from them:
// what is written reads back byte for byte after a restart; a torn or damaged file is found,
// dropped with the files after it, and its samples come back from the WAL; truncation deletes
// the files the head no longer needs and keeps the head from taking back chunks it dropped.
#include "tsdb/head/chunk_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tsdb/db.h"
#include "tsdb/tests/test_util.h"

namespace promref::tsdb {
namespace {

namespace fs = std::filesystem;

struct Read {
  std::vector<HeadChunkRecord> chunks;
  std::vector<std::string> data;  // copies: the records point into maps
  std::optional<HeadChunkCorruption> corruption;
};

Read ReadAll(HeadChunkFiles& f) {
  Read r;
  r.corruption = f.ForEach([&](const HeadChunkRecord& c) -> std::optional<std::string> {
    r.chunks.push_back(c);
    r.data.emplace_back(c.data);
    return std::nullopt;
  });
  return r;
}

std::string Bytes(int i) {
  return testing::EncodeXor({{i * 10, std::bit_cast<uint64_t>(1.5 * i)}, {i * 10 + 5, 0x7ff0000000000002}});
}

TEST(HeadChunkFiles, WhatIsWrittenReadsBackAfterReopening) {
  testing::TempDir dir;
  std::vector<const uint8_t*> at;
  {
    auto f = *HeadChunkFiles::Open(dir.path());
    for (int i = 1; i <= 50; ++i) {
      auto p = f->Write(0, static_cast<uint64_t>(i % 7 + 1), i * 10, i * 10 + 5, Encoding::kXor, Bytes(i));
      ASSERT_TRUE(p.ok()) << p.error().message();
      // Readable through the map at once, without a reopen.
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(*p), Bytes(i).size()), Bytes(i));
    }
    EXPECT_EQ(f->NumFiles(), 1u);
  }
  auto f = *HeadChunkFiles::Open(dir.path());
  const Read r = ReadAll(*f);
  ASSERT_FALSE(r.corruption.has_value()) << r.corruption->reason;
  ASSERT_EQ(r.chunks.size(), 50u);
  for (int i = 1; i <= 50; ++i) {
    const HeadChunkRecord& c = r.chunks[static_cast<size_t>(i - 1)];
    EXPECT_EQ(c.series_ref, static_cast<uint64_t>(i % 7 + 1));
    EXPECT_EQ(c.mint, i * 10);
    EXPECT_EQ(c.maxt, i * 10 + 5);
    EXPECT_EQ(c.enc, Encoding::kXor);
    EXPECT_EQ(r.data[static_cast<size_t>(i - 1)], Bytes(i));
  }
  // New chunks go to a new file: the old ones are only read.
  ASSERT_TRUE(f->Write(0, 1, 1000, 1001, Encoding::kXor, Bytes(100)).ok());
  EXPECT_EQ(f->NumFiles(), 2u);
  EXPECT_TRUE(fs::exists(dir.path() + "/000002"));
}

// Damage in the middle of the newest file: the chunks before it read, then the damage is
// reported where it is.
void ExpectCorruptionAt(const std::string& dir, size_t good_chunks, const std::string& reason) {
  auto f = *HeadChunkFiles::Open(dir);
  const Read r = ReadAll(*f);
  ASSERT_TRUE(r.corruption.has_value());
  EXPECT_EQ(r.corruption->file, 1);
  EXPECT_NE(r.corruption->reason.find(reason), std::string::npos) << r.corruption->reason;
  EXPECT_EQ(r.chunks.size(), good_chunks);
  ASSERT_TRUE(f->DeleteFrom(r.corruption->file).ok());
  EXPECT_EQ(f->NumFiles(), 0u);
  EXPECT_FALSE(fs::exists(dir + "/000001"));
}

class DamagedFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = *HeadChunkFiles::Open(dir_.path());
    for (int i = 1; i <= 10; ++i)
      ASSERT_TRUE(f->Write(0, 1, i * 10, i * 10 + 5, Encoding::kXor, Bytes(i)).ok());
    path_ = dir_.path() + "/000001";
    size_ = fs::file_size(path_);
    record_ = (size_ - HeadChunkFiles::kHeaderSize) / 10;  // all ten are the same size
  }
  testing::TempDir dir_;
  std::string path_;
  uint64_t size_ = 0;
  uint64_t record_ = 0;
};

TEST_F(DamagedFile, ATornLastChunkIsReported) {
  fs::resize_file(path_, size_ - record_ / 2);
  ExpectCorruptionAt(dir_.path(), 9, "cut short");
}

TEST_F(DamagedFile, AFlippedByteFailsTheChecksum) {
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(HeadChunkFiles::kHeaderSize + 4 * record_ + record_ / 2));
    f.put('\x5a');
  }
  ExpectCorruptionAt(dir_.path(), 4, "checksum");
}

TEST_F(DamagedFile, AZeroedTailIsTheEnd) {
  fs::resize_file(path_, size_ + 4096);  // as a preallocated file leaves it
  auto f = *HeadChunkFiles::Open(dir_.path());
  const Read r = ReadAll(*f);
  EXPECT_FALSE(r.corruption.has_value());
  EXPECT_EQ(r.chunks.size(), 10u);
}

TEST_F(DamagedFile, ABadMagicNumberIsReported) {
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.put('\x02');  // the magic number begins with 0x01
  }
  ExpectCorruptionAt(dir_.path(), 0, "magic");
}

TEST(HeadChunkFiles, EachRangeHasItsFilesAndTruncationDeletesThemWhole) {
  testing::TempDir dir;
  auto f = *HeadChunkFiles::Open(dir.path());
  // Chunks of two ranges interleave at a range boundary (series cut their chunks at different
  // moments); each range keeps to its own file.
  ASSERT_TRUE(f->Write(0, 1, 0, 99, Encoding::kXor, Bytes(1)).ok());
  ASSERT_TRUE(f->Write(100, 2, 100, 150, Encoding::kXor, Bytes(2)).ok());
  ASSERT_TRUE(f->Write(0, 3, 10, 98, Encoding::kXor, Bytes(3)).ok());
  ASSERT_TRUE(f->Write(200, 1, 200, 299, Encoding::kXor, Bytes(4)).ok());
  EXPECT_EQ(f->NumFiles(), 3u);
  // Once the head lets go of [0, 200), the files of both ranges go, though still open.
  const std::vector<MmapFile> released = f->Truncate(200);
  EXPECT_EQ(released.size(), 2u);
  EXPECT_EQ(f->NumFiles(), 1u);
  EXPECT_FALSE(fs::exists(dir.path() + "/000001"));
  EXPECT_FALSE(fs::exists(dir.path() + "/000002"));
  EXPECT_EQ(f->MinTime(), 200);
  // The newest range is still written to its file.
  ASSERT_TRUE(f->Write(200, 2, 210, 290, Encoding::kXor, Bytes(5)).ok());
  EXPECT_EQ(f->NumFiles(), 1u);
  f.reset();
  auto again = *HeadChunkFiles::Open(dir.path());
  EXPECT_EQ(again->MinTime(), 200);
  const Read r = ReadAll(*again);
  ASSERT_EQ(r.chunks.size(), 2u);
  EXPECT_EQ(r.data[1], Bytes(5));
}

TEST(HeadChunkFiles, AnUnreadableTruncationTimeDropsTheFiles) {
  testing::TempDir dir;
  {
    auto f = *HeadChunkFiles::Open(dir.path());
    ASSERT_TRUE(f->Write(0, 1, 0, 99, Encoding::kXor, Bytes(1)).ok());
  }
  std::ofstream(dir.path() + "/min_time") << "garbage";
  auto f = HeadChunkFiles::Open(dir.path());
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ((*f)->NumFiles(), 0u);
  EXPECT_FALSE(fs::exists(dir.path() + "/000001"));
  EXPECT_EQ((*f)->MinTime(), INT64_MIN);
}

// --- The DB over its chunk files -------------------------------------------------------------

model::Labels Series(int s) {
  return {{"__name__", "mapped"}, {"instance", std::to_string(s)}};
}

Options DbOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.background_compaction = false;
  o.retention_time = 0;
  return o;
}

constexpr int kSeriesN = 20;
constexpr int64_t kSamples = 1000;  // 8 full chunks of 120 per series, and an open one

// Writes kSamples samples of kSeriesN series into a DB at `dir`, closes it, and returns what
// it held.
testing::Dump FillAndClose(const std::string& dir) {
  auto db = *DB::Open(DbOptions(dir));
  for (int64_t i = 0; i < kSamples; ++i) {
    auto app = db->MakeAppender();
    for (int s = 0; s < kSeriesN; ++s) {
      EXPECT_TRUE(app->Append(0, Series(s), i * 1000, static_cast<double>(i * s) / 7).ok());
    }
    EXPECT_TRUE(app->Commit().ok());
  }
  EXPECT_GT(db->HeadChunkFilesSize(), 0u);
  return testing::DumpAll(*db);
}

TEST(HeadChunkFilesDb, ARestartMapsFullChunksBackAndReplaysOnlyTheRest) {
  testing::TempDir dir;
  const testing::Dump before = FillAndClose(dir.path());
  auto db = *DB::Open(DbOptions(dir.path()));
  EXPECT_EQ(testing::DumpAll(*db), before);
  EXPECT_TRUE(db->WalReplay().warnings.empty());
  // 8 of 9 chunks per series came from the files; replay appended only the open chunk's
  // samples (it reads all WAL samples, skipping those the chunks hold).
  EXPECT_EQ(db->head().NumChunks(), static_cast<uint64_t>(9 * kSeriesN));
  const auto& rc = db->head().replay_counters();
  EXPECT_EQ(rc.samples, static_cast<uint64_t>(kSamples * kSeriesN));
  EXPECT_EQ(rc.mapped_chunks, static_cast<uint64_t>(8 * kSeriesN));
  EXPECT_EQ(rc.in_mapped_chunks, static_cast<uint64_t>(8 * 120 * kSeriesN));
  // Appends go on where they stopped.
  auto app = db->MakeAppender();
  EXPECT_TRUE(app->Append(0, Series(0), kSamples * 1000, 1).ok());
  EXPECT_EQ(app->Append(0, Series(1), (kSamples - 500) * 1000, 1).error, storage::AppendError::kOutOfOrder);
  ASSERT_TRUE(app->Commit().ok());
}

TEST(HeadChunkFilesDb, ADamagedChunkFileIsDroppedAndItsSamplesReplayed) {
  testing::TempDir dir;
  const testing::Dump before = FillAndClose(dir.path());
  const std::string file = dir.path() + "/chunks_head/000001";
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    f.put('\x33');
  }
  {
    auto db = *DB::Open(DbOptions(dir.path()));
    EXPECT_EQ(testing::DumpAll(*db), before);
    const auto warnings = db->WalReplay().warnings;
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("head chunk file 1 corrupt"), std::string::npos) << warnings[0];
    // Replay cut the chunks again, into a new file.
    EXPECT_EQ(db->head().replay_counters().mapped_chunks, 0u);
  }
  auto db = *DB::Open(DbOptions(dir.path()));
  EXPECT_EQ(testing::DumpAll(*db), before);
  EXPECT_TRUE(db->WalReplay().warnings.empty());
  EXPECT_EQ(db->head().replay_counters().mapped_chunks, static_cast<uint64_t>(8 * kSeriesN));
}

}  // namespace
}  // namespace promref::tsdb
