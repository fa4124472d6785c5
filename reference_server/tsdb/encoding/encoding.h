// Byte-level encoding helpers shared by every persisted format (WAL records, index, chunk
// files, tombstones): big-endian fixed-width integers, LEB128 varints (zig-zag for signed),
// and length-prefixed strings.
//
// Encbuf appends to a std::string. Decbuf reads from a view and never throws: a read past the
// end (or a malformed varint) sets a sticky error, returns zero values from then on, and the
// caller checks ok() once at the end of a record. That keeps decoding of untrusted bytes
// (a corrupt file) safe without a check after every field.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace promref::tsdb {

class Encbuf {
 public:
  Encbuf() = default;
  explicit Encbuf(std::string* out) : out_(out) {}

  void PutByte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  void PutBE32(uint32_t v) {
    char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out_->append(b, 4);
  }
  void PutBE64(uint64_t v) {
    PutBE32(static_cast<uint32_t>(v >> 32));
    PutBE32(static_cast<uint32_t>(v));
  }
  void PutBEDouble(double v) { PutBE64(std::bit_cast<uint64_t>(v)); }
  void PutUvarint(uint64_t v) {
    char b[10];
    int n = 0;
    while (v >= 0x80) {
      b[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    b[n++] = static_cast<char>(v);
    out_->append(b, n);
  }
  void PutVarint(int64_t v) { PutUvarint(ZigZag(v)); }
  void PutBytes(std::string_view s) { out_->append(s); }
  // Uvarint length, then the bytes.
  void PutUvarintStr(std::string_view s) {
    PutUvarint(s.size());
    out_->append(s);
  }

  size_t Len() const { return out_->size(); }
  std::string* out() { return out_; }

  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

 private:
  std::string own_;
  std::string* out_ = &own_;
};

class Decbuf {
 public:
  Decbuf() = default;
  explicit Decbuf(std::string_view b) : b_(b) {}

  bool ok() const { return ok_; }
  // Marks the buffer corrupt (used by callers that find a semantic error).
  void Fail() {
    ok_ = false;
    b_ = {};
  }
  size_t Len() const { return b_.size(); }
  std::string_view Rest() const { return b_; }

  uint8_t Byte() {
    if (b_.empty()) {
      Fail();
      return 0;
    }
    const auto v = static_cast<uint8_t>(b_[0]);
    b_.remove_prefix(1);
    return v;
  }
  uint32_t BE32() {
    if (b_.size() < 4) {
      Fail();
      return 0;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(b_.data());
    const uint32_t v = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
    b_.remove_prefix(4);
    return v;
  }
  uint64_t BE64() {
    const uint64_t hi = BE32();
    return (hi << 32) | BE32();
  }
  double BEDouble() { return std::bit_cast<double>(BE64()); }
  uint64_t Uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (b_.empty()) {
        Fail();
        return 0;
      }
      const auto c = static_cast<uint8_t>(b_[0]);
      b_.remove_prefix(1);
      if (shift == 63 && c > 1) {
        Fail();
        return 0;
      }
      v |= static_cast<uint64_t>(c & 0x7F) << shift;
      if (c < 0x80) return v;
    }
    {
      Fail();
      return 0;
    }
  }
  int64_t Varint() {
    const uint64_t u = Uvarint();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  std::string_view Bytes(size_t n) {
    if (b_.size() < n) {
      Fail();
      return std::string_view();
    }
    std::string_view v = b_.substr(0, n);
    b_.remove_prefix(n);
    return v;
  }
  std::string_view UvarintStr() {
    const uint64_t n = Uvarint();
    if (n > b_.size()) {
      Fail();
      return std::string_view();
    }
    return Bytes(static_cast<size_t>(n));
  }
  void Skip(size_t n) { Bytes(n); }

 private:
  std::string_view b_;
  bool ok_ = true;
};

}  // namespace promref::tsdb
