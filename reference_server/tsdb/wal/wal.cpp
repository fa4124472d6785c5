#include "tsdb/wal/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/encoding.h"
#include "tsdb/util/fault.h"

namespace promref::tsdb::wal {

namespace fs = std::filesystem;

size_t BeginRecord(std::string* buf) {
  const size_t start = buf->size();
  buf->append(kRecordHeaderSize, '\0');
  return start;
}

namespace {

constexpr int kCompressionShift = 30;
constexpr uint32_t kLengthMask = (uint32_t{1} << kCompressionShift) - 1;

// Replaces the record at `start` (header reserved) with its compressed form when smaller.
// Returns the compression the payload is stored with.
Compression CompressInPlace(std::string* buf, size_t start, Compression c) {
  const size_t body = start + kRecordHeaderSize;
  if (c == Compression::kNone || buf->size() == body) return Compression::kNone;
  thread_local std::string scratch;
  scratch.clear();
  Compress(c, std::string_view(*buf).substr(body), &scratch);
  if (scratch.empty() || scratch.size() >= buf->size() - body) return Compression::kNone;
  buf->resize(body);
  buf->append(scratch);
  return c;
}

}  // namespace

void EndRecord(std::string* buf, size_t start, Compression c) {
  const Compression stored = CompressInPlace(buf, start, c);
  const std::string_view payload = std::string_view(*buf).substr(start + kRecordHeaderSize);
  const uint32_t word =
      static_cast<uint32_t>(payload.size()) | (static_cast<uint32_t>(stored) << kCompressionShift);
  const uint32_t crc = Crc32c(payload);
  char* h = buf->data() + start;
  for (int i = 0; i < 4; ++i) {
    h[i] = static_cast<char>(word >> (24 - 8 * i));
    h[4 + i] = static_cast<char>(crc >> (24 - 8 * i));
  }
}

FrameStatus ReadFrame(std::string_view data, std::string* scratch, std::string_view* record, size_t* size,
                      std::string* reason) {
  if (data.size() < kRecordHeaderSize) {
    *reason = "torn record header";
    return FrameStatus::kIncomplete;
  }
  Decbuf d(data.substr(0, kRecordHeaderSize));
  const uint32_t word = d.BE32();
  const uint32_t crc = d.BE32();
  const uint32_t len = word & kLengthMask;
  const auto compression = static_cast<Compression>(word >> kCompressionShift);
  if (len == 0) {
    *reason = "zero-length record";
    return FrameStatus::kCorrupt;
  }
  if (len > data.size() - kRecordHeaderSize) {
    *reason = "torn record";
    return FrameStatus::kIncomplete;
  }
  const std::string_view payload = data.substr(kRecordHeaderSize, len);
  if (Crc32c(payload) != crc) {
    *reason = "checksum mismatch";
    return FrameStatus::kCorrupt;
  }
  if (compression == Compression::kNone) {
    *record = payload;
  } else if (compression != Compression::kSnappy && compression != Compression::kZstd) {
    *reason = "record of unknown compression " + std::to_string(static_cast<int>(compression));
    return FrameStatus::kCorrupt;
  } else if (Decompress(compression, payload, scratch) && !scratch->empty()) {
    *record = *scratch;
  } else {
    *reason = "undecodable " + std::string(CompressionName(compression)) + " record";
    return FrameStatus::kCorrupt;
  }
  *size = kRecordHeaderSize + len;
  return FrameStatus::kRecord;
}

std::string SegmentName(int index) {
  char name[16];
  std::snprintf(name, sizeof(name), "%08d", index);
  return name;
}

Result<std::vector<SegmentRef>> ListSegments(const std::string& dir) {
  std::vector<SegmentRef> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const int index = FileSequence(e.path().filename().string());
    if (index < 0 || !e.is_regular_file()) continue;
    out.push_back({index, e.path().string()});
  }
  if (ec) return IoError("list", dir, ec.value());
  std::sort(out.begin(), out.end(),
            [](const SegmentRef& a, const SegmentRef& b) { return a.index < b.index; });
  return out;
}

// --- Writer ----------------------------------------------------------------------------------

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, Options options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("mkdir", dir, ec.value());
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.error();
  std::unique_ptr<Wal> w(new Wal(dir, options));
  w->first_segment_ = segs->empty() ? 0 : segs->front().index;
  const int next = segs->empty() ? 0 : segs->back().index + 1;
  std::lock_guard lock(w->mu_);
  if (Status s = w->OpenSegment(next); !s.ok()) return s.error();
  return w;
}

Wal::~Wal() {
  std::lock_guard lock(mu_);
  (void)CloseSegment();
}

