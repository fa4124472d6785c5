// A block's chunk files: "chunks/000001", "chunks/000002", ... Each starts with an 8-byte
// header (magic BE32 0x85BD40DD, version 1, 3 bytes padding) followed by chunks:
//
//     [data length: uvarint][encoding: 1 byte][data][CRC-32C of encoding and data: BE32]
//
// A chunk is addressed by a 64-bit reference: file sequence number (1-based) in the upper 32
// bits, byte offset in the lower 32. Files are cut before they would pass 512 MiB.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "tsdb/chunks/chunk.h"
#include "tsdb/util/file.h"

namespace promref::tsdb {

inline constexpr uint64_t kMaxChunkFileSize = 512ull << 20;

class ChunkWriter {
 public:
  explicit ChunkWriter(std::string dir, uint64_t max_file_size = kMaxChunkFileSize)
      : dir_(std::move(dir)), max_file_size_(max_file_size) {}
  ~ChunkWriter();
  // Writes a chunk; returns its reference.
  Result<uint64_t> Write(Encoding enc, std::string_view data);
  // Flushes, fsyncs and closes the current file.
  Status Close();
  uint64_t bytes_written() const { return total_; }

 private:
  Status Cut();
  Status Flush();
  std::string dir_;
  uint64_t max_file_size_;
  int fd_ = -1;
  uint32_t seq_ = 0;
  uint64_t file_size_ = 0;
  uint64_t total_ = 0;
  std::string buf_;
};

class ChunkReader {
 public:
  static Result<ChunkReader> Open(const std::string& dir);
  // The chunk at `ref`, checked against its CRC. Corrupt or dangling references are errors.
  Result<std::pair<Encoding, std::string_view>> Chunk(uint64_t ref) const;
  // Same, without the checksum (the hot path of queries; corruption then shows up as
  // decoding errors).
  bool ChunkFast(uint64_t ref, Encoding* enc, std::string_view* data) const;
  uint64_t Size() const;

 private:
  std::vector<MmapFile> files_;  // index = seq - 1
};

}  // namespace promref::tsdb
