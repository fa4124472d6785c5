#include "ingest/content_type.h"

#include <algorithm>
#include <map>

#include "ingest/text_parser.h"
#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::ingest {
namespace {

constexpr std::string_view kOpenMetricsMediaType = "application/openmetrics-text";
constexpr std::string_view kProtobufMediaType = "application/vnd.google.protobuf";
constexpr std::string_view kTextMediaType = "text/plain";
// How many protocols Prometheus knows: the Accept weights count down from one more.
constexpr int kKnownProtocols = 6;

// The full Accept value of a protocol (config.ScrapeProtocolsHeaders).
std::string_view ProtocolHeader(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto:
      return "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
    case ScrapeProtocol::kPrometheusText0_0_4: return "text/plain;version=0.0.4";
    case ScrapeProtocol::kPrometheusText1_0_0: return "text/plain;version=1.0.0";
    case ScrapeProtocol::kOpenMetricsText0_0_1: return "application/openmetrics-text;version=0.0.1";
    case ScrapeProtocol::kOpenMetricsText1_0_0: return "application/openmetrics-text;version=1.0.0";
    case ScrapeProtocol::kOpenMetricsText2_0_0: return "application/openmetrics-text;version=2.0.0";
  }
  return "";
}

// Only the newer text formats can carry UTF-8 names, so only they are told the escaping.
bool AnnouncesEscaping(ScrapeProtocol p) {
  return p == ScrapeProtocol::kPrometheusText1_0_0 || p == ScrapeProtocol::kOpenMetricsText1_0_0 ||
         p == ScrapeProtocol::kOpenMetricsText2_0_0;
}

// --- Go's mime.ParseMediaType, as far as choosing a parser needs it --------------------------

bool IsTSpecial(char c) {
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}
bool IsTokenChar(char c) {
  return c > ' ' && c < 0x7f && !IsTSpecial(c);
}
// Go's unicode.IsSpace.
bool IsSpace(char32_t r) {
  constexpr char32_t kSpaces[] = {'\t', '\n',   '\v',   '\f',   '\r',   ' ',    0x85,
                                  0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
  return (r >= 0x2000 && r <= 0x200A) ||
         std::find(std::begin(kSpaces), std::end(kSpaces), r) != std::end(kSpaces);
}
// The size of the space rune `s` starts with, 0 if it does not start with one.
size_t LeadingSpace(std::string_view s) {
  char32_t r = 0;
  const int n = s.empty() ? 0 : model::DecodeRune(s, &r);
  return n > 0 && IsSpace(r) ? static_cast<size_t>(n) : 0;
}
std::string_view TrimLeft(std::string_view s) {
  while (size_t n = LeadingSpace(s)) s.remove_prefix(n);
  return s;
}
// The size of the space rune `s` ends with, 0 if it does not end with one.
size_t TrailingSpace(std::string_view s) {
  for (size_t n = 1; n <= std::min<size_t>(4, s.size()); ++n) {
    if (LeadingSpace(s.substr(s.size() - n)) == n) return n;
  }
  return 0;
}
std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (size_t n = TrailingSpace(s)) s.remove_suffix(n);
  return s;
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits a token off the front of *s.
std::string_view ConsumeToken(std::string_view* s) {
  size_t n = 0;
  while (n < s->size() && IsTokenChar((*s)[n])) ++n;
  std::string_view tok = s->substr(0, n);
  s->remove_prefix(n);
  return tok;
}

// A token or a quoted string (with backslash escapes of special characters) off the front
// of *s; nullopt, leaving *s alone, when there is none.
std::optional<std::string> ConsumeValue(std::string_view* s) {
  if (s->empty()) return std::nullopt;
  if (s->front() != '"') {
    std::string_view tok = ConsumeToken(s);
    if (tok.empty()) return std::nullopt;
    return std::string(tok);
  }
  std::string out;
  for (size_t i = 1; i < s->size(); ++i) {
    const char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return out;
    }
    if (c == '\\' && i + 1 < s->size() && IsTSpecial((*s)[i + 1])) {
      out += (*s)[++i];
      continue;
    }
    if (c == '\r' || c == '\n') return std::nullopt;
    out += c;
  }
  return std::nullopt;
}

