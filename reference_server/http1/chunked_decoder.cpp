#include "http1/chunked_decoder.h"

#include <algorithm>

#include "http1/tokens.h"

namespace promref::http1 {
namespace {

// Go's maxLineLength for a chunk-size line.
constexpr size_t kMaxLineLength = 4096;

}  // namespace

ChunkedDecoder::Status ChunkedDecoder::Fail(std::string why) {
  phase_ = Phase::kError;
  error_ = std::move(why);
  return Status::kError;
}

ChunkedDecoder::Status ChunkedDecoder::ReadSizeLine(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
    line.remove_suffix(1);
  line = line.substr(0, line.find(';'));  // chunk extensions are ignored
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.empty()) return Fail("empty hex number for chunk length");
  if (line.size() > 16) return Fail("http chunk length too large");
  uint64_t n = 0;
  for (char c : line) {
    const int d = HexValue(c);
    if (d < 0) return Fail("invalid byte in chunk length");
    n = n * 16 + static_cast<uint64_t>(d);
  }
  remaining_ = n;
  phase_ = n == 0 ? Phase::kTrailer : Phase::kData;
  return Status::kNeedMore;
}

ChunkedDecoder::Status ChunkedDecoder::Feed(std::string_view in, size_t* pos, std::string* body) {
  while (true) {
    switch (phase_) {
      case Phase::kDone: return Status::kDone;
      case Phase::kError: return Status::kError;
      case Phase::kSizeLine:
      case Phase::kTrailer: {
        const size_t nl = in.find('\n', *pos);
        if (nl == std::string_view::npos) {
          if (in.size() - *pos >= kMaxLineLength) return Fail("header line too long");
          return Status::kNeedMore;
        }
        if (nl - *pos >= kMaxLineLength) return Fail("header line too long");
        const std::string_view line = in.substr(*pos, nl - *pos);
        *pos = nl + 1;
        if (phase_ == Phase::kSizeLine) {
          if (ReadSizeLine(line) == Status::kError) return Status::kError;
        } else if (line.empty() || line == "\r") {
          phase_ = Phase::kDone;  // the blank line that ends the trailer
        }
        break;
      }
      case Phase::kData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - *pos));
        body->append(in.substr(*pos, take));
        *pos += take;
        remaining_ -= take;
        if (remaining_ > 0) return Status::kNeedMore;
        phase_ = Phase::kDataEnd;
        break;
      }
      case Phase::kDataEnd:
        if (in.size() - *pos < 2) return Status::kNeedMore;
        if (in.substr(*pos, 2) != "\r\n") return Fail("malformed chunked encoding");
        *pos += 2;
        phase_ = Phase::kSizeLine;
        break;
    }
  }
}

}  // namespace promref::http1
