// Fuzzes the write-ahead log's reader (tsdb/wal/wal.h) on untrusted segment files: the input is
// one segment, written to a per-process file (under /dev/shm, else $TMPDIR, else /tmp) and read
// record by record with wal::Reader:
//  - reading never crashes, hangs or reads outside the file; it ends at the end of the file or
//    with a Corruption at or before it, exactly where the first unreadable record starts: the
//    records read before it account for every byte before its offset (8 + stored length each),
//    and the record there is unreadable (torn, zero length, bad checksum, unknown compression or
//    an undecodable stream), checked with a CRC-32C of this file's own;
//  - each record read decodes with the decoder of its type (wal::TypeOf) or not at all, and no
//    other decoder takes it; one that decodes, encoded again and decoded, gives the same values
//    (doubles bit for bit; the encoders pick the ...WithStart types by the data, so values are
//    compared, not bytes);
//  - every record read, framed again (BeginRecord/EndRecord) with each compression into a fresh
//    segment, reads back as the same bytes, with no corruption;
//  - wal::Repair on a copy of the file (with a later segment next to it) at the corruption cuts
//    it there and drops the later segment, and the repaired log reads the same records cleanly.
// The checksums guard everything behind them, so random bytes rarely get that far: each input
// is also checked with its records' checksums fixed up (when that changes it), which lets the
// fuzzer reach the decompressors and the record decoders.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "model/float_bits.h"
#include "model/histogram.h"
#include "tsdb/wal/compression.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/wal.h"

namespace {

namespace fs = std::filesystem;
namespace wal = promref::tsdb::wal;

using promref::model::SameBits;
using promref::model::SameFloats;
using wal::Compression;
using wal::RecordType;

constexpr size_t kMaxReframedRecord = size_t{1} << 20;  // larger records are not framed again
constexpr size_t kMaxReframedTotal = size_t{4} << 20;   // nor more than this per input and kind
// A compressed record whose header claims more than this is left with its checksum as it is in
// the checksum-fixed variant: the reader would allocate (up to kMaxRecordSize) what it claims.
constexpr uint64_t kMaxFixedClaim = uint64_t{4} << 20;
constexpr uint32_t kLengthMask = (uint32_t{1} << 30) - 1;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "wal segment fuzzer: %s\n", what.c_str());
  std::abort();
}

// --- an independent CRC-32C (bitwise table, reflected 0x82F63B78) ---------------------------

uint32_t Crc(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t BE32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

void PutBE32(std::string* b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) (*b)[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

// --- files -----------------------------------------------------------------------------------

struct Dirs {
  std::string root, in, fixed, reframe, repair;
};

// Made once per process; removed at exit (the Dirs stay alive for that: never destroyed).
const Dirs& WorkDirs() {
  static const Dirs* const dirs = [] {
    std::string base = "/tmp";
    std::error_code ec;
    if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    } else if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
      base = t;
    }
    auto* d = new Dirs;
    d->root = base + "/promconform-wal-fuzz-" + std::to_string(::getpid());
    d->in = d->root + "/in";
    d->fixed = d->root + "/fixed";
    d->reframe = d->root + "/reframe";
    d->repair = d->root + "/repair";
    for (const std::string* p : {&d->in, &d->fixed, &d->reframe, &d->repair}) {
      fs::create_directories(*p, ec);
      if (ec) Fail("cannot create " + *p + ": " + ec.message());
    }
    return d;
  }();
  static const bool cleanup_registered = [] {
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(dirs->root, ignored);
    });
    return true;
  }();
  (void)cleanup_registered;
  return *dirs;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Fail("cannot create " + path);
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) Fail("cannot write " + path);
    off += static_cast<size_t>(n);
  }
  ::close(fd);
}

// --- reading ---------------------------------------------------------------------------------

struct ReadResult {
  std::vector<std::string> records;
  std::optional<wal::Corruption> corruption;
};

ReadResult ReadSegments(std::vector<wal::SegmentRef> segments) {
  ReadResult r;
  wal::Reader reader(std::move(segments));
  while (reader.Next()) r.records.emplace_back(reader.Record());
  if (reader.error()) Fail("I/O error reading a segment: " + reader.error()->message());
  r.corruption = reader.corruption();
  return r;
}

ReadResult ReadOne(const std::string& path) {
  return ReadSegments({{0, path}});
}

