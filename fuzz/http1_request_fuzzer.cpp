// Fuzz target: the HTTP/1.x request-head parser and the chunked-body decoder, as the server
// drives them. The first byte picks whether a POST came before (Go's stray-CRLF tolerance);
// the rest is the bytes a client sent. Checks: no crash or sanitizer report, a complete head
// never claims bytes it was not given, a rejection carries a 4xx/5xx status and Go's answer
// bytes, and the chunked decoder never moves past its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http1/chunked_decoder.h"
#include "http1/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool after_post = data[0] & 1;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  promref::http1::RequestHead head;
  const auto r = promref::http1::ParseRequestHead(in, after_post, &head);
  if (r.kind == promref::http1::ParseResult::kRejected) {
    if (r.status < 400 || r.status > 599) std::abort();
    const std::string answer = promref::http1::RejectionResponse(r, "Thu, 01 Jan 1970 00:00:00 GMT");
    if (answer.rfind("HTTP/1.1 " + std::to_string(r.status) + " ", 0) != 0) std::abort();
    return 0;
  }
  if (r.kind != promref::http1::ParseResult::kComplete) return 0;
  if (r.consumed > in.size()) std::abort();
  if (head.content_length < 0) std::abort();
  if (head.chunked) {
    promref::http1::ChunkedDecoder d;
    size_t pos = r.consumed;
    std::string body;
    d.Feed(in, &pos, &body);
    if (pos > in.size() || body.size() > in.size()) std::abort();
  }
  return 0;
}
