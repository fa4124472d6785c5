#include "http1/chunked_decoder.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdio>
#include <string>
#include <vector>

namespace promref::http1 {
namespace {

struct Decoded {
  ChunkedDecoder::Status status;
  std::string body;
  size_t pos = 0;
  std::string error;
};

Decoded Decode(const std::string& in) {
  ChunkedDecoder d;
  Decoded out;
  out.status = d.Feed(in, &out.pos, &out.body);
  out.error = d.error();
  return out;
}

TEST(ChunkedDecoder, ReadsChunksExtensionsAndTrailer) {
  const Decoded d = Decode("7;foo=bar\r\nquery=1\r\n3\r\n&a=\r\n0\r\nX-T: 1\r\n\r\nGET /next");
  EXPECT_EQ(d.status, ChunkedDecoder::Status::kDone);
  EXPECT_EQ(d.body, "query=1&a=");
  EXPECT_EQ(std::string("7;foo=bar\r\nquery=1\r\n3\r\n&a=\r\n0\r\nX-T: 1\r\n\r\nGET /next").substr(d.pos),
            "GET /next");
}

TEST(ChunkedDecoder, RejectsBrokenFraming) {
  EXPECT_EQ(Decode("zz\r\nquery=1\r\n0\r\n\r\n").error, "invalid byte in chunk length");
  EXPECT_EQ(Decode("\r\n").error, "empty hex number for chunk length");
  EXPECT_EQ(Decode("7\r\nquery=1XX0\r\n\r\n").error, "malformed chunked encoding");
  EXPECT_EQ(Decode("11111111111111111\r\n").error, "http chunk length too large");
  EXPECT_EQ(Decode(std::string(5000, '1')).error, "header line too long");
}

TEST(ChunkedDecoder, WaitsForMore) {
  EXPECT_EQ(Decode("7\r\nque").status, ChunkedDecoder::Status::kNeedMore);
  EXPECT_EQ(Decode("7\r\nquery=1\r\n0\r\n").status, ChunkedDecoder::Status::kNeedMore);  // trailer's end
}

std::string Encode(const std::string& body, const std::vector<size_t>& sizes) {
  std::string out;
  size_t at = 0;
  for (size_t s : sizes) {
    if (at >= body.size()) break;
    const size_t n = std::min(s == 0 ? 1 : s, body.size() - at);
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", n);
    out += hex;
    out += "\r\n" + body.substr(at, n) + "\r\n";
    at += n;
  }
  if (at < body.size()) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zX", body.size() - at);
    out += std::string(hex) + "\r\n" + body.substr(at) + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// Any body, chunked any way and delivered in any pieces, decodes to itself.
TEST(ChunkedDecoder, RoundTripsInAnyPieces) {
  rc::check([](const std::string& body, const std::vector<size_t>& sizes, const std::vector<size_t>& cuts) {
    const std::string wire = Encode(body, sizes);
    ChunkedDecoder d;
    std::string got;
    std::string received;
    size_t pos = 0;
    size_t sent = 0;
    ChunkedDecoder::Status st = ChunkedDecoder::Status::kNeedMore;
    for (size_t c : cuts) {
      const size_t n = std::min(c % 7 + 1, wire.size() - sent);
      received += wire.substr(sent, n);
      sent += n;
      st = d.Feed(received, &pos, &got);
      RC_ASSERT(st != ChunkedDecoder::Status::kError);
    }
    received += wire.substr(sent);
    st = d.Feed(received, &pos, &got);
    RC_ASSERT(st == ChunkedDecoder::Status::kDone);
    RC_ASSERT(got == body);
    RC_ASSERT(pos == wire.size());
  });
}

}  // namespace
}  // namespace promref::http1
