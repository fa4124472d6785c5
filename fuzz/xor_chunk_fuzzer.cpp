// Fuzzes the XOR chunk decoder (tsdb/chunks/xor.h) on untrusted bytes, as read from a block's
// chunk files. The input's first byte sets the batch size; the rest is the chunk.
//  - decoding never crashes, hangs or reads outside the input;
//  - sample by sample (Next), in batches (ReadFloats) and by Seek, the decoder finds the same
//    samples and the same error;
//  - what decodes cleanly with increasing timestamps, appended again, decodes to the same
//    samples bit for bit.
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <vector>

#include "tsdb/chunks/xor.h"

namespace {

using promref::storage::ValueType;
using promref::tsdb::XorIterator;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "xor chunk fuzzer: %s\n", what);
  std::abort();
}

struct Sample {
  int64_t t;
  uint64_t bits;
  bool operator==(const Sample&) const = default;
};

bool Stepwise(std::string_view chunk, std::vector<Sample>* out) {
  XorIterator it(chunk);
  while (it.Next() == ValueType::kFloat) out->push_back({it.AtT(), std::bit_cast<uint64_t>(it.AtFloat())});
  return it.Err().ok();
}

bool Batched(std::string_view chunk, size_t batch, std::vector<Sample>* out) {
  XorIterator it(chunk);
  int64_t t[256];
  double v[256];
  ValueType vt = it.Next();
  while (vt == ValueType::kFloat) {
    const size_t n = it.ReadFloats(std::numeric_limits<int64_t>::max(), batch, t, v, &vt);
    for (size_t i = 0; i < n; ++i) out->push_back({t[i], std::bit_cast<uint64_t>(v[i])});
  }
  return it.Err().ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t batch = 1 + data[0] % 255;
  const std::string_view chunk(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<Sample> stepwise, batched;
  const bool ok = Stepwise(chunk, &stepwise);
  if (Batched(chunk, batch, &batched) != ok || batched != stepwise) Fail("batched reads differ from Next");

  bool increasing = true;
  for (size_t i = 1; i < stepwise.size(); ++i) increasing &= stepwise[i].t > stepwise[i - 1].t;
  if (!stepwise.empty() && increasing) {
    const Sample& mid = stepwise[stepwise.size() / 2];
    XorIterator it(chunk);
    if (it.Seek(mid.t) != ValueType::kFloat || it.AtT() != mid.t ||
        std::bit_cast<uint64_t>(it.AtFloat()) != mid.bits)
      Fail("Seek did not land on a decoded sample");
  }
  if (!ok || !increasing || stepwise.empty()) return 0;

  promref::tsdb::ChunkBuffer buf;
  promref::tsdb::XorState state;
  for (const Sample& s : stepwise) {
    promref::tsdb::XorAppender(&buf, &state).Append(s.t, std::bit_cast<double>(s.bits));
  }
  std::vector<Sample> again;
  if (!Stepwise(buf.view(), &again) || again != stepwise) Fail("re-encoded chunk decodes differently");
  return 0;
}
