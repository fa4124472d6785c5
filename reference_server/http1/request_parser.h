// Reading an HTTP/1.x request head the way Go's net/http server does (Prometheus' front door):
// the same requests are accepted, and a rejected one gets Go's status code and body, because a
// client that talks to promref instead of Prometheus must see the same answer to a bad request.
//
// The parser is a pure function over the bytes received so far: it says whether the head is
// still incomplete, complete (and how many bytes it took), or rejected (with Go's answer). It
// never reads past the head; the body's framing is described in RequestHead for the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promref::http1 {

// Go's http.DefaultMaxHeaderBytes (1 MiB) plus the 4096 bytes of slack its server allows: a head
// (request line and headers) longer than this is answered 431.
inline constexpr size_t kMaxHeadBytes = (1u << 20) + 4096;

struct RequestHead {
  std::string method;
  std::string request_uri;  // as sent on the request line
  std::string path;         // the URL's path, percent-decoded ("*" for "OPTIONS *")
  std::string raw_query;    // after '?', undecoded
  int proto_major = 1;
  int proto_minor = 1;
  // Header fields in arrival order, names canonicalized as Go does ("content-type" ->
  // "Content-Type"; a name with a space is kept as sent); Host is kept.
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;          // Transfer-Encoding: chunked (Content-Length is then ignored)
  int64_t content_length = 0;    // the body's length when not chunked
  bool expect_continue = false;  // "Expect: 100-continue" on an HTTP/1.1 request with a body
  bool wants_close = false;      // the connection closes after this exchange
  bool keep_alive_10 = false;    // an HTTP/1.0 client asked for keep-alive

  bool ProtoAtLeast(int major, int minor) const {
    return proto_major > major || (proto_major == major && proto_minor >= minor);
  }
  // The first value of a header (case-insensitive name), "" when absent.
  std::string_view Header(std::string_view name) const;
};

// Go's answers to a request it will not serve. Each closes the connection.
enum class Rejection {
  kNone,
  kBadRequest,         // "400 Bad Request", no detail (a malformed line, URL, header or length)
  kStatusError,        // "<code> <text>: <detail>" (missing Host, 505, invalid header name...)
  kUnsupportedTE,      // 501 "Unsupported transfer encoding"
  kTooLarge,           // 431, the head is over kMaxHeadBytes
  kExpectationFailed,  // 417, an Expect other than 100-continue
};

struct ParseResult {
  enum Kind { kIncomplete, kComplete, kRejected } kind = kIncomplete;
  size_t consumed = 0;  // kComplete: the head's length in bytes
  Rejection rejection = Rejection::kNone;
  int status = 0;      // kRejected: the status code Go sends
  std::string detail;  // kStatusError: the text after "<code> <reason>: "; otherwise why (for logs)
};

// Parses the head at the start of `in`. `after_post` is Go's tolerance for a client that sent
// a stray CRLF after a POST body: up to four leading CR/LF bytes are skipped (and counted in
// `consumed`). On kComplete, `out` holds the head.
ParseResult ParseRequestHead(std::string_view in, bool after_post, RequestHead* out);

// The bytes Go writes for a rejection, status line to body (the connection closes after them).
// `date` is the Date header's value, used only by the 417 (the others carry none in Go).
std::string RejectionResponse(const ParseResult& r, std::string_view date);

// Go's textproto.CanonicalMIMEHeaderKey for a valid name; a name with an invalid byte or a
// space is returned unchanged.
std::string CanonicalHeaderKey(std::string_view name);

}  // namespace promref::http1
