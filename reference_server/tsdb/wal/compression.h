// Record compression of the WAL, as Prometheus' --storage.tsdb.wal-compression and
// --storage.tsdb.wal-compression-type: each record is compressed on its own (snappy or zstd), so
// a record stays the unit of reading, checksumming and repair. A record that would not shrink is
// stored as it is, so compression never costs space.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.h"

namespace promref::tsdb::wal {

enum class Compression : uint8_t { kNone = 0, kSnappy = 1, kZstd = 2 };

// "none", "snappy" or "zstd" (Prometheus' names; "none" is what --no-...wal-compression means).
Result<Compression> ParseCompression(std::string_view name);
std::string_view CompressionName(Compression c);

// Largest uncompressed record a reader accepts: a bound on what a corrupt length can make it
// allocate.
inline constexpr size_t kMaxRecordSize = size_t{1} << 30;

// Appends `in` compressed with `c` to `out` (c != kNone).
void Compress(Compression c, std::string_view in, std::string* out);
// Replaces `out` with `in` decompressed; false when `in` is not a valid `c` stream or would
// decompress past kMaxRecordSize.
bool Decompress(Compression c, std::string_view in, std::string* out);

}  // namespace promref::tsdb::wal