// True when the record framed at `at` of `file` can not be read, by the framing's rules.
bool Unreadable(std::string_view file, size_t at) {
  if (file.size() - at < wal::kRecordHeaderSize) return true;
  const uint32_t word = BE32(file, at);
  const uint32_t len = word & kLengthMask;
  if (len == 0 || len > file.size() - at - wal::kRecordHeaderSize) return true;
  const std::string_view payload = file.substr(at + wal::kRecordHeaderSize, len);
  if (Crc(payload) != BE32(file, at + 4)) return true;
  const auto c = static_cast<Compression>(word >> 30);
  if (c == Compression::kNone) return false;
  if (c != Compression::kSnappy && c != Compression::kZstd) return true;
  std::string out;
  return !wal::Decompress(c, payload, &out) || out.empty();
}

// Checks a read of `file` against its framing: returns the offset reading stopped at.
size_t CheckFraming(std::string_view file, const ReadResult& r, const char* what) {
  size_t pos = 0;
  for (const std::string& rec : r.records) {
    if (file.size() - pos < wal::kRecordHeaderSize) Fail(std::string(what) + ": a record read past the end");
    const uint32_t word = BE32(file, pos);
    const uint32_t len = word & kLengthMask;
    if (len == 0 || len > file.size() - pos - wal::kRecordHeaderSize)
      Fail(std::string(what) + ": a torn or empty record was read");
    const std::string_view payload = file.substr(pos + wal::kRecordHeaderSize, len);
    if (Crc(payload) != BE32(file, pos + 4))
      Fail(std::string(what) + ": a record failing its checksum was read");
    const auto c = static_cast<Compression>(word >> 30);
    if (rec.empty()) Fail(std::string(what) + ": an empty record was read");
    if (c == Compression::kNone) {
      if (rec != payload) Fail(std::string(what) + ": a stored record reads back as other bytes");
    } else if (c != Compression::kSnappy && c != Compression::kZstd) {
      Fail(std::string(what) + ": a record of unknown compression was read");
    }
    pos += wal::kRecordHeaderSize + len;
  }
  if (r.corruption) {
    const wal::Corruption& c = *r.corruption;
    if (c.offset > file.size()) Fail(std::string(what) + ": corruption offset past the end of the file");
    if (c.offset != pos) {
      Fail(std::string(what) + ": corruption at " + std::to_string(c.offset) +
           ", but the records read end at " + std::to_string(pos) + " (" + c.reason + ")");
    }
    if (c.segment != 0) Fail(std::string(what) + ": corruption reported in another segment");
    if (c.reason.empty()) Fail(std::string(what) + ": corruption without a reason");
    if (!Unreadable(file, pos))
      Fail(std::string(what) + ": corruption reported at a readable record: " + c.reason);
  } else if (pos != file.size()) {
    Fail(std::string(what) + ": reading ended at " + std::to_string(pos) + " of " +
         std::to_string(file.size()) + " bytes without a corruption");
  }
  return pos;
}

// --- record round trips ----------------------------------------------------------------------

bool Identical(const promref::model::FloatHistogram& a, const promref::model::FloatHistogram& b) {
  return a.counter_reset_hint == b.counter_reset_hint && a.schema == b.schema &&
         SameBits(a.zero_threshold, b.zero_threshold) && SameBits(a.zero_count, b.zero_count) &&
         SameBits(a.count, b.count) && SameBits(a.sum, b.sum) && a.positive_spans == b.positive_spans &&
         a.negative_spans == b.negative_spans && SameFloats(a.positive_buckets, b.positive_buckets) &&
         SameFloats(a.negative_buckets, b.negative_buckets) && SameFloats(a.custom_values, b.custom_values);
}

bool Same(const wal::RefSeries& a, const wal::RefSeries& b) {
  return a.ref == b.ref && a.labels == b.labels;
}
bool Same(const wal::RefSample& a, const wal::RefSample& b) {
  return a.ref == b.ref && a.t == b.t && a.st == b.st && SameBits(a.v, b.v);
}
bool Same(const wal::RefTombstone& a, const wal::RefTombstone& b) {
  return a.ref == b.ref && a.mint == b.mint && a.maxt == b.maxt;
}
bool Same(const wal::RefExemplar& a, const wal::RefExemplar& b) {
  return a.ref == b.ref && a.t == b.t && SameBits(a.v, b.v) && a.labels == b.labels;
}
bool Same(const wal::RefHistogram& a, const wal::RefHistogram& b) {
  return a.ref == b.ref && a.t == b.t && a.st == b.st && Identical(a.h, b.h);
}
bool Same(const wal::RefMetadata& a, const wal::RefMetadata& b) {
  return a.family == b.family && a.meta == b.meta;
}

