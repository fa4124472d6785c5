// Bit streams for the compressed chunk encodings: bits are written most significant first,
// the way Prometheus' chunkenc.bstream lays them out.
//
// BitWriter appends into a caller-owned ChunkBuffer (a compact growable byte array: the head
// keeps one per series, so it is 16 bytes rather than a 32-byte std::string). BitReader reads
// from a view with a 64-bit refill window, and reports overruns instead of reading past the end
// (chunks read from disk are untrusted).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace promref::tsdb {

// A growable byte array with 32-bit size and capacity. Move-only.
class ChunkBuffer {
 public:
  ChunkBuffer() = default;
  ~ChunkBuffer() { std::free(data_); }
  ChunkBuffer(const ChunkBuffer&) = delete;
  ChunkBuffer& operator=(const ChunkBuffer&) = delete;
  ChunkBuffer(ChunkBuffer&& o) noexcept : data_(o.data_), size_(o.size_), cap_(o.cap_) {
    o.data_ = nullptr;
    o.size_ = o.cap_ = 0;
  }
  ChunkBuffer& operator=(ChunkBuffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = o.data_;
      size_ = o.size_;
      cap_ = o.cap_;
      o.data_ = nullptr;
      o.size_ = o.cap_ = 0;
    }
    return *this;
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  uint32_t size() const { return size_; }
  uint32_t capacity() const { return cap_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

  void Reserve(uint32_t n) {
    if (n <= cap_) return;
    auto* p = static_cast<uint8_t*>(std::realloc(data_, n));
    if (p == nullptr) throw std::bad_alloc();
    data_ = p;
    cap_ = n;
  }
  void PushBack(uint8_t b) {
    if (size_ == cap_) Grow(1);
    data_[size_++] = b;
  }
  void Append(const void* p, uint32_t n) {
    if (size_ + n > cap_) Grow(n);
    std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  // Makes room for `n` more bytes and returns where they go (zeroed); CommitSpace(k) then
  // adds the first k of them to the size.
  uint8_t* AppendSpace(uint32_t n) {
    if (size_ + n > cap_) Grow(n);
    std::memset(data_ + size_, 0, n);
    return data_ + size_;
  }
  void CommitSpace(uint32_t k) { size_ += k; }
  // Empties the buffer but keeps its allocation (for the next chunk of the same series).
  void Reset() { size_ = 0; }
  void Clear() {
    std::free(data_);
    data_ = nullptr;
    size_ = cap_ = 0;
  }
  // Gives the exact-size allocation away (capacity shrunk to size). The caller frees it with
  // std::free.
  uint8_t* ReleaseShrunk() {
    if (size_ < cap_ && size_ > 0) {
      if (auto* p = static_cast<uint8_t*>(std::realloc(data_, size_))) data_ = p;
    }
    uint8_t* p = data_;
    data_ = nullptr;
    size_ = cap_ = 0;
    return p;
  }

 private:
  // Makes room for `n` more bytes. The head holds one open chunk per series, and what it
  // holds beyond the chunk's size is memory per series: growth is by an eighth (at least 16
  // bytes), to sizes that fill a malloc block exactly (glibc hands out 16-byte multiples with an
  // 8-byte header). A 120-sample chunk of ~300 bytes is reallocated ~13 times as it fills, a
  // few nanoseconds per sample, and carries ~20 bytes of slack (a half-again growth: ~70).
  void Grow(uint32_t n) {
    const uint32_t want = std::max<uint32_t>(size_ + n, cap_ + std::max<uint32_t>(16, cap_ / 8));
    Reserve(std::max<uint32_t>(24, ((want + 8 + 15) & ~uint32_t{15}) - 8));
  }

  uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t cap_ = 0;
};

// Writes bits at the end of a ChunkBuffer whose last byte may be partly filled. The number of
// free bits in the last byte is kept by the caller (it is part of the chunk's appender state).
//
// Bytes are produced from a local copy of the buffer's end pointer: storing through a byte
// pointer may alias anything, so going through the buffer object for every byte would make
// the compiler reload its fields each time.
class BitWriter {
 public:
  BitWriter(ChunkBuffer* buf, uint8_t* free_bits) : buf_(buf), free_(free_bits) {}

  void WriteBit(bool bit) {
    if (*free_ == 0) {
      buf_->PushBack(0);
      *free_ = 8;
    }
    if (bit) buf_->data()[buf_->size() - 1] |= static_cast<uint8_t>(1u << (*free_ - 1));
    --*free_;
  }

  // Writes the low `n` bits of `u` (0 <= n <= 64), most significant first.
  void WriteBits(uint64_t u, int n) {
    if (n == 0) return;
    if (n < 64) u &= (uint64_t{1} << n) - 1;
    int free = *free_;
    uint8_t* p = buf_->AppendSpace(9);  // at most 8 whole bytes plus one partial
    uint32_t added = 0;
    if (free > 0) {
      // Fill the partly written last byte first.
      const int take = n < free ? n : free;
      p[-1] |= static_cast<uint8_t>((u >> (n - take)) << (free - take));
      n -= take;
      free -= take;
    }
    while (n >= 8) {
      p[added++] = static_cast<uint8_t>(u >> (n - 8));
      n -= 8;
    }
    if (n > 0) {
      p[added++] = static_cast<uint8_t>(u << (8 - n));
      free = 8 - n;
    }
    buf_->CommitSpace(added);
    *free_ = static_cast<uint8_t>(free);
  }

  void WriteByte(uint8_t b) { WriteBits(b, 8); }

 private:
  ChunkBuffer* buf_;
  uint8_t* free_;
};

class BitReader {
 public:
  BitReader() = default;
  explicit BitReader(std::string_view b) : p_(reinterpret_cast<const uint8_t*>(b.data())), n_(b.size()) {}

  // False once a read ran past the end; all reads return zeros from then on.
  bool ok() const { return ok_; }

  bool ReadBit() { return ReadBits(1) != 0; }

  // Reads `n` bits (0 <= n <= 64).
  uint64_t ReadBits(int n) {
    if (n == 0) return 0;
    if (valid_ >= n) return Take(n);
    // Take what is buffered, refill, take the rest.
    const int first = valid_;
    uint64_t hi = first > 0 ? Take(first) : 0;
    Refill();
    const int rest = n - first;
    if (valid_ < rest) {
      ok_ = false;
      valid_ = 0;
      return 0;
    }
    const uint64_t lo = Take(rest);
    return rest == 64 ? lo : (hi << rest) | lo;
  }

  uint8_t ReadByte() { return static_cast<uint8_t>(ReadBits(8)); }

  // How many bits have been read.
  size_t BitPosition() const { return pos_ * 8 - static_cast<size_t>(valid_); }

 private:
  // Returns the next n (1..valid_) bits of the window.
  uint64_t Take(int n) {
    const uint64_t v = n == 64 ? buf_ : (buf_ >> (valid_ - n)) & ((uint64_t{1} << n) - 1);
    valid_ -= n;
    return v;
  }
  void Refill() {
    // Load up to 8 more bytes; valid_ is 0 here.
    buf_ = 0;
    size_t take = n_ - pos_ < 8 ? n_ - pos_ : 8;
    for (size_t i = 0; i < take; ++i) buf_ = (buf_ << 8) | p_[pos_ + i];
    pos_ += take;
    valid_ = static_cast<int>(take * 8);
  }

  const uint8_t* p_ = nullptr;
  size_t n_ = 0;
  size_t pos_ = 0;
  uint64_t buf_ = 0;
  int valid_ = 0;
  bool ok_ = true;
};

// A uvarint (7 bits a byte, least significant group first) written into a bit stream.
inline void WriteUvarint(BitWriter& w, uint64_t v) {
  while (v >= 0x80) {
    w.WriteByte(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  w.WriteByte(static_cast<uint8_t>(v));
}

// Reads what WriteUvarint wrote; false on truncation or more than 10 bytes.
inline bool ReadUvarint(BitReader& r, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    const uint8_t b = r.ReadByte();
    if (!r.ok()) return false;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) {
      *out = v;
      return true;
    }
  }
  return false;
}

}  // namespace promref::tsdb
