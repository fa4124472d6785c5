#include "fuzz/minimize.h"

#include <algorithm>
#include <set>

#include "fuzz/promql_mutator.h"
#include "wire/remote_write.h"

namespace promconform::fuzz {
namespace {

std::string Join(const std::vector<std::string>& units) {
  std::string s;
  for (const auto& u : units) s += u;
  return s;
}

std::vector<std::string> Bytes(const std::string& s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  for (char c : s) out.emplace_back(1, c);
  return out;
}

bool IsPromqlParam(const std::string& name) {
  return name == "query" || name == "match[]";
}

}  // namespace

std::vector<std::string> MinimizeUnits(std::vector<std::string> units, const TextTest& test, size_t* budget) {
  std::set<std::string> tried = {Join(units)};
  size_t n = 2;
  while (units.size() >= 2 && *budget > 0) {
    const size_t chunk = (units.size() + n - 1) / n;
    bool reduced = false;
    for (size_t start = 0; start < units.size() && *budget > 0; start += chunk) {
      std::vector<std::string> candidate(units.begin(), units.begin() + static_cast<long>(start));
      candidate.insert(candidate.end(),
                       units.begin() + static_cast<long>(std::min(units.size(), start + chunk)), units.end());
      if (!tried.insert(Join(candidate)).second) continue;
      --*budget;
      if (test(Join(candidate))) {
        units = std::move(candidate);
        n = std::max<size_t>(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= units.size()) break;
      n = std::min(units.size(), n * 2);
    }
  }
  // A single unit left may still be removable (an empty input that fails the same way).
  if (units.size() == 1 && *budget > 0 && tried.insert("").second) {
    --*budget;
    if (test("")) units.clear();
  }
  return units;
}

std::string MinimizeText(const std::string& text, bool promql, const TextTest& test, size_t* budget) {
  std::string s = text;
  if (promql) s = Join(MinimizeUnits(TokenUnits(s), test, budget));
  // Byte level: worth it on short text only (each pass costs about a test per byte).
  if (s.size() <= 4096) s = Join(MinimizeUnits(Bytes(s), test, budget));
  return s;
}

FuzzRequest MinimizeRequest(FuzzRequest r, const RequestTest& test, size_t* budget) {
  // Parameters first: each one the finding does not need goes.
  for (size_t i = r.params.size(); i-- > 0 && *budget > 0;) {
    FuzzRequest c = r;
    c.params.erase(c.params.begin() + static_cast<long>(i));
    --*budget;
    if (test(c)) r = std::move(c);
  }
  for (size_t i = 0; i < r.params.size() && *budget > 0; ++i) {
    auto with_value = [&](const std::string& v) {
      FuzzRequest c = r;
      c.params[i].second = v;
      return test(c);
    };
    r.params[i].second =
        MinimizeText(r.params[i].second, IsPromqlParam(r.params[i].first), with_value, budget);
  }
  if (r.raw_body && !r.body.empty()) {
    auto raw = promref::wire::SnappyDecompress(r.body, 64 << 20);
    if (raw.ok() && !raw->empty()) {
      auto compressed = [&](const std::string& bytes) {
        FuzzRequest c = r;
        c.body = promref::wire::SnappyCompress(bytes);
        return test(c);
      };
      const std::string small = Join(MinimizeUnits(Bytes(*raw), compressed, budget));
      // Only a reduction was tested: the original body need not be Snappy's canonical output.
      if (small != *raw) r.body = promref::wire::SnappyCompress(small);
    }
    if (r.body.size() <= 4096) {
      auto with_body = [&](const std::string& b) {
        FuzzRequest c = r;
        c.body = b;
        return test(c);
      };
      r.body = Join(MinimizeUnits(Bytes(r.body), with_body, budget));
    }
  }
  return r;
}

}  // namespace promconform::fuzz
