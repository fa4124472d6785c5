// xxHash64 (Yann Collet's XXH64, implemented from its public specification): a fast,
// well-distributed hash whose value is stable across runs, builds and machines, so it can be
// persisted (postings shards, WAL series records) and used in tests.
#pragma once

#include <cstdint>
#include <string_view>

namespace promref::model {

uint64_t XxHash64(std::string_view data, uint64_t seed = 0);

}  // namespace promref::model
