// Decoding a chunked request body (RFC 9112 section 7.1) incrementally, with the strictness of
// Go's chunked reader: a hex size with optional extensions, CRLF after each chunk's data, size
// lines at most 4096 bytes, and an optional trailer ending in a blank line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promref::http1 {

class ChunkedDecoder {
 public:
  enum class Status { kNeedMore, kDone, kError };

  // Consumes as much of `in` from `*pos` as it can, appending chunk data to `body` and advancing
  // `*pos` past what it consumed. kDone once the last chunk and the trailer are read (`*pos` is
  // then the first byte after the body); kError on malformed framing (error() says what).
  Status Feed(std::string_view in, size_t* pos, std::string* body);

  const std::string& error() const { return error_; }

 private:
  enum class Phase { kSizeLine, kData, kDataEnd, kTrailer, kDone, kError };
  Status Fail(std::string why);
  Status ReadSizeLine(std::string_view line);

  Phase phase_ = Phase::kSizeLine;
  uint64_t remaining_ = 0;  // bytes left in the current chunk
  std::string error_;
};

}  // namespace promref::http1
