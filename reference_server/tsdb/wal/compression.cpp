#include "tsdb/wal/compression.h"

#include <snappy.h>
#include <zstd.h>

#include <memory>

namespace promref::tsdb::wal {
namespace {

// zstd's level 3, its default, which Prometheus' zstd writer (klauspost/compress at
// SpeedDefault) is documented to roughly match. zstd is the opt-in for size; snappy is the
// default for speed.
constexpr int kZstdLevel = 3;

struct ZstdContexts {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> c{ZSTD_createCCtx(), ZSTD_freeCCtx};
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d{ZSTD_createDCtx(), ZSTD_freeDCtx};
};

// One context pair per thread: creating them per record would cost more than compressing.
ZstdContexts& Contexts() {
  thread_local ZstdContexts ctx;
  return ctx;
}

}  // namespace

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "zstd") return Compression::kZstd;
  return BadData("enum value must be one of snappy,zstd, got '" + std::string(name) + "'");
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kSnappy: return "snappy";
    case Compression::kZstd: return "zstd";
    case Compression::kNone: break;
  }
  return "none";
}

void Compress(Compression c, std::string_view in, std::string* out) {
  const size_t base = out->size();
  if (c == Compression::kSnappy) {
    out->resize(base + snappy::MaxCompressedLength(in.size()));
    size_t n = 0;
    snappy::RawCompress(in.data(), in.size(), out->data() + base, &n);
    out->resize(base + n);
    return;
  }
  out->resize(base + ZSTD_compressBound(in.size()));
  const size_t n = ZSTD_compressCCtx(Contexts().c.get(), out->data() + base, out->size() - base, in.data(),
                                     in.size(), kZstdLevel);
  // Only an undersized buffer fails, and ZSTD_compressBound rules that out.
  out->resize(ZSTD_isError(n) ? base : base + n);
}

bool Decompress(Compression c, std::string_view in, std::string* out) {
  if (c == Compression::kSnappy) {
    size_t n = 0;
    if (!snappy::GetUncompressedLength(in.data(), in.size(), &n) || n > kMaxRecordSize) return false;
    out->resize(n);
    return snappy::RawUncompress(in.data(), in.size(), out->data());
  }
  if (c != Compression::kZstd) return false;
  const unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
  if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > kMaxRecordSize) return false;
  out->resize(static_cast<size_t>(n));
  const size_t got = ZSTD_decompressDCtx(Contexts().d.get(), out->data(), out->size(), in.data(), in.size());
  return !ZSTD_isError(got) && got == n;
}

}  // namespace promref::tsdb::wal