// Decodes `rec` with `decode`; when that works, encodes the values again and checks that they
// decode to the same. Returns whether `rec` decoded.
template <typename T, typename Decode, typename Encode>
bool RoundTrip(std::string_view rec, Decode decode, Encode encode, const char* kind) {
  std::vector<T> first;
  if (!decode(rec, &first)) return false;
  std::string again;
  encode(first, &again);
  std::vector<T> second;
  if (!decode(again, &second)) Fail(std::string("re-encoded ") + kind + " record does not decode");
  if (second.size() != first.size()) Fail(std::string("re-encoded ") + kind + " record differs in size");
  for (size_t i = 0; i < first.size(); ++i) {
    if (!Same(first[i], second[i])) Fail(std::string("re-encoded ") + kind + " record differs");
  }
  return true;
}

void CheckRecord(std::string_view rec) {
  const RecordType type = wal::TypeOf(rec);
  struct Decoder {
    bool (*check)(std::string_view);
    bool matches;
  };
  const Decoder decoders[] = {
      {[](std::string_view r) {
         return RoundTrip<wal::RefSeries>(r, wal::DecodeSeries, wal::EncodeSeries, "series");
       },
       type == RecordType::kSeries},
      {[](std::string_view r) {
         return RoundTrip<wal::RefSample>(r, wal::DecodeSamples, wal::EncodeSamples, "samples");
       },
       type == RecordType::kSamples || type == RecordType::kSamplesWithStart},
      {[](std::string_view r) {
         return RoundTrip<wal::RefTombstone>(r, wal::DecodeTombstones, wal::EncodeTombstones, "tombstones");
       },
       type == RecordType::kTombstones},
      {[](std::string_view r) {
         return RoundTrip<wal::RefExemplar>(r, wal::DecodeExemplars, wal::EncodeExemplars, "exemplars");
       },
       type == RecordType::kExemplars},
      {[](std::string_view r) {
         return RoundTrip<wal::RefHistogram>(r, wal::DecodeHistograms, wal::EncodeHistograms, "histograms");
       },
       type == RecordType::kHistograms || type == RecordType::kHistogramsWithStart},
      {[](std::string_view r) {
         return RoundTrip<wal::RefMetadata>(r, wal::DecodeMetadata, wal::EncodeMetadata, "metadata");
       },
       type == RecordType::kMetadata},
  };
  for (const Decoder& d : decoders) {
    if (d.matches) {
      d.check(rec);
    } else if (d.check(rec)) {
      Fail("a record of type " + std::to_string(static_cast<int>(type)) + " decodes as another type");
    }
  }
}

// --- re-framing and repair -------------------------------------------------------------------

void CheckReframe(const std::vector<std::string>& records) {
  const std::string path = WorkDirs().reframe + "/" + wal::SegmentName(0);
  for (Compression c : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    std::string seg;
    std::vector<const std::string*> framed;
    size_t total = 0;
    for (const std::string& rec : records) {
      if (rec.size() > kMaxReframedRecord || total + rec.size() > kMaxReframedTotal) continue;
      total += rec.size();
      const size_t start = wal::BeginRecord(&seg);
      seg.append(rec);
      wal::EndRecord(&seg, start, c);
      const uint32_t word = BE32(seg, start);
      const auto stored = static_cast<Compression>(word >> 30);
      const size_t len = word & kLengthMask;
      if (len != seg.size() - start - wal::kRecordHeaderSize) Fail("EndRecord wrote a wrong length");
      if (stored != Compression::kNone && (stored != c || len >= rec.size()))
        Fail("EndRecord stored a record compressed otherwise than asked, or not smaller");
      if (stored == Compression::kNone && len != rec.size())
        Fail("EndRecord stored a record of another size");
      framed.push_back(&rec);
    }
    WriteFile(path, seg);
    const ReadResult back = ReadOne(path);
    if (back.corruption) {
      Fail("records framed again with " + std::string(wal::CompressionName(c)) +
           " read back with a corruption: " + back.corruption->reason);
    }
    if (back.records.size() != framed.size())
      Fail("records framed again with " + std::string(wal::CompressionName(c)) +
           " read back as another count");
    for (size_t i = 0; i < framed.size(); ++i) {
      if (back.records[i] != *framed[i])
        Fail("a record framed again with " + std::string(wal::CompressionName(c)) +
             " reads back as other bytes");
    }
    CheckFraming(seg, back, "re-framed segment");
  }
}

