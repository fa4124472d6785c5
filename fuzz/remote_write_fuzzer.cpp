// Fuzzes the remote-write 1.0 decoders a receiver runs on untrusted bytes:
//  - Snappy decompression and in-place protobuf decoding never crash, leak, hang or read
//    outside the input, whatever the bytes;
//  - the owned decoding (DecodeWriteRequest) accepts exactly what the in-place view accepts and
//    holds the same series;
//  - every native histogram goes through the receiver's rules (reserved-schema reduction and
//    Prometheus' validation) without crashing, and what they accept is a valid histogram;
//  - whatever decodes survives encoding and decoding again unchanged (when its strings are
//    UTF-8: the generated encoder complains about the others, and senders never produce them).
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "model/histogram_ops.h"
#include "model/utf8.h"
#include "wire/received_histogram.h"
#include "wire/remote_write.h"

namespace {

using promref::wire::RawLabels;
using promref::wire::WriteRequest;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "remote write fuzzer: %s\n", what);
  std::abort();
}

bool AllUtf8(const RawLabels& labels) {
  for (const auto& [n, v] : labels) {
    if (!promref::model::IsValidUtf8(n) || !promref::model::IsValidUtf8(v)) return false;
  }
  return true;
}

bool AllUtf8(const WriteRequest& w) {
  for (const auto& ts : w.timeseries) {
    if (!AllUtf8(ts.labels)) return false;
    for (const auto& e : ts.exemplars) {
      if (!AllUtf8(e.labels)) return false;
    }
  }
  for (const auto& m : w.metadata) {
    for (std::string_view s :
         {std::string_view(m.family), std::string_view(m.help), std::string_view(m.unit)}) {
      if (!promref::model::IsValidUtf8(s)) return false;
    }
  }
  return true;
}

bool SameSamples(const WriteRequest& a, const WriteRequest& b) {
  if (a.timeseries.size() != b.timeseries.size()) return false;
  for (size_t i = 0; i < a.timeseries.size(); ++i) {
    const auto& x = a.timeseries[i];
    const auto& y = b.timeseries[i];
    if (x.labels != y.labels || x.samples.size() != y.samples.size()) return false;
    for (size_t j = 0; j < x.samples.size(); ++j) {
      if (x.samples[j].t != y.samples[j].t ||
          std::bit_cast<uint64_t>(x.samples[j].v) != std::bit_cast<uint64_t>(y.samples[j].v)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)promref::wire::SnappyDecompress(input, 1 << 20);

  promref::wire::WriteRequestView view;
  const bool view_ok = view.Decode(input).ok();
  auto owned = promref::wire::DecodeWriteRequest(input);
  if (view_ok != owned.ok()) Fail("the view and the owned decoder disagree on validity");
  if (!view_ok) return 0;
  if (owned->timeseries.size() != view.series().size()) Fail("series counts differ");
  for (const auto& ts : owned->timeseries) {
    for (const auto& h : ts.histograms) {
      auto received = promref::wire::ReceivedHistogram(h);
      if (received.ok() && !promref::model::HistogramValidate(*received).ok()) {
        Fail("the receiver accepted a histogram that does not validate");
      }
    }
  }
  if (!AllUtf8(*owned)) return 0;

  const std::string encoded = promref::wire::EncodeWriteRequest(*owned);
  auto again = promref::wire::DecodeWriteRequest(encoded);
  if (!again.ok()) Fail("a decoded request does not decode after encoding");
  if (!SameSamples(*owned, *again)) Fail("series or samples changed through encode/decode");
  if (promref::wire::EncodeWriteRequest(*again) != encoded) Fail("encoding is not stable");
  return 0;
}
