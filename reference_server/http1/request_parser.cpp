#include "http1/request_parser.h"

#include <algorithm>
#include <array>

#include "http1/status_text.h"
#include "http1/tokens.h"

namespace promref::http1 {
namespace {

ParseResult Reject(Rejection kind, int status, std::string detail) {
  ParseResult r;
  r.kind = ParseResult::kRejected;
  r.rejection = kind;
  r.status = status;
  r.detail = std::move(detail);
  return r;
}

ParseResult BadRequest(std::string why) {
  return Reject(Rejection::kBadRequest, 400, std::move(why));
}

// The line starting at `pos`, without its "\n" or "\r\n" (bufio.ReadLine); npos when the line
// has not fully arrived.
struct Line {
  std::string_view text;
  size_t next = std::string_view::npos;  // where the following line starts
};

Line ReadLine(std::string_view in, size_t pos) {
  const size_t nl = in.find('\n', pos);
  if (nl == std::string_view::npos) return {};
  size_t end = nl;
  if (end > pos && in[end - 1] == '\r') --end;
  return {in.substr(pos, end - pos), nl + 1};
}

bool ValidMethod(std::string_view m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) { return IsTokenByte(c); });
}

// Go's http.ParseHTTPVersion: "HTTP/1.0", "HTTP/1.1", or "HTTP/" digit "." digit.
bool ParseHttpVersion(std::string_view v, int* major, int* minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return false;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return false;
  *major = v[5] - '0';
  *minor = v[7] - '0';
  return true;
}

// The scheme of an absolute URI ("http" in "http://h/p"), "" when there is none; false when
// the URI starts with ':' (Go's "missing protocol scheme").
bool GetScheme(std::string_view uri, std::string_view* scheme, std::string_view* rest) {
  for (size_t i = 0; i < uri.size(); ++i) {
    const char c = uri[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (letter) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return false;
      *scheme = uri.substr(0, i);
      *rest = uri.substr(i + 1);
      return true;
    }
    break;
  }
  *scheme = {};
  *rest = uri;
  return true;
}

// Go's url.ParseRequestURI, keeping what the server needs: the decoded path and raw query.
bool ParseRequestUri(std::string_view uri, RequestHead* out) {
  if (uri.empty()) return false;
  if (std::any_of(uri.begin(), uri.end(), [](char c) { return IsControlByte(c); })) return false;
  if (uri == "*") {
    out->path = "*";
    return true;
  }
  std::string_view scheme, rest;
  if (!GetScheme(uri, &scheme, &rest)) return false;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    out->raw_query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest[0] != '/') {
    if (scheme.empty()) return false;  // "invalid URI for request"
    out->path.clear();                 // an opaque URI ("http:x") has no path
    return true;
  }
  if (!scheme.empty() && rest.substr(0, 2) == "//") {
    const size_t slash = rest.find('/', 2);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  return PercentDecode(rest, /*plus_is_space=*/false, &out->path);
}

ParseResult ParseRequestLine(std::string_view line, RequestHead* out) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return BadRequest("malformed HTTP request");
  out->method = std::string(line.substr(0, sp1));
  out->request_uri = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  const std::string_view proto = line.substr(sp2 + 1);
  if (!ValidMethod(out->method)) return BadRequest("invalid method");
  if (!ParseHttpVersion(proto, &out->proto_major, &out->proto_minor))
    return BadRequest("malformed HTTP version");
  if (!ParseRequestUri(out->request_uri, out)) return BadRequest("malformed request URI");
  return {};
}

// One header field (continuation lines already joined): Go's textproto rules.
ParseResult ParseHeaderField(std::string_view kv, RequestHead* out) {
  const size_t colon = kv.find(':');
  if (colon == std::string_view::npos || colon == 0) return BadRequest("malformed MIME header line");
  const std::string_view key = kv.substr(0, colon);
  for (char c : key) {
    if (!IsTokenByte(c) && c != ' ') return BadRequest("malformed MIME header line");
  }
  std::string_view value = kv.substr(colon + 1);
  for (char c : value) {
    if (!IsHeaderValueByte(c)) return BadRequest("malformed MIME header line");
  }
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  out->headers.emplace_back(CanonicalHeaderKey(key), std::string(value));
  return {};
}

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Values(const RequestHead& h, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : h.headers) {
    if (k == name) out.push_back(v);
  }
  return out;
}

