#include "tsdb/head/chunk_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/encoding.h"
#include "tsdb/util/fault.h"

namespace promref::tsdb {

namespace fs = std::filesystem;

namespace {

constexpr uint8_t kVersion = 1;
// Series ref, mint, maxt and encoding: the part of a chunk before its length.
constexpr size_t kFixedChunkHeader = 8 + 8 + 8 + 1;
// The least a chunk takes: the fixed header, a one-byte length, no data, the checksum.
constexpr size_t kMinChunkSize = kFixedChunkHeader + 1 + 4;

bool AllZero(std::string_view b) {
  return std::all_of(b.begin(), b.end(), [](char c) { return c == 0; });
}

}  // namespace

Result<std::unique_ptr<HeadChunkFiles>> HeadChunkFiles::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("mkdir", dir, ec.value());
  std::unique_ptr<HeadChunkFiles> files(new HeadChunkFiles(dir));
  std::vector<int> seqs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const int seq = FileSequence(e.path().filename().string());
    if (seq >= 0 && e.is_regular_file()) seqs.push_back(seq);
  }
  if (ec) return IoError("list", dir, ec.value());
  std::sort(seqs.begin(), seqs.end());
  for (int seq : seqs) {
    auto map = MmapFile::Open(files->PathOf(seq));
    if (!map.ok()) return map.error();
    File f;
    f.seq = seq;
    f.size = map->size();
    f.map = std::move(*map);
    files->files_.push_back(std::move(f));
  }
  if (auto t = ReadFile(dir + "/min_time"); t.ok()) {
    try {
      files->min_time_ = std::stoll(*t);
    } catch (const std::exception&) {
      // Without it, kept files may hold chunks the head dropped: none is taken back. The
      // files are only a cache of the WAL and the blocks.
      std::cerr << "tsdb: " << dir << "/min_time is not a time; the head chunk files were deleted\n";
      files->files_.clear();
      for (int seq : seqs) ::unlink(files->PathOf(seq).c_str());
      ::unlink((dir + "/min_time").c_str());
      return files;
    }
  }
  // A crash right after a file was created can leave it without its header; nothing was
  // written to it yet (as Prometheus' repairLastChunkFile).
  if (!files->files_.empty()) {
    const File& last = files->files_.back();
    if (last.size < 4 || AllZero(last.map.data().substr(0, 4))) {
      const std::string path = files->PathOf(last.seq);
      files->files_.pop_back();
      if (::unlink(path.c_str()) != 0) return IoError("remove", path, errno);
    }
  }
  return files;
}

HeadChunkFiles::~HeadChunkFiles() {
  std::lock_guard lock(mu_);
  for (File& f : files_) Close(f);
}

std::string HeadChunkFiles::PathOf(int seq) const {
  char name[16];
  std::snprintf(name, sizeof(name), "%06d", seq);
  return dir_ + "/" + name;
}

// --- Reading ---------------------------------------------------------------------------------

std::optional<HeadChunkCorruption> HeadChunkFiles::ForEach(const Visitor& visit) {
  std::lock_guard lock(mu_);
  for (File& f : files_) {
    if (auto c = ReadChunks(f, visit)) return c;
  }
  return std::nullopt;
}

std::optional<HeadChunkCorruption> HeadChunkFiles::ReadChunks(File& f, const Visitor& visit) const {
  const std::string_view b = f.map.data().substr(0, f.size);
  auto corrupt = [&](uint64_t off, std::string why) {
    return HeadChunkCorruption{f.seq, off, std::move(why)};
  };
  if (b.size() < kHeaderSize) return corrupt(0, "file too short for its header");
  Decbuf header(b);
  if (header.BE32() != kMagic) return corrupt(0, "not a head chunk file (bad magic number)");
  if (header.Byte() != kVersion) return corrupt(4, "unknown head chunk file version");
  uint64_t off = kHeaderSize;
  while (off < b.size()) {
    const std::string_view rest = b.substr(off);
    // A zeroed tail is where the chunks end (series references start at 1).
    if (AllZero(rest.substr(0, kFixedChunkHeader))) {
      if (rest.size() < kFixedChunkHeader || AllZero(rest)) break;
    }
    if (rest.size() < kMinChunkSize) return corrupt(off, "chunk cut short at the end of the file");
    Decbuf d(rest);
    HeadChunkRecord r;
    r.series_ref = d.BE64();
    r.mint = static_cast<int64_t>(d.BE64());
    r.maxt = static_cast<int64_t>(d.BE64());
    r.enc = static_cast<Encoding>(d.Byte());
    const uint64_t len = d.Uvarint();
    if (!d.ok()) return corrupt(off, "chunk header cut short at the end of the file");
    const size_t header_len = rest.size() - d.Len();
    if (len > d.Len() || d.Len() - len < 4) {
      return corrupt(off, "chunk of " + std::to_string(len) + " bytes cut short at the end of the file");
    }
    r.data = rest.substr(header_len, len);
    Decbuf sum(rest.substr(header_len + len, 4));
    if (Crc32c(rest.substr(0, header_len + len)) != sum.BE32())
      return corrupt(off, "chunk checksum mismatch");
    if (r.maxt < r.mint) return corrupt(off, "chunk ends before it begins");
    f.maxt = std::max(f.maxt, r.maxt);
    if (auto why = visit(r)) return corrupt(off, std::move(*why));
    off += header_len + len + 4;
  }
  return std::nullopt;
}

