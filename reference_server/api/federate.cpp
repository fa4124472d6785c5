#include "api/federate.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "metrics.pb.h"
#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/sample.h"

namespace promref::api::federate {
namespace {

namespace dto = io::prometheus::client;

// --- Negotiation (expfmt.NegotiateAccept, goautoneg.ParseAccept) ---------------------------

constexpr std::string_view kProtoType = "application/vnd.google.protobuf";
constexpr std::string_view kProtoParams = "; proto=io.prometheus.client.MetricFamily; encoding=";
constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

struct AcceptClause {
  std::string type, subtype;
  double q = 1;
  std::map<std::string, std::string> params;
};

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Splits at the first `sep`: (before, after); no `sep`: (s, "").
std::pair<std::string_view, std::string_view> Cut(std::string_view s, char sep) {
  const size_t i = s.find(sep);
  if (i == std::string_view::npos) return {s, {}};
  return {s.substr(0, i), s.substr(i + 1)};
}

std::optional<AcceptClause> ParseClause(std::string_view part) {
  AcceptClause a;
  auto [media, params] = Cut(TrimSpaces(part), ';');
  auto [type, rest] = Cut(media, '/');
  a.type = std::string(TrimSpaces(type));
  if (rest.empty()) {
    if (a.type != "*") return std::nullopt;
    a.subtype = "*";
  } else {
    auto [subtype, extra] = Cut(rest, '/');
    if (!extra.empty()) return std::nullopt;
    a.subtype = std::string(TrimSpaces(subtype));
  }
  while (!params.empty()) {
    auto [param, more] = Cut(params, ';');
    params = more;
    auto [key, value] = Cut(param, '=');
    if (value.empty() || value.find('=') != std::string_view::npos) continue;
    const std::string k(TrimSpaces(key));
    if (k == "q") {
      a.q = std::strtod(std::string(value).c_str(), nullptr);
    } else {
      a.params[k] = std::string(TrimSpaces(value));
    }
  }
  return a;
}

// goautoneg's order: higher q first, then concrete types before wildcards.
std::vector<AcceptClause> ParseAccept(std::string_view header) {
  std::vector<AcceptClause> out;
  while (!header.empty()) {
    auto [part, rest] = Cut(header, ',');
    header = rest;
    if (auto a = ParseClause(part)) out.push_back(std::move(*a));
  }
  std::stable_sort(out.begin(), out.end(), [](const AcceptClause& a, const AcceptClause& b) {
    if (a.q > b.q) return true;
    if (a.type != "*" && b.type == "*") return true;
    return a.subtype != "*" && b.subtype == "*";
  });
  return out;
}

// expfmt's matchFormat: type and subtype (or wildcards), and every parameter of the format but
// charset given with the same value (a text/plain clause without version means 0.0.4).
bool Matches(const AcceptClause& a, Encoding e) {
  const bool text = e == Encoding::kText;
  if (a.type != "*" && a.type != (text ? "text" : "application")) return false;
  if (a.subtype != "*" && a.subtype != (text ? "plain" : "vnd.google.protobuf")) return false;
  auto param = [&](const std::string& k) {
    auto it = a.params.find(k);
    return it == a.params.end() ? std::string() : it->second;
  };
  if (text) {
    std::string version = param("version");
    if (version.empty() && a.type == "text" && a.subtype == "plain") version = "0.0.4";
    return version == "0.0.4";
  }
  const char* encoding = e == Encoding::kProtoDelimited ? "delimited"
                         : e == Encoding::kProtoText    ? "text"
                                                        : "compact-text";
  return param("proto") == "io.prometheus.client.MetricFamily" && param("encoding") == encoding;
}

std::optional<Escaping> EscapingNamed(const std::string& s) {
  if (s == "allow-utf-8") return Escaping::kAllowUtf8;
  if (s == "underscores") return Escaping::kUnderscores;
  if (s == "dots") return Escaping::kDots;
  if (s == "values") return Escaping::kValues;
  return std::nullopt;
}

// --- Names ----------------------------------------------------------------------------------

bool LegacyRune(char32_t c, size_t i) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (i > 0 && c >= '0' && c <= '9');
}

// Decodes one UTF-8 rune at s[*i] (advancing *i); invalid bytes give U+FFFD one byte at a time,
// as Go's range over a string does.
char32_t NextRune(std::string_view s, size_t* i) {
  const auto c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  char32_t r = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  bool ok = len > 0 && *i + len <= s.size();
  for (int k = 1; ok && k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[*i + k]);
    ok = (cc & 0xC0) == 0x80;
    r = (r << 6) | (cc & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  ok = ok && r >= kMin[len] && r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF);
  *i += ok ? len : 1;
  return ok ? r : 0xFFFD;
}

// --- Families (the dto.MetricFamily list federate.go builds) ------------------------------

enum class Kind { kFloat, kCounterHistogram, kGaugeHistogram };

Kind KindOf(const Sample& s) {
  if (!s.h) return Kind::kFloat;
  return s.h->counter_reset_hint == model::CounterResetHint::kGauge ? Kind::kGaugeHistogram
                                                                    : Kind::kCounterHistogram;
}

void SetSpans(const std::vector<model::HistogramSpan>& spans,
              google::protobuf::RepeatedPtrField<dto::BucketSpan>* out) {
  for (const model::HistogramSpan& sp : spans) {
    dto::BucketSpan* b = out->Add();
    b->set_offset(sp.offset);
    b->set_length(sp.length);
  }
}

// makeNativeHistogram: exponential buckets with float counts.
void NativeHistogram(const model::FloatHistogram& h, dto::Histogram* out) {
  out->set_sample_count_float(h.count);
  out->set_sample_sum(h.sum);
  out->set_schema(h.schema);
  out->set_zero_threshold(h.zero_threshold);
  out->set_zero_count_float(h.zero_count);
  for (double c : h.negative_buckets) out->add_negative_count(c);
  for (double c : h.positive_buckets) out->add_positive_count(c);
  SetSpans(h.positive_spans, out->mutable_positive_span());
  SetSpans(h.negative_spans, out->mutable_negative_span());
}

// makeClassicHistogram: an NHCB as cumulative buckets at its custom bounds (no +Inf bucket;
// the text format adds it).
void ClassicHistogram(const model::FloatHistogram& h, dto::Histogram* out) {
  out->set_sample_count_float(h.count);
  out->set_sample_sum(h.sum);
  std::vector<double> per_bound(h.custom_values.size(), 0);
  int64_t index = 0;
  size_t k = 0;
  for (const model::HistogramSpan& sp : h.positive_spans) {
    index += sp.offset;
    for (uint32_t j = 0; j < sp.length; ++j, ++index, ++k) {
      if (index >= 0 && static_cast<size_t>(index) < per_bound.size() && k < h.positive_buckets.size()) {
        per_bound[static_cast<size_t>(index)] = h.positive_buckets[k];
      }
    }
  }
  double cumulative = 0;
  for (size_t i = 0; i < h.custom_values.size(); ++i) {
    cumulative += per_bound[i];
    dto::Bucket* b = out->add_bucket();
    b->set_upper_bound(h.custom_values[i]);
    b->set_cumulative_count_float(cumulative);
  }
}

dto::MetricType TypeOf(Kind k) {
  switch (k) {
    case Kind::kFloat: return dto::UNTYPED;
    case Kind::kCounterHistogram: return dto::HISTOGRAM;
    case Kind::kGaugeHistogram: return dto::GAUGE_HISTOGRAM;
  }
  return dto::UNTYPED;
}

bool Serves(const Sample& s, Encoding e) {
  return !s.h || s.h->schema == model::kCustomBucketsSchema || e != Encoding::kText;
}

// The external labels by name, `instance` among them.
using ExternalLabels = std::map<std::string, std::string, std::less<>>;

std::vector<dto::MetricFamily> Families(const std::vector<Sample>& samples, const ExternalLabels& external,
                                        Encoding encoding) {
  std::vector<dto::MetricFamily> out;
  std::string last_name;
  Kind last_kind = Kind::kFloat;
  for (const Sample& s : samples) {
    if (!Serves(s, encoding)) continue;
    const std::string_view name = s.labels.MetricName();
    if (name.empty()) continue;  // Prometheus ignores nameless metrics
    const Kind kind = KindOf(s);
    if (out.empty() || name != last_name || kind != last_kind) {
      dto::MetricFamily& f = out.emplace_back();
      f.set_name(std::string(name));
      f.set_type(TypeOf(kind));
      last_name = std::string(name);
      last_kind = kind;
    }
    dto::Metric* m = out.back().add_metric();
    for (const model::LabelView& l : s.labels) {
      if (l.value.empty() || l.name == model::kMetricNameLabel) continue;
      dto::LabelPair* p = m->add_label();
      p->set_name(std::string(l.name));
      p->set_value(std::string(l.value));
    }
    for (const auto& [ext_name, ext_value] : external) {
      if (!s.labels.Get(ext_name).empty()) continue;
      dto::LabelPair* p = m->add_label();
      p->set_name(ext_name);
      p->set_value(ext_value);
    }
    m->set_timestamp_ms(s.t);
    if (!s.h) {
      m->mutable_untyped()->set_value(s.f);
    } else if (s.h->schema == model::kCustomBucketsSchema) {
      ClassicHistogram(*s.h, m->mutable_histogram());
    } else {
      NativeHistogram(*s.h, m->mutable_histogram());
    }
  }
  return out;
}

// model.EscapeMetricFamily: the family name and label names that are not legacy-valid.
void EscapeFamily(dto::MetricFamily* f, Escaping e) {
  if (e == Escaping::kAllowUtf8) return;
  if (!model::IsValidLegacyMetricName(f->name())) f->set_name(EscapeName(f->name(), e));
  for (dto::Metric& m : *f->mutable_metric()) {
    for (dto::LabelPair& l : *m.mutable_label()) {
      if (!model::IsValidLegacyMetricName(l.name())) l.set_name(EscapeName(l.name(), e));
    }
  }
}

// --- The text format (expfmt.MetricFamilyToText) --------------------------------------------

std::string TextFloat(double v) {
  if (v == 0) return "0";  // -0 too, as Go's writeFloat
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return model::FormatFloat(v, 'g');
}

std::string Escaped(std::string_view v, bool quote) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string TextName(std::string_view name) {
  return model::IsValidLegacyMetricName(name) ? std::string(name) : "\"" + Escaped(name, true) + "\"";
}

// One line: name{labels[,le="bound"]} value timestamp. A name that is not legacy-valid goes
// inside the braces, quoted.
void WriteSample(std::string* out, const std::string& name, const dto::Metric& m, const double* le,
                 double v) {
  char sep = '{';
  if (!model::IsValidLegacyMetricName(name)) {
    *out += sep + TextName(name);
    sep = ',';
  } else {
    *out += name;
  }
  for (const dto::LabelPair& l : m.label()) {
    *out += sep + TextName(l.name()) + "=\"" + Escaped(l.value(), true) + "\"";
    sep = ',';
  }
  if (le != nullptr) {
    *out += sep;
    *out += "le=\"" + TextFloat(*le) + "\"";
    sep = ',';
  }
  if (sep == ',') *out += '}';
  *out += " " + TextFloat(v);
  if (m.has_timestamp_ms()) *out += " " + std::to_string(m.timestamp_ms());
  *out += "\n";
}

void WriteText(std::string* out, const dto::MetricFamily& f) {
  const std::string& name = f.name();
  const bool histogram = f.type() == dto::HISTOGRAM || f.type() == dto::GAUGE_HISTOGRAM;
  *out += "# TYPE " + TextName(name) + (histogram ? " histogram\n" : " untyped\n");
  for (const dto::Metric& m : f.metric()) {
    if (!histogram) {
      WriteSample(out, name, m, nullptr, m.untyped().value());
      continue;
    }
    const dto::Histogram& h = m.histogram();
    bool inf_seen = false;
    for (const dto::Bucket& b : h.bucket()) {
      const double bound = b.upper_bound();
      WriteSample(out, name + "_bucket", m, &bound, b.cumulative_count_float());
      inf_seen |= std::isinf(bound) && bound > 0;
    }
    if (!inf_seen) {
      const double inf = INFINITY;
      WriteSample(out, name + "_bucket", m, &inf, h.sample_count_float());
    }
    WriteSample(out, name + "_sum", m, nullptr, h.sample_sum());
    WriteSample(out, name + "_count", m, nullptr, h.sample_count_float());
  }
}

// --- Protobuf encodings ---------------------------------------------------------------------

void WriteDelimited(std::string* out, const dto::MetricFamily& f) {
  const std::string bytes = f.SerializeAsString();
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

// Go prints each family with prototext (multi-line, or one line for compact-text) and a
// newline; its spacing is deliberately unstable, so only the content is the contract.
void WriteProtoText(std::string* out, const dto::MetricFamily& f, bool compact) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(compact);
  std::string text;
  printer.PrintToString(f, &text);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  *out += text + "\n";
}

}  // namespace

