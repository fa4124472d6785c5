#include "tsdb/block/chunk_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "tsdb/encoding/crc32c.h"
#include "tsdb/encoding/encoding.h"

namespace promref::tsdb {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kChunkMagic = 0x85BD40DD;
constexpr size_t kHeaderSize = 8;

std::string ChunkFileName(const std::string& dir, uint32_t seq) {
  char name[16];
  std::snprintf(name, sizeof(name), "%06u", seq);
  return dir + "/" + name;
}

}  // namespace

ChunkWriter::~ChunkWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status ChunkWriter::Flush() {
  if (const int err = WriteAll(fd_, buf_); err != 0) return IoError("write", ChunkFileName(dir_, seq_), err);
  buf_.clear();
  return {};
}

Status ChunkWriter::Cut() {
  if (Status s = Close(); !s.ok()) return s;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return IoError("mkdir", dir_, ec.value());
  ++seq_;
  const std::string path = ChunkFileName(dir_, seq_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("create", path, errno);
  Encbuf e(&buf_);
  e.PutBE32(kChunkMagic);
  e.PutByte(1);
  buf_.append(3, '\0');
  file_size_ = kHeaderSize;
  return {};
}

Result<uint64_t> ChunkWriter::Write(Encoding enc, std::string_view data) {
  const size_t need = 10 + 1 + data.size() + 4;
  if (fd_ < 0 || file_size_ + need > max_file_size_) {
    if (Status s = Cut(); !s.ok()) return s.error();
  }
  const uint64_t ref = (static_cast<uint64_t>(seq_) << 32) | file_size_;
  const size_t start = buf_.size();
  Encbuf e(&buf_);
  e.PutUvarint(data.size());
  const size_t crc_from = buf_.size();
  e.PutByte(static_cast<uint8_t>(enc));
  e.PutBytes(data);
  e.PutBE32(Crc32c(std::string_view(buf_).substr(crc_from)));
  file_size_ += buf_.size() - start;
  total_ += buf_.size() - start;
  if (buf_.size() >= (1 << 20)) {
    if (Status s = Flush(); !s.ok()) return s.error();
  }
  return ref;
}

Status ChunkWriter::Close() {
  if (fd_ < 0) return {};
  Status s = Flush();
  if (s.ok() && ::fsync(fd_) != 0) s = IoError("fsync", ChunkFileName(dir_, seq_), errno);
  ::close(fd_);
  fd_ = -1;
  return s;
}

Result<ChunkReader> ChunkReader::Open(const std::string& dir) {
  ChunkReader r;
  for (uint32_t seq = 1;; ++seq) {
    const std::string path = ChunkFileName(dir, seq);
    std::error_code ec;
    if (!fs::exists(path, ec)) break;
    auto f = MmapFile::Open(path);
    if (!f.ok()) return f.error();
    Decbuf d(f->data());
    if (f->size() < kHeaderSize || d.BE32() != kChunkMagic || d.Byte() != 1) {
      return Error(ErrorKind::kInternal, "invalid chunk file header: " + path);
    }
    r.files_.push_back(std::move(*f));
  }
  return r;
}

bool ChunkReader::ChunkFast(uint64_t ref, Encoding* enc, std::string_view* data) const {
  const uint64_t seq = ref >> 32;
  const uint64_t off = ref & 0xFFFFFFFF;
  if (seq == 0 || seq > files_.size()) return false;
  const std::string_view f = files_[seq - 1].data();
  if (off < kHeaderSize || off >= f.size()) return false;
  Decbuf d(f.substr(off));
  const uint64_t len = d.Uvarint();
  *enc = static_cast<Encoding>(d.Byte());
  if (!d.ok() || len + 4 > d.Len()) return false;
  *data = d.Rest().substr(0, len);
  return true;
}

Result<std::pair<Encoding, std::string_view>> ChunkReader::Chunk(uint64_t ref) const {
  Encoding enc;
  std::string_view data;
  if (!ChunkFast(ref, &enc, &data)) {
    return Error(ErrorKind::kInternal, "dangling chunk reference " + std::to_string(ref));
  }
  Decbuf crc(std::string_view(data.data() + data.size(), 4));
  if (Crc32c(std::string_view(data.data() - 1, data.size() + 1)) != crc.BE32()) {
    return Error(ErrorKind::kInternal, "chunk checksum mismatch at " + std::to_string(ref));
  }
  return std::make_pair(enc, data);
}

uint64_t ChunkReader::Size() const {
  uint64_t n = 0;
  for (const MmapFile& f : files_) n += f.size();
  return n;
}

}  // namespace promref::tsdb
