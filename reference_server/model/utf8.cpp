#include "model/utf8.h"

#include <cstdint>
#include <cstring>

namespace promref::model {

int DecodeRune(std::string_view s, char32_t* rune) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  int size;
  char32_t r;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    size = 2, r = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    size = 3, r = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    size = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    *rune = kRuneError;
    return 1;
  }
  if (s.size() < static_cast<size_t>(size)) {
    *rune = kRuneError;
    return 1;
  }
  for (int i = 1; i < size; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) {
      *rune = kRuneError;
      return 1;
    }
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || !IsValidRune(r)) {  // overlong, surrogate or beyond U+10FFFF
    *rune = kRuneError;
    return 1;
  }
  *rune = r;
  return size;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  // Label names and values are nearly always ASCII: check eight bytes at a time first.
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if ((word & kHighBits) != 0) break;
  }
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t r;
    const int n = DecodeRune(s.substr(i), &r);
    if (r == kRuneError && n == 1) return false;
    i += n;
  }
  return true;
}

void AppendRune(std::string* out, char32_t r) {
  if (!IsValidRune(r)) r = kRuneError;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

}  // namespace promref::model