void CheckRepair(std::string_view file, const ReadResult& r) {
  if (!r.corruption) return;
  const std::string& dir = WorkDirs().repair;
  const std::string path = dir + "/" + wal::SegmentName(0);
  const std::string later = dir + "/" + wal::SegmentName(1);
  WriteFile(path, file);
  WriteFile(later, file);  // a later segment, which the repair must delete
  wal::Corruption c = *r.corruption;
  c.path = path;
  c.segment = 0;
  if (promref::Status s = wal::Repair(dir, c); !s.ok()) Fail("repair failed: " + s.error().message());
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size != c.offset) Fail("repair did not cut the segment at the corruption");
  auto segs = wal::ListSegments(dir);
  if (!segs.ok()) Fail("cannot list the repaired log");
  if (segs->size() != 1 || segs->front().index != 0) Fail("repair left a later segment");
  const ReadResult again = ReadSegments(std::move(*segs));
  if (again.corruption) Fail("the repaired log has a corruption: " + again.corruption->reason);
  if (again.records != r.records) Fail("the repaired log reads other records");
}

// --- one segment -----------------------------------------------------------------------------

void CheckSegment(std::string_view file, const std::string& dir, const char* what) {
  const std::string path = dir + "/" + wal::SegmentName(0);
  WriteFile(path, file);
  const ReadResult r = ReadOne(path);
  CheckFraming(file, r, what);
  for (const std::string& rec : r.records) CheckRecord(rec);
  CheckReframe(r.records);
  CheckRepair(file, r);
}

// What a compressed payload's header says it decompresses to, when that can be told cheaply.
std::optional<uint64_t> ClaimedSize(Compression c, std::string_view p) {
  if (c == Compression::kSnappy) {
    uint64_t n = 0;
    for (size_t i = 0; i < p.size() && i < 10; ++i) {
      n |= uint64_t{static_cast<unsigned char>(p[i]) & 0x7Fu} << (7 * i);
      if ((static_cast<unsigned char>(p[i]) & 0x80) == 0) return n;
    }
    return std::nullopt;
  }
  // A zstd frame header: magic, descriptor, [window], [dictionary id], [content size].
  if (p.size() < 5 || p.substr(0, 4) != std::string_view("\x28\xB5\x2F\xFD", 4)) return std::nullopt;
  const auto fhd = static_cast<unsigned char>(p[4]);
  const bool single = (fhd & 0x20) != 0;
  static constexpr size_t kDidSize[] = {0, 1, 2, 4};
  const size_t fcs_size = (fhd >> 6) == 0 ? (single ? 1 : 0) : size_t{1} << (fhd >> 6);
  const size_t at = 5 + (single ? 0 : 1) + kDidSize[fhd & 3];
  if (fcs_size == 0 || p.size() < at + fcs_size) return std::nullopt;
  uint64_t n = 0;
  for (size_t i = 0; i < fcs_size; ++i) n |= uint64_t{static_cast<unsigned char>(p[at + i])} << (8 * i);
  return fcs_size == 2 ? n + 256 : n;
}

// `file` with the checksum of every record that its framing lets one find set right.
std::string FixChecksums(std::string_view file) {
  std::string out(file);
  size_t pos = 0;
  while (out.size() - pos >= wal::kRecordHeaderSize) {
    const uint32_t word = BE32(out, pos);
    const uint32_t len = word & kLengthMask;
    if (len == 0 || len > out.size() - pos - wal::kRecordHeaderSize) break;
    const std::string_view payload = std::string_view(out).substr(pos + wal::kRecordHeaderSize, len);
    const auto c = static_cast<Compression>(word >> 30);
    const auto claim = c == Compression::kNone ? std::nullopt : ClaimedSize(c, payload);
    if (!claim || *claim <= kMaxFixedClaim) PutBE32(&out, pos + 4, Crc(payload));
    pos += wal::kRecordHeaderSize + len;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Dirs& dirs = WorkDirs();
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  CheckSegment(file, dirs.in, "segment");
  const std::string fixed = FixChecksums(file);
  if (fixed != file) CheckSegment(fixed, dirs.fixed, "checksum-fixed segment");
  return 0;
}
