#include "tsdb/block/meta.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

namespace promref::tsdb {

namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string EncodeMeta(const BlockMeta& m) {
  nlohmann::ordered_json j;
  j["ulid"] = m.ulid;
  j["minTime"] = m.min_time;
  j["maxTime"] = m.max_time;
  j["stats"] = {{"numSamples", m.stats.num_samples},
                {"numSeries", m.stats.num_series},
                {"numChunks", m.stats.num_chunks}};
  if (m.stats.num_tombstones > 0) j["stats"]["numTombstones"] = m.stats.num_tombstones;
  nlohmann::ordered_json c;
  c["level"] = m.level;
  c["sources"] = m.sources;
  if (!m.parents.empty()) {
    c["parents"] = nlohmann::ordered_json::array();
    for (const BlockParent& p : m.parents) {
      c["parents"].push_back({{"ulid", p.ulid}, {"minTime", p.min_time}, {"maxTime", p.max_time}});
    }
  }
  j["compaction"] = c;
  j["version"] = m.version;
  return j.dump(1, '\t') + "\n";
}

Result<BlockMeta> DecodeMeta(std::string_view json) {
  try {
    const auto j = nlohmann::json::parse(json);
    BlockMeta m;
    m.ulid = j.at("ulid").get<std::string>();
    m.min_time = j.at("minTime").get<int64_t>();
    m.max_time = j.at("maxTime").get<int64_t>();
    if (j.contains("stats")) {
      const auto& s = j.at("stats");
      m.stats.num_samples = s.value("numSamples", uint64_t{0});
      m.stats.num_series = s.value("numSeries", uint64_t{0});
      m.stats.num_chunks = s.value("numChunks", uint64_t{0});
      m.stats.num_tombstones = s.value("numTombstones", uint64_t{0});
    }
    if (j.contains("compaction")) {
      const auto& c = j.at("compaction");
      m.level = c.value("level", 1);
      if (c.contains("sources")) m.sources = c.at("sources").get<std::vector<std::string>>();
      if (c.contains("parents")) {
        for (const auto& p : c.at("parents")) {
          m.parents.push_back({p.at("ulid").get<std::string>(), p.at("minTime").get<int64_t>(),
                               p.at("maxTime").get<int64_t>()});
        }
      }
    }
    m.version = j.value("version", 1);
    if (m.version != 1)
      return Error(ErrorKind::kInternal, "unsupported block version " + std::to_string(m.version));
    if (!IsUlid(m.ulid)) return Error(ErrorKind::kInternal, "invalid block ULID " + m.ulid);
    return m;
  } catch (const std::exception& e) {
    return Error(ErrorKind::kInternal, std::string("invalid meta.json: ") + e.what());
  }
}

std::string NewUlid(int64_t ms) {
  // Random bits from a seeded generator; a process-wide counter in the low bits keeps ULIDs
  // of the same millisecond distinct and increasing.
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  static uint64_t counter = 0;
  uint64_t hi;
  uint64_t lo;
  {
    std::lock_guard lock(mu);
    hi = rng() & 0xFFFF;  // 16 bits
    lo = (rng() & ~uint64_t{0xFFFFFF}) | (++counter & 0xFFFFFF);
  }
  const auto t = static_cast<uint64_t>(std::max<int64_t>(ms, 0)) & ((uint64_t{1} << 48) - 1);
  std::string out(26, '0');
  // 128 bits: time (48) | hi (16) | lo (64), written as 26 base32 digits (130 bits, top 2 zero).
  for (int i = 25; i >= 0; --i) {
    const int bit = (25 - i) * 5;  // position of this digit's lowest bit
    uint64_t v;
    auto get = [&](int b) -> uint64_t {  // bit b of the 128-bit number
      if (b < 64) return (lo >> b) & 1;
      if (b < 80) return (hi >> (b - 64)) & 1;
      if (b < 128) return (t >> (b - 80)) & 1;
      return 0;
    };
    v = 0;
    for (int k = 4; k >= 0; --k) v = (v << 1) | get(bit + k);
    out[static_cast<size_t>(i)] = kCrockford[v];
  }
  return out;
}

bool IsUlid(std::string_view s) {
  return s.size() == 26 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::string_view(kCrockford).find(c) != std::string_view::npos;
         });
}

}  // namespace promref::tsdb
