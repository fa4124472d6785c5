#include "tsdb/encoding/encoding.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tsdb/encoding/crc32c.h"

namespace promref::tsdb {
namespace {

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

RC_GTEST_PROP(Crc32c, IncrementalEqualsWhole, (const std::string& a, const std::string& b)) {
  RC_ASSERT(Crc32c(b, Crc32c(a)) == Crc32c(a + b));
}

RC_GTEST_PROP(Encoding, RoundTrip, (uint64_t u, int64_t s, uint32_t w, const std::string& str)) {
  std::string buf;
  Encbuf e(&buf);
  e.PutUvarint(u);
  e.PutVarint(s);
  e.PutBE32(w);
  e.PutBE64(u);
  e.PutUvarintStr(str);
  e.PutByte(7);
  Decbuf d(buf);
  RC_ASSERT(d.Uvarint() == u);
  RC_ASSERT(d.Varint() == s);
  RC_ASSERT(d.BE32() == w);
  RC_ASSERT(d.BE64() == u);
  RC_ASSERT(d.UvarintStr() == str);
  RC_ASSERT(d.Byte() == 7);
  RC_ASSERT(d.ok());
  RC_ASSERT(d.Len() == 0u);
}

TEST(Decbuf, TruncationIsStickyAndSafe) {
  std::string buf;
  Encbuf e(&buf);
  e.PutUvarint(300);
  e.PutUvarintStr("hello");
  Decbuf d(std::string_view(buf).substr(0, buf.size() - 1));
  EXPECT_EQ(d.Uvarint(), 300u);
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.UvarintStr(), "");
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.BE64(), 0u);
  const std::string ff(11, '\xff');
  Decbuf overlong(ff);
  overlong.Uvarint();
  EXPECT_FALSE(overlong.ok());
}

}  // namespace
}  // namespace promref::tsdb
