// The request-head parser against Go's net/http rules (the answers were observed from
// Prometheus 3.16; api_prometheus_diff_test checks them against it live).
#include "http1/request_parser.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <string>

namespace promref::http1 {
namespace {

ParseResult Parse(std::string_view in, RequestHead* h = nullptr) {
  RequestHead local;
  return ParseRequestHead(in, false, h ? h : &local);
}

struct RejectCase {
  const char* name;
  std::string request;
  int status;
  Rejection kind;
  const char* detail;  // checked for kStatusError
};

class Rejections : public testing::TestWithParam<RejectCase> {};

TEST_P(Rejections, AnswerAsGoDoes) {
  const RejectCase& c = GetParam();
  const ParseResult r = Parse(c.request);
  ASSERT_EQ(r.kind, ParseResult::kRejected) << c.name;
  EXPECT_EQ(r.status, c.status) << c.name;
  EXPECT_EQ(r.rejection, c.kind) << c.name;
  if (c.kind == Rejection::kStatusError) {
    EXPECT_EQ(r.detail, c.detail) << c.name;
  }
}

const std::string kH = "Host: x\r\n";

INSTANTIATE_TEST_SUITE_P(
    Go, Rejections,
    testing::Values(
        RejectCase{"negative length", "POST / HTTP/1.1\r\n" + kH + "Content-Length: -1\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"empty length", "POST / HTTP/1.1\r\n" + kH + "Content-Length: \r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"signed length", "POST / HTTP/1.1\r\n" + kH + "Content-Length: +7\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"conflicting lengths",
                   "POST / HTTP/1.1\r\n" + kH + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"length over 2^63",
                   "POST / HTTP/1.1\r\n" + kH + "Content-Length: 9223372036854775808\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"gzip, chunked", "POST / HTTP/1.1\r\n" + kH + "Transfer-Encoding: gzip, chunked\r\n\r\n",
                   501, Rejection::kUnsupportedTE, ""},
        RejectCase{
            "two TE lines",
            "POST / HTTP/1.1\r\n" + kH + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            501, Rejection::kUnsupportedTE, ""},
        RejectCase{"identity TE", "POST / HTTP/1.1\r\n" + kH + "Transfer-Encoding: identity\r\n\r\n", 501,
                   Rejection::kUnsupportedTE, ""},
        RejectCase{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, Rejection::kStatusError,
                   "missing required Host header"},
        RejectCase{"space before colon hides Host", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400,
                   Rejection::kStatusError, "missing required Host header"},
        RejectCase{"space before colon", "GET / HTTP/1.1\r\n" + kH + "X-A : b\r\n\r\n", 400,
                   Rejection::kStatusError, "invalid header name"},
        RejectCase{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, Rejection::kBadRequest,
                   ""},
        RejectCase{"bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, Rejection::kStatusError,
                   "malformed Host header"},
        RejectCase{"line without colon", "GET / HTTP/1.1\r\n" + kH + "foo\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"first header indented", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400, Rejection::kBadRequest,
                   ""},
        RejectCase{"control byte in value", "GET / HTTP/1.1\r\n" + kH + "X-A: a\x01z\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"bad byte in name", "GET / HTTP/1.1\r\n" + kH + "X(A: a\r\n\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"HTTP/2.0", "GET / HTTP/2.0\r\n" + kH + "\r\n", 505, Rejection::kStatusError,
                   "unsupported protocol version"},
        RejectCase{"HTTP/3.0", "GET / HTTP/3.0\r\n" + kH + "\r\n", 505, Rejection::kStatusError,
                   "unsupported protocol version"},
        RejectCase{"HTTP/0.9 line", "GET /\r\n\r\n", 400, Rejection::kBadRequest, ""},
        RejectCase{"bad version", "GET / HTTP/1.x\r\n" + kH + "\r\n", 400, Rejection::kBadRequest, ""},
        RejectCase{"version with trailing text", "GET / HTTP/1.1 x\r\n" + kH + "\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"bad method", "G(T / HTTP/1.1\r\n" + kH + "\r\n", 400, Rejection::kBadRequest, ""},
        RejectCase{"relative URI", "GET foo HTTP/1.1\r\n" + kH + "\r\n", 400, Rejection::kBadRequest, ""},
        RejectCase{"control byte in URI", "GET /a\x01 HTTP/1.1\r\n" + kH + "\r\n", 400,
                   Rejection::kBadRequest, ""},
        RejectCase{"bad escape in path", "GET /a%zz HTTP/1.1\r\n" + kH + "\r\n", 400, Rejection::kBadRequest,
                   ""},
        RejectCase{"leading CRLF", "\r\nGET / HTTP/1.1\r\n" + kH + "\r\n", 400, Rejection::kBadRequest, ""},
        RejectCase{"Expect other than 100-continue", "POST / HTTP/1.1\r\n" + kH + "Expect: foo\r\n\r\n", 417,
                   Rejection::kExpectationFailed, ""},
        RejectCase{"trailer naming Host",
                   "POST / HTTP/1.1\r\n" + kH + "Transfer-Encoding: chunked\r\nTrailer: Host\r\n\r\n", 400,
                   Rejection::kBadRequest, ""}),
    [](const testing::TestParamInfo<RejectCase>& p) {
      std::string n;
      for (char c : std::string(p.param.name)) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

TEST(RequestParser, ReadsAHead) {
  RequestHead h;
  const std::string in =
      "POST http://h/api/v1/query?query=up HTTP/1.1\r\nhost: x\r\ncontent-length: 7\r\n"
      "x-folded: a\r\n  b\r\nConnection: keep-alive, close\r\n\r\nquery=1";
  const ParseResult r = Parse(in, &h);
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_EQ(in.substr(r.consumed), "query=1");
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/api/v1/query");
  EXPECT_EQ(h.raw_query, "query=up");
  EXPECT_EQ(h.content_length, 7);
  EXPECT_FALSE(h.chunked);
  EXPECT_TRUE(h.wants_close);
  EXPECT_EQ(h.Header("X-Folded"), "a b");
  EXPECT_EQ(h.headers[0].first, "Host");  // canonicalized
}

TEST(RequestParser, AcceptsWhatGoAccepts) {
  RequestHead h;
  EXPECT_EQ(Parse("GET /-/ready HTTP/1.1\nHost: x\n\n", &h).kind, ParseResult::kComplete);  // bare LF
  EXPECT_EQ(Parse("GET /api/v1/label/__n%61me__/values HTTP/1.1\r\nHost: x\r\n\r\n", &h).kind,
            ParseResult::kComplete);
  EXPECT_EQ(h.path, "/api/v1/label/__name__/values");
  EXPECT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", &h).kind, ParseResult::kComplete);  // 1.0 needs no Host
  EXPECT_TRUE(h.wants_close);
  EXPECT_EQ(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &h).kind, ParseResult::kComplete);
  EXPECT_FALSE(h.wants_close);
  EXPECT_TRUE(h.keep_alive_10);
  // Transfer-Encoding is ignored on HTTP/1.0, whatever it says.
  EXPECT_EQ(Parse("POST / HTTP/1.0\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n", &h).kind,
            ParseResult::kComplete);
  EXPECT_EQ(h.content_length, 3);
  // Equal duplicate lengths are one length; chunked wins over a length.
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length:  2\r\n\r\n", &h).kind,
            ParseResult::kComplete);
  EXPECT_EQ(
      Parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\nTransfer-Encoding: Chunked\r\n\r\n", &h).kind,
      ParseResult::kComplete);
  EXPECT_TRUE(h.chunked);
  EXPECT_EQ(Parse("PRI * HTTP/2.0\r\n\r\n", &h).kind, ParseResult::kComplete);  // the handler answers it
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", &h).kind,
            ParseResult::kComplete);
  EXPECT_TRUE(h.expect_continue);
}

TEST(RequestParser, ToleratesACrLfAfterAPost) {
  RequestHead h;
  const std::string in = "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(ParseRequestHead(in, /*after_post=*/false, &h).kind, ParseResult::kRejected);
  const ParseResult r = ParseRequestHead(in, /*after_post=*/true, &h);
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_EQ(r.consumed, in.size());
}

TEST(RequestParser, RejectsEarlyAndWaitsOtherwise) {
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\n").kind, ParseResult::kIncomplete);
  EXPECT_EQ(Parse("GET / HTT").kind, ParseResult::kIncomplete);
  // A broken request line is answered without waiting for the headers.
  EXPECT_EQ(Parse("G(T / HTTP/1.1\r\n").kind, ParseResult::kRejected);
}

TEST(RequestParser, HeadsOverOneMebibyteGet431) {
  const std::string big(kMaxHeadBytes, 'a');
  const ParseResult partial = Parse("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big);
  EXPECT_EQ(partial.kind, ParseResult::kRejected);
  EXPECT_EQ(partial.status, 431);
  const ParseResult whole = Parse("GET /?q=" + big + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(whole.status, 431);
  // Prometheus takes a URL of half a mebibyte.
  EXPECT_EQ(Parse("GET /?q=" + std::string(512 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n").kind,
            ParseResult::kComplete);
}

TEST(RequestParser, RejectionBytesAreGos) {
  ParseResult r;
  r.kind = ParseResult::kRejected;
  r.rejection = Rejection::kStatusError;
  r.status = 400;
  r.detail = "missing required Host header";
  EXPECT_EQ(RejectionResponse(r, ""),
            "HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header");
  r.rejection = Rejection::kUnsupportedTE;
  r.status = 501;
  EXPECT_EQ(RejectionResponse(r, ""),
            "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: "
            "close\r\n\r\nUnsupported transfer encoding");
}

// Whatever the bytes, the parser answers one of its three ways without reading out of bounds,
// and a complete head never claims more bytes than it was given.
TEST(RequestParser, AnyInputGetsAnAnswer) {
  rc::check([](const std::string& tail) {
    RequestHead h;
    for (const std::string& in :
         {tail, "GET / HTTP/1.1\r\n" + tail, "POST /x HTTP/1.1\r\nHost: y\r\n" + tail}) {
      const ParseResult r = ParseRequestHead(in, false, &h);
      if (r.kind == ParseResult::kComplete) RC_ASSERT(r.consumed <= in.size());
      if (r.kind == ParseResult::kRejected) RC_ASSERT(r.status >= 400);
    }
  });
}

// Splitting a valid head anywhere only delays it: every prefix is incomplete, the whole is read.
TEST(RequestParser, PrefixesAreIncomplete) {
  const std::string in =
      "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nX-A: a\r\n b\r\n\r\n";
  for (size_t i = 0; i < in.size(); ++i) {
    RequestHead h;
    EXPECT_EQ(ParseRequestHead(in.substr(0, i), false, &h).kind, ParseResult::kIncomplete) << i;
  }
}

}  // namespace
}  // namespace promref::http1