// strconv.ParseUint(s, 10, 63).
bool ParseLength(std::string_view s, int64_t* n) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *n = static_cast<int64_t>(v);
  return true;
}

// Go's readTransfer for a request: Transfer-Encoding, then Content-Length, then Trailer.
ParseResult ReadTransfer(RequestHead* h) {
  const auto te = Values(*h, "Transfer-Encoding");
  if (!te.empty() && h->ProtoAtLeast(1, 1)) {
    if (te.size() != 1) return Reject(Rejection::kUnsupportedTE, 501, "too many transfer encodings");
    if (!EqualFold(te[0], "chunked"))
      return Reject(Rejection::kUnsupportedTE, 501, "unsupported transfer encoding");
    h->chunked = true;
  }
  const auto cl = Values(*h, "Content-Length");
  if (cl.size() > 1) {
    for (std::string_view v : cl) {
      if (TrimSpace(v) != TrimSpace(cl[0])) return BadRequest("multiple Content-Length headers");
    }
  }
  if (!cl.empty()) {
    if (TrimSpace(cl[0]).empty()) return BadRequest("invalid empty Content-Length");
    if (!ParseLength(TrimSpace(cl[0]), &h->content_length)) return BadRequest("bad Content-Length");
  }
  if (h->chunked) {
    h->content_length = 0;
    for (std::string_view trailer : Values(*h, "Trailer")) {
      for (std::string_view key : SplitCommaList(trailer)) {
        const std::string k = CanonicalHeaderKey(key);
        if (k == "Host" || k == "Transfer-Encoding" || k == "Content-Length")
          return BadRequest("bad trailer key");
      }
    }
  }
  return {};
}

// The checks Go's server makes once the request is read (conn.readRequest).
ParseResult CheckRequest(RequestHead* h) {
  const bool h2_upgrade = h->method == "PRI" && h->request_uri == "*" && h->proto_major == 2 &&
                          h->proto_minor == 0 && h->headers.empty();
  if (h->proto_major != 1 &&
      !(h->proto_major == 2 && h->proto_minor == 0 && h->method == "PRI" && h->request_uri == "*")) {
    return Reject(Rejection::kStatusError, 505, "unsupported protocol version");
  }
  const auto hosts = Values(*h, "Host");
  if (h->ProtoAtLeast(1, 1) && hosts.empty() && !h2_upgrade && h->method != "CONNECT") {
    return Reject(Rejection::kStatusError, 400, "missing required Host header");
  }
  if (hosts.size() == 1 && !std::all_of(hosts[0].begin(), hosts[0].end(), IsHostByte)) {
    return Reject(Rejection::kStatusError, 400, "malformed Host header");
  }
  for (const auto& [k, v] : h->headers) {
    if (k.empty() || !std::all_of(k.begin(), k.end(), IsTokenByte)) {
      return Reject(Rejection::kStatusError, 400, "invalid header name");
    }
  }
  const std::string_view connection = h->Header("Connection");
  const bool has_close = HeaderValuesContainToken(Values(*h, "Connection"), "close");
  if (h->proto_major == 1 && h->proto_minor == 0) {
    h->keep_alive_10 = HasToken(connection, "keep-alive");
    h->wants_close = has_close || !HeaderValuesContainToken(Values(*h, "Connection"), "keep-alive");
  } else {
    h->wants_close = has_close || h2_upgrade;
  }
  const std::string_view expect = h->Header("Expect");
  if (EqualFold(expect, "100-continue")) {
    h->expect_continue = h->ProtoAtLeast(1, 1) && (h->chunked || h->content_length != 0);
  } else if (!expect.empty()) {
    return Reject(Rejection::kExpectationFailed, 417, "unsupported Expect");
  }
  return {};
}