Status HeadChunkFiles::DeleteFrom(int file) {
  std::lock_guard lock(mu_);
  while (!files_.empty() && files_.back().seq >= file) {
    if (Status s = RemoveLocked(files_.size() - 1); !s.ok()) return s;
  }
  return FsyncDir(dir_);
}

void HeadChunkFiles::Close(File& f) {
  if (f.fd < 0) return;
  ::close(f.fd);
  f.fd = -1;
}

Status HeadChunkFiles::RemoveLocked(size_t i) {
  Close(files_[i]);
  const std::string path = PathOf(files_[i].seq);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("remove", path, errno);
  files_.erase(files_.begin() + static_cast<ptrdiff_t>(i));
  return {};
}

// --- Writing ---------------------------------------------------------------------------------

Result<HeadChunkFiles::File*> HeadChunkFiles::WritableFileLocked(int64_t range_start, uint64_t need) {
  for (File& f : files_) {
    if (f.fd < 0 || f.range_start != range_start) continue;
    if (f.size + need <= kMaxFileSize) return &f;
    Close(f);  // full: the range goes on in a new file
  }
  const int seq = files_.empty() ? 1 : files_.back().seq + 1;
  const std::string path = PathOf(seq);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", path, errno);
  std::string header;
  Encbuf e(&header);
  e.PutBE32(kMagic);
  e.PutByte(kVersion);
  e.PutBytes(std::string_view("\0\0\0", 3));
  const int err = WriteAll(fd, header, 0);
  auto map =
      err == 0 ? MmapFile::OpenWindow(path, kMaxFileSize) : Result<MmapFile>(IoError("write", path, err));
  if (!map.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return map.error();
  }
  File f;
  f.seq = seq;
  f.size = kHeaderSize;
  f.map = std::move(*map);
  f.fd = fd;
  f.range_start = range_start;
  files_.push_back(std::move(f));
  return &files_.back();
}

Result<const uint8_t*> HeadChunkFiles::Write(int64_t range_start, uint64_t series_ref, int64_t mint,
                                             int64_t maxt, Encoding enc, std::string_view data) {
  std::lock_guard lock(mu_);
  scratch_.clear();
  Encbuf e(&scratch_);
  e.PutBE64(series_ref);
  e.PutBE64(static_cast<uint64_t>(mint));
  e.PutBE64(static_cast<uint64_t>(maxt));
  e.PutByte(static_cast<uint8_t>(enc));
  e.PutUvarint(data.size());
  const size_t data_off = scratch_.size();
  e.PutBytes(data);
  e.PutBE32(Crc32c(scratch_));
  auto file = WritableFileLocked(range_start, scratch_.size());
  if (!file.ok()) return file.error();
  File& f = **file;
  if (fault::Reached("head_chunks.write.torn")) {
    // Half a chunk on disk, then death: the next start must find and drop it.
    (void)WriteAll(f.fd, std::string_view(scratch_).substr(0, scratch_.size() / 2),
                   static_cast<int64_t>(f.size));
    fault::Crash();
  }
  if (const int err = WriteAll(f.fd, scratch_, static_cast<int64_t>(f.size)); err != 0) {
    // Nothing of a failed chunk may stay: a later chunk would follow garbage.
    if (::ftruncate(f.fd, static_cast<off_t>(f.size)) != 0) Close(f);
    return IoError("write", PathOf(f.seq), err);
  }
  const auto* at = reinterpret_cast<const uint8_t*>(f.map.data().data()) + f.size + data_off;
  f.size += scratch_.size();
  f.maxt = std::max(f.maxt, maxt);
  return at;
}

// --- Truncation ------------------------------------------------------------------------------

std::vector<MmapFile> HeadChunkFiles::Truncate(int64_t mint) {
  std::lock_guard lock(mu_);
  std::vector<MmapFile> released;
  for (size_t i = 0; i < files_.size();) {
    // A file still written to goes too once its range is over: the head takes nothing older
    // than `mint` any more.
    File& f = files_[i];
    if (f.maxt >= mint || (f.fd >= 0 && f.range_start >= mint)) {
      ++i;
      continue;
    }
    MmapFile map = std::move(f.map);
    if (!RemoveLocked(i).ok()) {
      files_[i++].map = std::move(map);  // kept; tried again next time
      continue;
    }
    released.push_back(std::move(map));
  }
  PersistMinTimeLocked(mint);
  return released;
}

void HeadChunkFiles::PersistMinTimeLocked(int64_t mint) {
  if (mint <= min_time_) return;
  min_time_ = mint;
  if (Status s = WriteFileAtomic(dir_ + "/min_time", std::to_string(mint)); !s.ok()) {
    // Only matters where no block covers the dropped chunks' time; see MinTime.
    std::cerr << "tsdb: head chunk files: " << s.error().message() << "\n";
  }
}

int64_t HeadChunkFiles::MinTime() const {
  std::lock_guard lock(mu_);
  return min_time_;
}

uint64_t HeadChunkFiles::Size() const {
  std::lock_guard lock(mu_);
  uint64_t total = 0;
  for (const File& f : files_) total += f.size;
  return total;
}

size_t HeadChunkFiles::NumFiles() const {
  std::lock_guard lock(mu_);
  return files_.size();
}

}  // namespace promref::tsdb
