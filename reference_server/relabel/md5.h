// MD5 (RFC 1321), implemented from the RFC. Relabeling's hashmod action shards targets by an
// MD5 of their label values; the shard a target lands in must be the one Prometheus picks, so
// the hash must be MD5 itself, not merely a good hash. Not for anything security-related.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace promref::relabel {

using Md5Digest = std::array<uint8_t, 16>;

Md5Digest Md5(std::string_view data);

}  // namespace promref::relabel
