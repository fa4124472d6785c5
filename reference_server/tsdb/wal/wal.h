// The write-ahead log: what makes committed samples survive a crash before they reach a block.
//
// Layout: a directory of numbered segment files ("00000000", "00000001", ...), each a sequence
// of records framed as
//
//     [compression: 2 bits | payload length: 30 bits, BE32][CRC-32C of payload: BE32][payload]
//
// where the payload is the record, compressed as the top bits say (compression.h; 0: stored
// as it is, which is all that WALs from before compression hold, so they stay readable). The
// checksum covers the payload as stored, so corruption is found before decompression.
//
// A record never spans segments. A segment is closed (fsynced) once it would grow past
// Options::segment_size, and a new one started. On open the writer always starts a fresh
// segment after the last one, so a torn tail left by a crash is never appended to.
//
// Reading stops at the first record that is truncated or fails its checksum; Repair() then
// cuts the log there (truncating that segment, deleting later ones), so corruption costs the
// records after it, never the ability to start.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "tsdb/util/file.h"
#include "tsdb/wal/compression.h"

namespace promref::tsdb::wal {

enum class SyncPolicy {
  kNever,        // write() on every commit, fsync only when a segment is closed
  kEveryCommit,  // fsync before a commit returns (survives power loss)
  kInterval,     // fsync on a commit when `sync_interval` has passed since the last fsync
};

struct Options {
  size_t segment_size = 128 << 20;
  SyncPolicy sync = SyncPolicy::kNever;
  std::chrono::milliseconds sync_interval{1000};
  Compression compression = Compression::kNone;
};

inline constexpr size_t kRecordHeaderSize = 8;

// Framing helpers: BeginRecord reserves the header in `buf` and returns its offset; the caller
// appends the payload; EndRecord compresses it with `c` (when that makes it smaller) and fills
// in the header.
size_t BeginRecord(std::string* buf);
void EndRecord(std::string* buf, size_t start, Compression c = Compression::kNone);

// Reads the record framed at the start of `data`: on kRecord, *record is its payload
// (decompressed into *scratch when it was stored compressed) and *size the bytes the frame
// takes; otherwise *reason says what is wrong. kIncomplete: the frame runs past `data` (a torn
// tail, or a record still being written for a reader that tails a live segment).
enum class FrameStatus { kRecord, kIncomplete, kCorrupt };
FrameStatus ReadFrame(std::string_view data, std::string* scratch, std::string_view* record, size_t* size,
                      std::string* reason);

std::string SegmentName(int index);

struct SegmentRef {
  int index = 0;
  std::string path;
};
// The numbered segment files in `dir`, ascending. Other files are ignored.
Result<std::vector<SegmentRef>> ListSegments(const std::string& dir);

class Wal {
 public:
  // Opens (creating) `dir` and starts a new segment after the last existing one.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, Options options);
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends already framed records (see BeginRecord/EndRecord) in one write, then fsyncs as
  // the policy says (`force_sync` fsyncs regardless). On error nothing is appended.
  Status Log(std::string_view framed, bool force_sync = false);
  Status Sync();
  // Closes the current segment and starts the next. Returns the index of the closed one.
  Result<int> NextSegment();
  // Deletes segments numbered below `index`.
  Status TruncateBefore(int index);

  const std::string& dir() const { return dir_; }
  // What records logged here should be compressed with (EndRecord's `c`).
  Compression compression() const { return options_.compression; }
  // Index of the segment being written.
  int CurrentSegment() const;
  // First segment on disk.
  int FirstSegment() const;

 private:
  Wal(std::string dir, Options options) : dir_(std::move(dir)), options_(options) {}
  Status OpenSegment(int index);  // mu_ held
  Status CloseSegment();          // mu_ held

  const std::string dir_;
  const Options options_;
  mutable std::mutex mu_;
  int fd_ = -1;
  int segment_ = 0;
  int first_segment_ = 0;
  size_t segment_bytes_ = 0;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_sync_;
};

struct Corruption {
  int segment = 0;
  std::string path;
  uint64_t offset = 0;
  std::string reason;
};

// Reads records from a list of segments in order.
class Reader {
 public:
  explicit Reader(std::vector<SegmentRef> segments) : segments_(std::move(segments)) {}
  // Advances to the next record. False at the end, on corruption (see corruption()) or on an
  // I/O error (see error()).
  bool Next();
  // The current record's payload; valid until the next call to Next().
  std::string_view Record() const { return record_; }
  int CurrentSegment() const { return current_ < segments_.size() ? segments_[current_].index : -1; }
  const std::optional<Corruption>& corruption() const { return corruption_; }
  const std::optional<Error>& error() const { return error_; }

 private:
  std::vector<SegmentRef> segments_;
  size_t current_ = 0;
  bool opened_ = false;
  MmapFile file_;
  size_t offset_ = 0;
  std::string_view record_;
  std::string decompressed_;  // the current record, when it was stored compressed
  std::optional<Corruption> corruption_;
  std::optional<Error> error_;
};

// Cuts the log at `c`: truncates that segment to the corrupt record's offset and deletes every
// later segment in `dir`.
Status Repair(const std::string& dir, const Corruption& c);

}  // namespace promref::tsdb::wal
