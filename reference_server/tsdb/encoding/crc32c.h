// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of every
// persisted record (WAL records, chunks, index sections, tombstones).
//
// Table-driven, slicing-by-8: eight 256-entry tables let the loop consume 8 bytes per step,
// which keeps checksumming well below the cost of writing the bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace promref::tsdb {

// The CRC-32C of `data`, continuing from `crc` (the value returned for the preceding bytes;
// 0 to start). Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace promref::tsdb