// Reads the header lines from `pos`. Returns kIncomplete until the blank line has arrived
// (with the first byte after each line, to see whether the next line continues it).
ParseResult ReadHeaders(std::string_view in, size_t pos, RequestHead* out) {
  if (pos < in.size() && (in[pos] == ' ' || in[pos] == '\t'))
    return BadRequest("malformed MIME header initial line");
  while (true) {
    Line line = ReadLine(in, pos);
    if (line.next == std::string_view::npos) return {};
    if (line.text.empty()) {
      ParseResult done;
      done.kind = ParseResult::kComplete;
      done.consumed = line.next;
      return done;
    }
    if (line.text.find(':') == std::string_view::npos) return BadRequest("malformed MIME header line");
    std::string joined(TrimSpace(line.text));
    size_t next = line.next;
    while (true) {  // obsolete line folding: a line starting with SP or HT continues the field
      if (next >= in.size()) return {};
      if (in[next] != ' ' && in[next] != '\t') break;
      const Line cont = ReadLine(in, next);
      if (cont.next == std::string_view::npos) return {};
      joined += ' ';
      joined += TrimSpace(cont.text);
      next = cont.next;
    }
    if (ParseResult r = ParseHeaderField(joined, out); r.kind == ParseResult::kRejected) return r;
    pos = next;
  }
}

}  // namespace

std::string_view RequestHead::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualFold(k, name)) return v;
  }
  return {};
}

std::string CanonicalHeaderKey(std::string_view name) {
  std::string key(name);
  if (key.empty() || !std::all_of(key.begin(), key.end(), IsTokenByte)) return key;
  bool upper = true;
  for (char& c : key) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    upper = c == '-';
  }
  return key;
}

ParseResult ParseRequestHead(std::string_view in, bool after_post, RequestHead* out) {
  *out = RequestHead{};
  size_t skip = 0;
  if (after_post) {
    while (skip < 4 && skip < in.size() && (in[skip] == '\r' || in[skip] == '\n')) ++skip;
    if (skip == in.size() && skip < 4) return {};
  }
  const std::string_view head = in.substr(skip);
  const Line request_line = ReadLine(head, 0);
  ParseResult r;
  if (request_line.next != std::string_view::npos) {
    r = ParseRequestLine(request_line.text, out);
    if (r.kind == ParseResult::kRejected) return r;
    r = ReadHeaders(head, request_line.next, out);
    if (r.kind == ParseResult::kRejected) return r;
  }
  if (r.kind == ParseResult::kIncomplete) {
    if (head.size() > kMaxHeadBytes) return Reject(Rejection::kTooLarge, 431, "request head too large");
    return r;
  }
  if (r.consumed > kMaxHeadBytes) return Reject(Rejection::kTooLarge, 431, "request head too large");
  if (Values(*out, "Host").size() > 1) return BadRequest("too many Host headers");
  if (ParseResult t = ReadTransfer(out); t.kind == ParseResult::kRejected) return t;
  if (ParseResult c = CheckRequest(out); c.kind == ParseResult::kRejected) return c;
  r.consumed += skip;
  return r;
}

std::string RejectionResponse(const ParseResult& r, std::string_view date) {
  static constexpr std::string_view kErrorHeaders =
      "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  const std::string code_text = std::to_string(r.status) + " " + std::string(StatusText(r.status));
  switch (r.rejection) {
    case Rejection::kTooLarge:
    case Rejection::kBadRequest:
    case Rejection::kNone: return "HTTP/1.1 " + code_text + std::string(kErrorHeaders) + code_text;
    case Rejection::kUnsupportedTE:
      return "HTTP/1.1 " + code_text + std::string(kErrorHeaders) + "Unsupported transfer encoding";
    case Rejection::kStatusError: {
      const std::string line = code_text + ": " + r.detail;
      return "HTTP/1.1 " + line + std::string(kErrorHeaders) + line;
    }
    case Rejection::kExpectationFailed:
      return "HTTP/1.1 " + code_text + "\r\nConnection: close\r\nDate: " + std::string(date) +
             "\r\nContent-Length: 0\r\n\r\n";
  }
  return {};
}

}  // namespace promref::http1
