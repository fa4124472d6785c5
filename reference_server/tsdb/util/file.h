// Small POSIX file helpers for the persisted formats: whole-file reads and atomic writes,
// directory fsync (so a rename survives a crash), and read-only memory maps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace promref::tsdb {

Error IoError(std::string_view what, std::string_view path, int err);

Result<std::string> ReadFile(const std::string& path);
// Writes `data` to path+".tmp", fsyncs it, renames it over `path` and fsyncs the directory.
Status WriteFileAtomic(const std::string& path, std::string_view data);
Status FsyncDir(const std::string& dir);
// Writes all of `data` to `fd`: at `offset` (pwrite), or at the file position when it is
// negative; short writes and EINTR are retried. 0, or the errno of the failure (part of the
// data may be written by then).
int WriteAll(int fd, std::string_view data, int64_t offset = -1);
// The number a file name of digits only stands for (WAL segments, chunk files: "00000012"),
// or -1 for any other name (or more than 9 digits).
int FileSequence(std::string_view name);
// Total bytes of regular files under `path` (recursively); 0 when absent.
uint64_t DirSize(const std::string& path);

// A read-only memory map of a whole file. Move-only; unmapped on destruction.
class MmapFile {
 public:
  static Result<MmapFile> Open(const std::string& path);
  // Maps `length` bytes of a file that is still growing (written with write(2), which a shared
  // map sees at once). Only bytes the file already holds may be read: a page wholly past its
  // end faults (SIGBUS).
  static Result<MmapFile> OpenWindow(const std::string& path, size_t length);
  MmapFile() = default;
  ~MmapFile();
  MmapFile(MmapFile&& o) noexcept;
  MmapFile& operator=(MmapFile&& o) noexcept;
  MmapFile(const MmapFile&) = delete;
  MmapFile& operator=(const MmapFile&) = delete;

  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }
  size_t size() const { return size_; }

 private:
  static Result<MmapFile> Map(const std::string& path, std::optional<size_t> length);

  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace promref::tsdb