std::string Format::ContentType() const {
  std::string out;
  switch (encoding) {
    case Encoding::kProtoDelimited:
      out = std::string(kProtoType) + std::string(kProtoParams) + "delimited";
      break;
    case Encoding::kProtoText: out = std::string(kProtoType) + std::string(kProtoParams) + "text"; break;
    case Encoding::kProtoCompact:
      out = std::string(kProtoType) + std::string(kProtoParams) + "compact-text";
      break;
    case Encoding::kText: out = std::string(kTextContentType); break;
  }
  static constexpr const char* kEscaping[] = {"allow-utf-8", "underscores", "dots", "values"};
  return out + "; escaping=" + kEscaping[static_cast<int>(escaping)];
}

Format Negotiate(std::string_view accept) {
  static constexpr Encoding kOffered[] = {Encoding::kProtoDelimited, Encoding::kProtoText,
                                          Encoding::kProtoCompact, Encoding::kText};
  Format f;
  for (const AcceptClause& a : ParseAccept(accept)) {
    // A clause's known escaping parameter sticks, matched or not (as expfmt does).
    if (auto it = a.params.find("escaping"); it != a.params.end()) {
      if (auto e = EscapingNamed(it->second)) f.escaping = *e;
    }
    for (Encoding e : kOffered) {
      if (Matches(a, e)) {
        f.encoding = e;
        return f;
      }
    }
  }
  f.encoding = Encoding::kText;
  return f;
}

