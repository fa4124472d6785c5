#include "push/body_decoding.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "ingest/protobuf_parser.h"
#include "ingest/text_parser.h"

namespace promref::push {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Go's gzip.Reader checks the 10-byte header itself before inflating; its texts differ from
// zlib's, so the header is checked here first.
Status CheckGzipHeader(std::string_view body) {
  if (body.empty()) return BadData("EOF");
  if (body.size() < 10) return BadData("unexpected EOF");
  if (static_cast<unsigned char>(body[0]) != 0x1f || static_cast<unsigned char>(body[1]) != 0x8b ||
      body[2] != 8) {
    return BadData("gzip: invalid header");
  }
  return {};
}

Result<std::string> Inflate(std::string_view body) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Error(ErrorKind::kInternal, "zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  const std::string msg = zs.msg ? zs.msg : "";
  inflateEnd(&zs);
  // A truncated stream: Pushgateway 1.5.1 parses what was inflated (its text parser takes a
  // read error at a line start as the end), so the parser decides on that prefix.
  if (rc == Z_STREAM_END || rc == Z_BUF_ERROR || rc == Z_OK) return out;
  if (msg.find("check") != std::string::npos) return BadData("gzip: invalid checksum");
  return BadData("flate: corrupt input");
}

}  // namespace

Result<std::string> DecodeContentEncoding(std::string_view content_encoding, std::string body) {
  if (Lower(content_encoding) != "gzip") return body;
  if (Status s = CheckGzipHeader(body); !s.ok()) return s.error();
  return Inflate(body);
}

bool IsDelimitedProtobuf(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (Lower(Trim(content_type.substr(0, semi))) != "application/vnd.google.protobuf") return false;
  std::map<std::string, std::string> params;
  while (semi != std::string_view::npos) {
    content_type.remove_prefix(semi + 1);
    semi = content_type.find(';');
    const std::string_view p = Trim(content_type.substr(0, semi));
    if (p.empty()) continue;
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos) return false;  // mime.ParseMediaType fails
    std::string_view v = Trim(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (!params.emplace(Lower(Trim(p.substr(0, eq))), std::string(v)).second) return false;
  }
  return params["encoding"] == "delimited" && params["proto"] == "io.prometheus.client.MetricFamily";
}

Result<FamilyMap> ParseBody(std::string_view body, bool protobuf) {
  std::unique_ptr<ingest::Parser> parser =
      protobuf ? ingest::NewProtobufParser(body) : ingest::NewTextParser(body);
  Result<std::vector<ingest::Entry>> entries = ingest::ParseAll(*parser);
  if (!entries.ok()) return BadData(entries.error().message());
  return AssembleFamilies(*entries, protobuf, body);
}

}  // namespace promref::push
