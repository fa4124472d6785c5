// HeadChunkFiles: the head's full chunks on disk, memory-mapped (<data>/chunks_head/000001, ...).
//
// Once a head chunk is full it never changes, so the head writes it here and keeps a pointer
// into the file's map instead of the chunk's bytes: memory per series no longer grows with the
// chunks a series has in the head, and the page cache may drop the pages. On a restart the
// chunks are mapped back and WAL replay skips the samples they hold, so a restart replays
// about one chunk's worth of samples per series instead of the whole head.
//
// The files are a cache of what the WAL (with its checkpoint) and the blocks hold, never the
// only copy: a damaged file is deleted with the files after it and its samples replayed from
// the WAL, as Prometheus does. That is why writes are not fsynced.
//
// Layout, as Prometheus' head chunk files (tsdb/docs/format/head_chunks.md):
//   file   = magic (BE32 0x0130BC91) | version (1) | 3 zero bytes | chunk...
//   chunk  = series ref (BE64) | mint (BE64) | maxt (BE64) | encoding (1 byte)
//            | data length (uvarint) | data | CRC-32C of everything before it (BE32)
// The encoding byte is promref's (tsdb/chunks/chunk.h), so the files are promref's own: a
// Prometheus reading them would skip chunks of encodings it does not know.
// A file ends at its size, or at a zeroed tail (preallocation, as Prometheus allows).
// New chunks always go to a file begun by this process; files from before a restart are read
// only. A file holds the chunks of one block range (the head says which a chunk lies in), so
// that once the head lets go of a range its files go whole; it is at most 128 MiB.
//
// Thread-safe. Write is called by appenders under their series' lock; the returned bytes are
// readable without any lock until the file is truncated away and its map released.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/util/file.h"

namespace promref::tsdb {

// One chunk as the files hold it.
struct HeadChunkRecord {
  uint64_t series_ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
  Encoding enc = Encoding::kNone;
  std::string_view data;  // in the file's map
};

// Where the files stop making sense.
struct HeadChunkCorruption {
  int file = 0;         // sequence number
  uint64_t offset = 0;  // of the damaged chunk (or header)
  std::string reason;
};

class HeadChunkFiles {
 public:
  static constexpr uint32_t kMagic = 0x0130BC91;
  static constexpr uint64_t kHeaderSize = 8;
  static constexpr uint64_t kMaxFileSize = 128 << 20;

  // Opens (creating) the directory and maps the files in it. Nothing is validated yet: see
  // ForEach.
  static Result<std::unique_ptr<HeadChunkFiles>> Open(const std::string& dir);
  ~HeadChunkFiles();
  HeadChunkFiles(const HeadChunkFiles&) = delete;
  HeadChunkFiles& operator=(const HeadChunkFiles&) = delete;

  // Calls `f` with every chunk, oldest file first, checking headers, lengths and checksums.
  // Stops at the first damaged chunk, or at the first chunk `f` rejects (it returns why), and
  // reports where.
  using Visitor = std::function<std::optional<std::string>(const HeadChunkRecord&)>;
  std::optional<HeadChunkCorruption> ForEach(const Visitor& f);
  // Deletes file `file` and every later one (after a corruption there: what a torn or damaged
  // file leaves cannot be trusted, nor can the order of what follows it).
  Status DeleteFrom(int file);

  // Appends a chunk to the files of the block range beginning at `range_start` and returns
  // where its data lies in the map. On an error (a full disk) nothing of the chunk stays in
  // the file and the caller keeps the chunk in memory.
  Result<const uint8_t*> Write(int64_t range_start, uint64_t series_ref, int64_t mint, int64_t maxt,
                               Encoding enc, std::string_view data);

  // The head was truncated at `mint`: chunks ending before it are no longer the head's. Records
  // `mint` (MinTime) and deletes the files whose chunks all end before it, closing those still
  // written to. The deleted files' maps are handed back: the caller releases them once no
  // reader can still hold a pointer into them.
  std::vector<MmapFile> Truncate(int64_t mint);
  // The latest truncation time, kept across restarts (<dir>/min_time): a kept file may still
  // hold chunks the head dropped, and where no block covers their time (everything in it was
  // deleted), only this tells the next start not to take them back.
  int64_t MinTime() const;

  uint64_t Size() const;  // bytes in all files
  size_t NumFiles() const;
  const std::string& dir() const { return dir_; }

 private:
  struct File {
    int seq = 0;
    MmapFile map;
    uint64_t size = 0;         // bytes written (a file written to) or on disk
    int64_t maxt = INT64_MIN;  // newest chunk end; INT64_MIN: none (or not read yet)
    int fd = -1;               // open while chunks of its range are written to it
    int64_t range_start = INT64_MIN;
  };

  explicit HeadChunkFiles(std::string dir) : dir_(std::move(dir)) {}
  std::string PathOf(int seq) const;
  Result<File*> WritableFileLocked(int64_t range_start, uint64_t need);
  static void Close(File& f);
  Status RemoveLocked(size_t i);
  std::optional<HeadChunkCorruption> ReadChunks(File& f, const Visitor& visit) const;
  void PersistMinTimeLocked(int64_t mint);

  const std::string dir_;
  mutable std::mutex mu_;
  std::vector<File> files_;  // by sequence
  std::string scratch_;      // the record being written
  int64_t min_time_ = INT64_MIN;
};

}  // namespace promref::tsdb