std::string EscapeName(std::string_view name, Escaping escaping) {
  if (name.empty() || escaping == Escaping::kAllowUtf8) return std::string(name);
  if (escaping != Escaping::kDots && model::IsValidLegacyMetricName(name)) return std::string(name);
  std::string out = escaping == Escaping::kValues ? "U__" : "";
  size_t rune_index = 0;
  for (size_t i = 0; i < name.size(); ++rune_index) {
    const size_t at = i;
    const char32_t r = NextRune(name, &i);
    // Go ranges over byte offsets: a rune's index is its byte position.
    const bool legacy = LegacyRune(r, at);
    switch (escaping) {
      case Escaping::kUnderscores: out += legacy ? static_cast<char>(r) : '_'; break;
      case Escaping::kDots:
        if (r == '_') {
          out += "__";
        } else if (r == '.') {
          out += "_dot_";
        } else if (legacy) {
          out += static_cast<char>(r);
        } else {
          out += "__";
        }
        break;
      case Escaping::kValues:
        if (r == '_') {
          out += "__";
        } else if (legacy) {
          out += static_cast<char>(r);
        } else {
          // An invalid byte reads as U+FFFD, a valid rune: "_fffd_".
          char hex[16];
          std::snprintf(hex, sizeof hex, "_%x_", static_cast<unsigned>(r));
          out += hex;
        }
        break;
      case Escaping::kAllowUtf8: break;  // returned above
    }
  }
  return out;
}

