// Helpers shared by the TSDB tests.
#pragma once

#include <bit>
#include <filesystem>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "storage/storage.h"
#include "tsdb/chunks/xor.h"

namespace promref::tsdb::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = (std::filesystem::temp_directory_path() /
             ("tsdb-test-" + std::to_string(rd()) + std::to_string(rd())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Point {
  int64_t t;
  uint64_t bits;  // value bits, or 0 for a histogram
  bool hist = false;
  friend bool operator==(const Point&, const Point&) = default;
};

// An XOR chunk of float samples (`hist` false), as the head's appender writes it.
inline std::string EncodeXor(const std::vector<Point>& pts) {
  ChunkBuffer buf;
  XorState st;
  XorAppender app(&buf, &st);
  for (const Point& p : pts) app.Append(p.t, std::bit_cast<double>(p.bits));
  return std::string(buf.view());
}

inline void showValue(const Point& p, std::ostream& os) {
  os << p.t << (p.hist ? "h:" : ":") << std::hex << p.bits << std::dec;
}

using Dump = std::map<std::string, std::vector<Point>>;

inline model::Matcher Eq(std::string n, std::string v) {
  return *model::Matcher::Make(model::MatchType::kEqual, std::move(n), std::move(v));
}
inline model::Matcher Re(std::string n, std::string v) {
  return *model::Matcher::Make(model::MatchType::kRegexMatch, std::move(n), std::move(v));
}

// Every sample of every series matching `ms` in [mint, maxt], keyed by label text.
inline Dump DumpAll(storage::Queryable& q, std::vector<model::Matcher> ms = {},
                    int64_t mint = -(int64_t{1} << 62), int64_t maxt = int64_t{1} << 62) {
  if (ms.empty()) ms.push_back(Re("__name__", ".*"));
  Dump out;
  auto querier = q.MakeQuerier(mint, maxt);
  auto set = (*querier)->Select(true, {}, ms);
  while (set->Next()) {
    auto& pts = out[set->At().labels().ToString()];
    auto it = set->At().Iterator();
    for (auto vt = it->Next(); vt != storage::ValueType::kNone; vt = it->Next()) {
      if (it->AtT() < mint || it->AtT() > maxt) continue;
      if (vt == storage::ValueType::kFloat) {
        pts.push_back({it->AtT(), std::bit_cast<uint64_t>(it->AtFloat()), false});
      } else {
        pts.push_back({it->AtT(), std::bit_cast<uint64_t>(it->AtHistogram().count), true});
      }
    }
  }
  return out;
}

}  // namespace promref::tsdb::testing
