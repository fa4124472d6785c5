// A minimal reader of the protobuf wire format (protobuf.dev/programming-guides/encoding), for
// decoders that must not allocate: fields are read in place and length-delimited ones come back
// as views into the input.
//
// Strictness follows the Go decoders Prometheus uses (gogo-generated Unmarshal): a truncated
// field, an over-long varint, field number 0, an unknown wire type or a mismatched end-group is
// malformed input. Strings are not checked for UTF-8; judging their content is the caller's job.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace promref::wire::internal {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kBytes = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool done() const { return p_ == end_; }

  // Reads the next field's key. False on malformed input.
  bool NextField(uint32_t* number, WireType* type) {
    uint64_t key;
    if (!ReadVarint(&key)) return false;
    const uint64_t n = key >> 3;
    const uint64_t t = key & 7;
    if (n == 0 || n > kMaxFieldNumber || t > 5) return false;
    *number = static_cast<uint32_t>(n);
    *type = static_cast<WireType>(t);
    return true;
  }

  bool ReadVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;  // more than 10 bytes
  }

  bool ReadFixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    std::memcpy(v, p_, 8);  // little-endian on every target we build for
    p_ += 8;
    return true;
  }

  bool ReadFixed32(uint32_t* v) {
    if (end_ - p_ < 4) return false;
    std::memcpy(v, p_, 4);
    p_ += 4;
    return true;
  }

  bool ReadBytes(std::string_view* v) {
    uint64_t len;
    if (!ReadVarint(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
    *v = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(len));
    p_ += len;
    return true;
  }

  // Skips the value of field `number` of this type (an unknown field).
  bool Skip(uint32_t number, WireType type, int depth = 0) {
    uint64_t u64;
    uint32_t u32;
    std::string_view bytes;
    switch (type) {
      case WireType::kVarint: return ReadVarint(&u64);
      case WireType::kFixed64: return ReadFixed64(&u64);
      case WireType::kFixed32: return ReadFixed32(&u32);
      case WireType::kBytes: return ReadBytes(&bytes);
      case WireType::kStartGroup: return SkipGroup(number, depth);
      case WireType::kEndGroup: return false;  // only valid where SkipGroup expects it
    }
    return false;
  }

 private:
  static constexpr uint64_t kMaxFieldNumber = (uint64_t{1} << 29) - 1;
  static constexpr int kMaxGroupDepth = 100;

  bool SkipGroup(uint32_t group, int depth) {
    if (depth >= kMaxGroupDepth) return false;
    uint32_t number;
    WireType type;
    while (NextField(&number, &type)) {
      if (type == WireType::kEndGroup) return number == group;
      if (!Skip(number, type, depth + 1)) return false;
    }
    return false;
  }

  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace promref::wire::internal