std::optional<Sample> Newest(const storage::Series& series, int64_t mint, int64_t maxt) {
  std::optional<Sample> newest;
  auto it = series.Iterator();
  for (storage::ValueType vt = it->Seek(mint); vt != storage::ValueType::kNone && it->AtT() <= maxt;
       vt = it->Next()) {
    if (!newest) newest.emplace();
    newest->t = it->AtT();
    if (vt == storage::ValueType::kFloat) {
      newest->f = it->AtFloat();
      newest->h.reset();
    } else {
      newest->f = 0;
      newest->h = it->AtHistogram();
    }
  }
  if (!newest) return std::nullopt;
  if (newest->h ? model::IsStaleNaN(newest->h->sum) : model::IsStaleNaN(newest->f)) return std::nullopt;
  newest->labels = series.labels();
  return newest;
}

std::string Encode(std::vector<Sample> samples, const model::Labels& external_labels, const Format& format) {
  // By metric name; the selects gave label order within a name.
  std::stable_sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
    return a.labels.MetricName() < b.labels.MetricName();
  });
  // `instance` is always among the external labels, "" unless configured.
  ExternalLabels external = {{"instance", ""}};
  for (const model::LabelView& l : external_labels) external[std::string(l.name)] = std::string(l.value);
  std::string out;
  for (dto::MetricFamily& f : Families(samples, external, format.encoding)) {
    EscapeFamily(&f, format.escaping);
    switch (format.encoding) {
      case Encoding::kProtoDelimited: WriteDelimited(&out, f); break;
      case Encoding::kProtoText: WriteProtoText(&out, f, /*compact=*/false); break;
      case Encoding::kProtoCompact: WriteProtoText(&out, f, /*compact=*/true); break;
      case Encoding::kText: WriteText(&out, f); break;
    }
  }
  return out;
}

}  // namespace promref::api::federate