Status Wal::OpenSegment(int index) {
  const std::string path = dir_ + "/" + SegmentName(index);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("create segment", path, errno);
  struct stat st {};
  segment_bytes_ = ::fstat(fd_, &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  segment_ = index;
  last_sync_ = std::chrono::steady_clock::now();
  return FsyncDir(dir_);
}

Status Wal::CloseSegment() {
  if (fd_ < 0) return {};
  const int rc = dirty_ ? ::fsync(fd_) : 0;
  const int err = errno;
  ::close(fd_);
  fd_ = -1;
  dirty_ = false;
  if (rc != 0) return IoError("fsync segment", dir_ + "/" + SegmentName(segment_), err);
  return {};
}

Status Wal::Log(std::string_view framed, bool force_sync) {
  std::lock_guard lock(mu_);
  if (fd_ < 0) {
    // A failed rotation or an untruncatable torn write left no segment open (a full disk, a
    // read-only remount): try a fresh one, so that writes resume once the cause is gone.
    if (Status s = OpenSegment(segment_ + 1); !s.ok()) return s;
  }
  if (segment_bytes_ > 0 && segment_bytes_ + framed.size() > options_.segment_size) {
    if (Status s = CloseSegment(); !s.ok()) return s;
    if (Status s = OpenSegment(segment_ + 1); !s.ok()) return s;
  }
  if (fault::Reached("wal.log.torn_write")) {
    // Half a commit reaches the file, then the process dies: the torn tail replay must cut.
    (void)!::write(fd_, framed.data(), framed.size() / 2);
    fault::Crash();
  }
  if (const int err = WriteAll(fd_, framed); err != 0) {
    // Take back a partial write, so that the records after it are not behind a torn one.
    if (::ftruncate(fd_, static_cast<off_t>(segment_bytes_)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return IoError("write", dir_ + "/" + SegmentName(segment_), err);
  }
  segment_bytes_ += framed.size();
  dirty_ = true;
  fault::CrashPoint("wal.log.before_sync");
  const auto now = std::chrono::steady_clock::now();
  const bool sync = force_sync || options_.sync == SyncPolicy::kEveryCommit ||
                    (options_.sync == SyncPolicy::kInterval && now - last_sync_ >= options_.sync_interval);
  if (sync) {
    if (::fdatasync(fd_) != 0) return IoError("fsync", dir_ + "/" + SegmentName(segment_), errno);
    last_sync_ = now;
    dirty_ = false;
  }
  return {};
}

Status Wal::Sync() {
  std::lock_guard lock(mu_);
  if (fd_ < 0 || !dirty_) return {};
  if (::fdatasync(fd_) != 0) return IoError("fsync", dir_ + "/" + SegmentName(segment_), errno);
  dirty_ = false;
  last_sync_ = std::chrono::steady_clock::now();
  return {};
}

Result<int> Wal::NextSegment() {
  std::lock_guard lock(mu_);
  const int closed = segment_;
  if (Status s = CloseSegment(); !s.ok()) return s.error();
  fault::CrashPoint("wal.segment.between_segments");
  if (Status s = OpenSegment(closed + 1); !s.ok()) return s.error();
  return closed;
}

Status Wal::TruncateBefore(int index) {
  auto segs = ListSegments(dir_);
  if (!segs.ok()) return segs.error();
  for (const SegmentRef& s : *segs) {
    if (s.index >= index) break;
    if (::unlink(s.path.c_str()) != 0 && errno != ENOENT) return IoError("remove", s.path, errno);
  }
  std::lock_guard lock(mu_);
  first_segment_ = std::max(first_segment_, index);
  return {};
}

int Wal::CurrentSegment() const {
  std::lock_guard lock(mu_);
  return segment_;
}

int Wal::FirstSegment() const {
  std::lock_guard lock(mu_);
  return first_segment_;
}

// --- Reader ----------------------------------------------------------------------------------

bool Reader::Next() {
  while (current_ < segments_.size()) {
    if (!opened_) {
      auto f = MmapFile::Open(segments_[current_].path);
      if (!f.ok()) {
        error_ = f.error();
        return false;
      }
      file_ = std::move(*f);
      offset_ = 0;
      opened_ = true;
    }
    const std::string_view data = file_.data();
    if (offset_ == data.size()) {
      ++current_;
      opened_ = false;
      file_ = MmapFile();
      continue;
    }
    size_t size = 0;
    std::string reason;
    if (ReadFrame(data.substr(offset_), &decompressed_, &record_, &size, &reason) != FrameStatus::kRecord) {
      corruption_ =
          Corruption{segments_[current_].index, segments_[current_].path, offset_, std::move(reason)};
      return false;
    }
    offset_ += size;
    return true;
  }
  return false;
}

Status Repair(const std::string& dir, const Corruption& c) {
  if (::truncate(c.path.c_str(), static_cast<off_t>(c.offset)) != 0)
    return IoError("truncate", c.path, errno);
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.error();
  for (const SegmentRef& s : *segs) {
    if (s.index > c.segment && ::unlink(s.path.c_str()) != 0 && errno != ENOENT) {
      return IoError("remove", s.path, errno);
    }
  }
  return FsyncDir(dir);
}

}  // namespace promref::tsdb::wal
