#include "api/compression.h"

#include <zlib.h>

#include <memory>

#include "http1/tokens.h"

namespace promref::api {
namespace {

// A zlib deflate stream producing gzip or zlib framing.
class Deflater {
 public:
  explicit Deflater(bool gzip) {
    // Go's gzip.NewWriter and zlib.NewWriter: default compression, 32 KiB window.
    ok_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) ==
          Z_OK;
  }
  ~Deflater() {
    if (ok_) deflateEnd(&z_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses `in`; with `finish`, ends the stream. Returns the bytes produced.
  std::string Deflate(std::string_view in, bool finish) {
    std::string out;
    if (!ok_) return out;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    char buf[16384];
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof buf;
      rc = deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
      out.append(buf, sizeof buf - z_.avail_out);
    } while (z_.avail_out == 0 || (finish && rc != Z_STREAM_END && rc != Z_STREAM_ERROR));
    return out;
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

bool CompressedRoute(std::string_view route) {
  if (route == "/federate") return true;
  if (route.rfind("/api/v1/", 0) != 0) return false;
  return route != "/api/v1/write" && route != "/api/v1/read" && route != "/api/v1/otlp/v1/metrics" &&
         route != "/api/v1/notifications" && route != "/api/v1/notifications/live" &&
         route != "/api/v1/status/walreplay";
}

void CompressForClient(const Request& req, Response* resp) {
  // First among the Vary values: Prometheus' compression wrapper adds it before the handler's CORS.
  resp->headers.insert(resp->headers.begin(), {"Vary", "Accept-Encoding"});
  const std::string accept = req.Header("Accept-Encoding");
  std::string encoding;
  for (std::string_view e : http1::SplitCommaList(accept)) {
    if (e == "gzip" || e == "deflate") {
      encoding = std::string(e);
      break;
    }
  }
  if (encoding.empty()) return;
  resp->headers.emplace_back("Content-Encoding", encoding);
  auto deflater = std::make_shared<Deflater>(encoding == "gzip");
  if (resp->stream) {
    auto inner = std::move(resp->stream);
    resp->stream = [inner = std::move(inner), deflater](const ChunkWriter& write) {
      bool alive = true;
      inner([&](std::string_view chunk) {
        const std::string out = deflater->Deflate(chunk, false);
        alive = alive && (out.empty() || write(out));
        return alive;
      });
      if (alive) write(deflater->Deflate({}, true));
    };
    return;
  }
  // A handler that writes nothing (a 204) still gets the empty stream's framing from Go.
  resp->body = deflater->Deflate(resp->body, true);
}

}  // namespace promref::api