// "; key=value" off the front of *s.
std::optional<std::pair<std::string, std::string>> ConsumeParam(std::string_view* s) {
  std::string_view rest = TrimLeft(*s);
  if (!rest.starts_with(';')) return std::nullopt;
  rest = TrimLeft(rest.substr(1));
  const std::string key = Lower(ConsumeToken(&rest));
  if (key.empty()) return std::nullopt;
  rest = TrimLeft(rest);
  if (!rest.starts_with('=')) return std::nullopt;
  rest = TrimLeft(rest.substr(1));
  std::optional<std::string> value = ConsumeValue(&rest);
  if (!value) return std::nullopt;
  *s = rest;
  return std::make_pair(key, std::move(*value));
}

Status CheckMediaType(std::string_view type) {
  if (ConsumeToken(&type).empty()) return BadData("mime: no media type");
  if (type.empty()) return {};
  if (!type.starts_with('/')) return BadData("mime: expected slash after first token");
  type.remove_prefix(1);
  if (ConsumeToken(&type).empty()) return BadData("mime: expected token after slash");
  if (!type.empty()) return BadData("mime: unexpected content after media subtype");
  return {};
}

struct MediaType {
  std::string type;  // lower case
  std::string version;
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded; nullopt when one is malformed.
std::optional<std::string> PercentUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || HexDigit(s[i + 1]) < 0 || HexDigit(s[i + 2]) < 0) return std::nullopt;
    out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
    i += 2;
  }
  return out;
}

// An RFC 2231 encoded value: charset'language'percent-encoded text.
std::optional<std::string> Decode2231(std::string_view v) {
  const size_t q1 = v.find('\'');
  const size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const std::string charset = Lower(v.substr(0, q1));
  if (charset != "us-ascii" && charset != "utf-8") return std::nullopt;
  return PercentUnescape(v.substr(q2 + 1));
}

// The RFC 2231 form of parameter `key` from the starred parameters, as Go stitches it:
// "key*" alone (encoded), or the pieces "key*0", "key*1*", ... in order.
std::optional<std::string> ExtendedParam(const std::map<std::string, std::string>& starred,
                                         const std::string& key) {
  if (auto it = starred.find(key + "*"); it != starred.end()) return Decode2231(it->second);
  std::optional<std::string> out;
  for (int n = 0;; ++n) {
    const std::string piece = key + "*" + std::to_string(n);
    if (auto it = starred.find(piece); it != starred.end()) {
      out = out.value_or("") + it->second;
    } else if (auto enc = starred.find(piece + "*"); enc != starred.end()) {
      const std::optional<std::string> dec = n == 0 ? Decode2231(enc->second) : PercentUnescape(enc->second);
      out = out.value_or("") + dec.value_or("");
    } else {
      return out;
    }
  }
}

Result<MediaType> ParseMediaType(std::string_view v) {
  const std::string_view base = v.substr(0, v.find(';'));
  MediaType mt{.type = std::string(Trim(Lower(base)))};
  if (Status s = CheckMediaType(mt.type); !s.ok()) return s.error();
  std::map<std::string, std::string> params, starred;
  for (std::string_view rest = v.substr(base.size()); !(rest = TrimLeft(rest)).empty();) {
    auto param = ConsumeParam(&rest);
    if (!param) {
      if (Trim(rest) == ";") break;  // a trailing semicolon is fine
      return BadData("mime: invalid media parameter");
    }
    auto& target = param->first.find('*') != std::string::npos ? starred : params;
    auto [it, inserted] = target.emplace(param->first, param->second);
    if (!inserted && it->second != param->second) return BadData("mime: duplicate parameter name");
  }
  if (auto it = params.find("version"); it != params.end()) mt.version = it->second;
  if (std::optional<std::string> ext = ExtendedParam(starred, "version")) mt.version = *ext;
  return mt;
}

std::optional<ExpositionFormat> FormatOfMediaType(std::string_view type) {
  if (type == kTextMediaType) return ExpositionFormat::kPrometheusText;
  if (type == kOpenMetricsMediaType) return ExpositionFormat::kOpenMetrics;
  if (type == kProtobufMediaType) return ExpositionFormat::kPrometheusProto;
  return std::nullopt;
}

