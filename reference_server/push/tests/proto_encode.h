// Test helper: just enough protobuf encoding to write delimited io.prometheus.client
// MetricFamily bodies by hand.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace promref::push::testing {

inline std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}
inline std::string Bytes(int field, std::string_view b) {
  return Varint(static_cast<uint64_t>(field) << 3 | 2) + Varint(b.size()) + std::string(b);
}
inline std::string Int(int field, uint64_t v) {
  return Varint(static_cast<uint64_t>(field) << 3) + Varint(v);
}
inline std::string Double(int field, double d) {
  std::string out = Varint(static_cast<uint64_t>(field) << 3 | 1);
  char b[8];
  std::memcpy(b, &d, 8);
  return out + std::string(b, 8);
}
inline std::string Label(std::string_view n, std::string_view v) {
  return Bytes(1, Bytes(1, n) + Bytes(2, v));
}
// dto.MetricType: COUNTER 0, GAUGE 1, SUMMARY 2, UNTYPED 3, HISTOGRAM 4. Returns the
// length-delimited family.
inline std::string EncodeFamily(std::string_view name, std::string_view help, int type,
                                const std::vector<std::string>& metrics) {
  std::string mf = Bytes(1, name) + Bytes(2, help) + Int(3, static_cast<uint64_t>(type));
  for (const std::string& m : metrics) mf += Bytes(4, m);
  return Varint(mf.size()) + mf;
}

}  // namespace promref::push::testing
