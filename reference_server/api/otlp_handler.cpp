// The OTLP metrics receiver (POST /api/v1/otlp/v1/metrics), as Prometheus 3.16's
// otlpWriteHandler: protobuf or OTLP/JSON bodies, optionally gzipped, translated into series
// by reference_server/otlp and written as one batch. Any translation or append error rolls the
// whole batch back: 400 when one of them is a data error (out of order, out of bounds,
// duplicate, too old), 500 otherwise, with every error on its own line.
#include <zlib.h>

#include <chrono>

#include "api/prometheus_api.h"
#include "otlp/otlp_decode.h"
#include "otlp/otlp_translate.h"

namespace promref::api {
namespace {

constexpr std::string_view kProtobuf = "application/x-protobuf";
constexpr std::string_view kJson = "application/json";
constexpr size_t kReadLimit = 32 << 20;          // remote.decodeReadLimit
constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;  // later samples are out of bounds

// gzip.NewReader and io.ReadAll(io.LimitReader(r, kReadLimit)) with Go's error texts: the header
// checked first, then the members inflated until the input ends (concatenated members are
// one stream, as Go's multistream reader has them); what is past the limit is not read.
Result<std::string> Gunzip(std::string_view in) {
  if (in.empty()) return BadData("EOF");
  std::string out;
  while (true) {
    if (in.size() < 10) return BadData("unexpected EOF");
    if (static_cast<unsigned char>(in[0]) != 0x1f || static_cast<unsigned char>(in[1]) != 0x8b ||
        in[2] != 8 || (static_cast<unsigned char>(in[3]) & 0xe0) != 0) {
      return BadData("gzip: invalid header");
    }
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Error(ErrorKind::kInternal, "zlib init failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
    char buf[16384];
    int rc = Z_OK;
    while (rc == Z_OK && out.size() < kReadLimit) {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      out.append(buf, sizeof buf - zs.avail_out);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
    }
    const std::string msg = zs.msg != nullptr ? zs.msg : "";
    const size_t consumed = zs.total_in;
    inflateEnd(&zs);
    if (out.size() >= kReadLimit) {
      out.resize(kReadLimit);
      return out;
    }
    if (rc == Z_STREAM_END) {
      in.remove_prefix(consumed);
      if (in.empty()) return out;
      continue;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) return BadData("unexpected EOF");
    if (msg.find("check") != std::string::npos) return BadData("gzip: invalid checksum");
    return BadData("flate: corrupt input before offset " + std::to_string(consumed));
  }
}

}  // namespace

Response PrometheusApi::OtlpWrite(const Request& req) {
  if (!deps_.options.enable_otlp_receiver) {
    return Response::Text(404, "otlp write receiver needs to be enabled with --web.enable-otlp-receiver\n");
  }
  const std::string content_type = req.Header("Content-Type");
  if (content_type != kProtobuf && content_type != kJson) {
    return Response::Text(400, "unsupported content type: " + content_type +
                                   ", supported: [application/json, application/x-protobuf]\n");
  }
  const std::string encoding = req.Header("Content-Encoding");
  std::string body;
  if (encoding == "gzip") {
    auto inflated = Gunzip(req.body);
    if (!inflated.ok()) return Response::Text(400, inflated.error().message() + "\n");
    body = std::move(*inflated);
  } else if (encoding.empty()) {
    body = req.body.substr(0, kReadLimit);
  } else {
    return Response::Text(
        400, "unsupported compression: " + encoding + ". Only \"gzip\" or no compression supported\n");
  }
  auto decoded = content_type == kProtobuf ? otlp::DecodeProtobuf(body) : otlp::DecodeJson(body);
  if (!decoded.ok()) return Response::Text(400, decoded.error().message() + "\n");

  otlp::TranslateOptions opts;
  if (deps_.otlp_config) opts.config = deps_.otlp_config();
  opts.allow_delta_temporality = deps_.options.otlp_native_delta_ingestion;
  opts.lookback_delta_ms = deps_.options.lookback_delta_ms;
  opts.max_time_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deps_.now().time_since_epoch()).count() +
      kMaxAheadMs;
  auto app = req.tenant->storage->MakeAppender();
  const otlp::TranslateResult res = otlp::Translate(*decoded, opts, *app);
  if (!res.errors.empty()) {
    app->Rollback();
    return Response::Text(res.data_error ? 400 : 500, res.ErrorText() + "\n");
  }
  if (Status st = app->Commit(); !st.ok()) return Response::Text(500, st.error().message() + "\n");
  Response ok;
  ok.status = 200;
  return ok;
}

}  // namespace promref::api