// The content type could not be used: the fallback's format with `why` (Prometheus'
// "..., using fallback_scrape_protocol ..."), or the error `no_fallback`.
Result<FormatChoice> Fallback(std::optional<ScrapeProtocol> fallback, std::string no_fallback,
                              std::string why, std::string_view detail = {}) {
  const auto joined = [&](std::string msg) {
    return detail.empty() ? msg : msg + "\n" + std::string(detail);
  };
  if (!fallback) return BadData(joined(std::move(no_fallback)));
  const std::string_view media_type = ScrapeProtocolMediaType(*fallback);
  return FormatChoice{
      .format = *FormatOfMediaType(media_type),
      .warning = joined(why + ", using fallback_scrape_protocol " + model::GoQuote(media_type))};
}

}  // namespace

std::string_view ScrapeProtocolName(ScrapeProtocol p) {
  switch (p) {
    case ScrapeProtocol::kPrometheusProto: return "PrometheusProto";
    case ScrapeProtocol::kPrometheusText0_0_4: return "PrometheusText0.0.4";
    case ScrapeProtocol::kPrometheusText1_0_0: return "PrometheusText1.0.0";
    case ScrapeProtocol::kOpenMetricsText0_0_1: return "OpenMetricsText0.0.1";
    case ScrapeProtocol::kOpenMetricsText1_0_0: return "OpenMetricsText1.0.0";
    case ScrapeProtocol::kOpenMetricsText2_0_0: return "OpenMetricsText2.0.0";
  }
  return "";
}

std::optional<ScrapeProtocol> ParseScrapeProtocol(std::string_view name) {
  for (ScrapeProtocol p : {ScrapeProtocol::kPrometheusProto, ScrapeProtocol::kPrometheusText0_0_4,
                           ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
                           ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText2_0_0}) {
    if (ScrapeProtocolName(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view ScrapeProtocolMediaType(ScrapeProtocol p) {
  const std::string_view header = ProtocolHeader(p);
  return header.substr(0, header.find(';'));
}

std::string AcceptHeader(std::span<const ScrapeProtocol> protocols, std::string_view escaping) {
  std::string out;
  int weight = kKnownProtocols + 1;
  for (ScrapeProtocol p : protocols) {
    out += ProtocolHeader(p);
    if (AnnouncesEscaping(p)) out += ";escaping=" + std::string(escaping);
    out += ";q=0." + std::to_string(weight--) + ",";
  }
  return out + "*/*;q=0." + std::to_string(weight);
}

Result<FormatChoice> ChooseFormat(std::string_view content_type, std::optional<ScrapeProtocol> fallback) {
  const std::string quoted = model::GoQuote(content_type);
  if (content_type.empty()) {
    return Fallback(fallback,
                    "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol "
                    "specified for target",
                    "non-compliant scrape target sending blank Content-Type");
  }
  Result<MediaType> mt = ParseMediaType(content_type);
  if (!mt.ok()) {
    return Fallback(fallback,
                    "cannot parse Content-Type " + quoted + " and no fallback_scrape_protocol for target",
                    "could not parse received Content-Type " + quoted, mt.error().message());
  }
  if (mt->type == kOpenMetricsMediaType && mt->version == "2.0.0") {
    const std::string what = "received OpenMetrics 2.0 Content-Type " + quoted +
                             ", but the openmetrics2 feature flag is not enabled";
    return Fallback(fallback, what + " and no fallback_scrape_protocol specified for target", what);
  }
  if (std::optional<ExpositionFormat> format = FormatOfMediaType(mt->type))
    return FormatChoice{.format = *format};
  return Fallback(
      fallback,
      "received unsupported Content-Type " + quoted + " and no fallback_scrape_protocol specified for target",
      "received unsupported Content-Type " + quoted);
}

Result<std::unique_ptr<Parser>> NewParser(std::string_view body, ExpositionFormat format,
                                          OpenMetricsOptions options, ProtobufOptions proto_options) {
  switch (format) {
    case ExpositionFormat::kPrometheusText: return NewTextParser(body);
    case ExpositionFormat::kOpenMetrics: return NewOpenMetricsParser(body, options);
    case ExpositionFormat::kPrometheusProto: return NewProtobufParser(body, proto_options);
  }
  return Error(ErrorKind::kInternal, "unknown exposition format");
}

}  // namespace promref::ingest
