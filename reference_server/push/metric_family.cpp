#include "push/metric_family.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "model/go_strconv.h"

namespace promref::push {
namespace {

bool IsSummaryOrHistogram(MetricType t) {
  return t == MetricType::kSummary || t == MetricType::kHistogram;
}

// The line (1-based) of the n-th (1-based) "# KEYWORD name" line, for expfmt's error prefix.
int FindMetaLine(std::string_view body, std::string_view keyword, std::string_view name, int nth) {
  int line = 0;
  size_t pos = 0;
  while (pos <= body.size()) {
    ++line;
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view l = body.substr(pos, end - pos);
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    if (l.starts_with("#")) {
      l.remove_prefix(1);
      while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
      if (l.starts_with(keyword)) {
        l.remove_prefix(keyword.size());
        while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
        if (l.starts_with(name) &&
            (l.size() == name.size() || l[name.size()] == ' ' || l[name.size()] == '\t')) {
          if (--nth == 0) return line;
        }
      }
    }
    pos = end + 1;
  }
  return line;
}

Error ParseError(std::string_view body, std::string_view keyword, std::string_view name, int nth,
                 const std::string& msg) {
  return BadData("text format parsing error in line " +
                 std::to_string(FindMetaLine(body, keyword, name, nth)) + ": " + msg);
}

// Go's uint64(float64) for the values a push can carry (truncation; 0 for NaN/negative).
double TruncateToUint(double v) {
  if (!(v > 0)) return 0;
  return std::trunc(v);
}

// expfmt needs every line, comments included, to end in a newline; only blanks and tabs may
// follow the last one. promparse is laxer, so this is checked apart.
Status CheckFinalNewline(std::string_view body) {
  const size_t nl = body.rfind('\n');
  const std::string_view last = nl == std::string_view::npos ? body : body.substr(nl + 1);
  if (last.find_first_not_of(" \t") == std::string_view::npos) return {};
  const size_t line = static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 1;
  return BadData("text format parsing error in line " + std::to_string(line) +
                 ": unexpected end of input stream");
}

class Assembler {
 public:
  Assembler(bool protobuf, std::string_view body) : protobuf_(protobuf), body_(body) {}

  Status Add(const ingest::Entry& e) {
    switch (e.kind) {
      case ingest::EntryKind::kHelp: return Help(e);
      case ingest::EntryKind::kType: return Type(e);
      case ingest::EntryKind::kSeries: return Series(e);
      default: return {};
    }
  }
  FamilyMap Take() { return std::move(families_); }

 private:
  Status Help(const ingest::Entry& e) {
    if (protobuf_) {
      Reset(e.family).help = e.text;
      return {};
    }
    if (!help_seen_.insert(e.family).second) {
      return ParseError(body_, "HELP", e.family, 2,
                        "second HELP line for metric name " + model::GoQuote(e.family));
    }
    Get(e.family).help = e.text;
    return {};
  }

  Status Type(const ingest::Entry& e) {
    Family& f = Get(e.family);
    if (!protobuf_) {
      // expfmt sets the type of a family at its first sample, so both cases are one error.
      const bool second = !type_seen_.insert(e.family).second;
      if (second || !f.metrics.empty() || untyped_by_sample_.contains(e.family)) {
        return ParseError(body_, "TYPE", e.family, second ? 2 : 1,
                          "second TYPE line for metric name " + model::GoQuote(e.family) +
                              ", or TYPE reported after samples");
      }
    }
    f.type = e.type;
    return {};
  }

  Family& Reset(const std::string& name) {
    Family& f = families_[name];
    f = Family{.name = name};
    index_.erase(name);
    return f;
  }
  Family& Get(const std::string& name) {
    Family& f = families_[name];
    f.name = name;
    return f;
  }

  // expfmt's setOrCreateCurrentMF.
  Family& Resolve(const std::string& name, std::string_view* suffix) {
    auto it = families_.find(name);
    if (it != families_.end()) return it->second;
    for (std::string_view s : {"_count", "_sum", "_bucket"}) {
      if (!name.ends_with(s)) continue;
      auto base = families_.find(name.substr(0, name.size() - s.size()));
      if (base == families_.end()) continue;
      const MetricType t = base->second.type;
      if (t == MetricType::kHistogram || (t == MetricType::kSummary && s != "_bucket")) {
        *suffix = s;
        return base->second;
      }
    }
    untyped_by_sample_.insert(name);
    return Get(name);
  }

  Status Series(const ingest::Entry& e) {
    const std::string name(e.labels.MetricName());
    std::string_view suffix;
    Family& f = Resolve(name, &suffix);
    if (f.metrics.empty() && f.type == MetricType::kUnknown) untyped_by_sample_.insert(f.name);
    std::vector<LabelPair> labels;
    std::string bound;
    const std::string_view bound_name = f.type == MetricType::kSummary ? "quantile" : "le";
    for (const auto& l : e.labels) {
      if (l.name == model::kMetricNameLabel) continue;
      if (IsSummaryOrHistogram(f.type) && !e.histogram && l.name == bound_name) {
        bound = std::string(l.value);
        continue;
      }
      labels.push_back({std::string(l.name), std::string(l.value)});
    }
    if (!IsSummaryOrHistogram(f.type) || e.histogram) {
      Metric m{.kind = f.type, .labels = std::move(labels), .value = e.value};
      if (e.histogram) m.native = *e.histogram;
      m.has_timestamp = e.timestamp_ms.has_value();
      f.metrics.push_back(std::move(m));
      return {};
    }
    Metric& m = Compound(f, labels);
    m.has_timestamp = m.has_timestamp || e.timestamp_ms.has_value();
    return AddToCompound(f, m, suffix, bound, e.value);
  }

  // The summary/histogram metric of these labels, created at first sight (expfmt keys them by
  // the label signature).
  Metric& Compound(Family& f, std::vector<LabelPair>& labels) {
    std::string sig;
    for (const LabelPair& l : labels) sig += l.name + '\xff' + l.value + '\xff';
    auto& idx = index_[f.name];
    auto it = idx.find(sig);
    if (it != idx.end()) return f.metrics[it->second];
    idx.emplace(sig, f.metrics.size());
    f.metrics.push_back(Metric{.kind = f.type, .labels = std::move(labels)});
    return f.metrics.back();
  }

  Status AddToCompound(const Family& f, Metric& m, std::string_view suffix, const std::string& bound,
                       double v) {
    if (suffix == "_count") {
      m.count = f.type == MetricType::kSummary ? TruncateToUint(v) : v;
      m.has_count = true;
      return {};
    }
    if (suffix == "_sum") {
      m.sum = v;
      m.has_sum = true;
      return {};
    }
    if (bound.empty()) return {};  // expfmt ignores such a line
    const model::ParsedFloat b = model::ParseFloat(bound);
    const std::string which = f.type == MetricType::kSummary ? "quantile" : "le";
    if (!b.ok())
      return BadData("expected float as value for '" + which + "' label, got " + model::GoQuote(bound));
    if (f.type == MetricType::kSummary) {
      m.quantiles.push_back({b.value, v});
    } else {
      m.buckets.push_back({b.value, v});
    }
    return {};
  }

  bool protobuf_;
  std::string_view body_;
  FamilyMap families_;
  std::set<std::string> help_seen_, type_seen_, untyped_by_sample_;
  std::map<std::string, std::map<std::string, size_t>> index_;
};

// golang/protobuf's text string escaping: C escapes, other bytes outside printable ASCII octal.
std::string ProtoQuote(std::string_view v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        }
    }
  }
  return out + "\"";
}

// Its float text: Go's %g-like shortest form, with inf/-inf/nan spelled as protobuf does.
std::string Num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return model::FormatFloat(v, 'g');
}

std::string Field(std::string_view name, const std::string& value) {
  return std::string(name) + ":" + value + " ";
}

std::string Message(std::string_view name, const std::string& inner) {
  return std::string(name) + ":<" + inner + "> ";
}

std::string SummaryText(const Metric& m) {
  std::string in;
  if (m.has_count) in += Field("sample_count", Num(m.count));
  if (m.has_sum) in += Field("sample_sum", Num(m.sum));
  for (const Quantile& q : m.quantiles) {
    in += Message("quantile", Field("quantile", Num(q.quantile)) + Field("value", Num(q.value)));
  }
  return Message("summary", in);
}

std::string HistogramText(const Metric& m) {
  std::string in;
  if (m.native) {
    in += Field("sample_count", Num(m.native->count)) + Field("sample_sum", Num(m.native->sum));
  } else {
    if (m.has_count) in += Field("sample_count", Num(m.count));
    if (m.has_sum) in += Field("sample_sum", Num(m.sum));
  }
  for (const Bucket& b : m.buckets) {
    in += Message("bucket", Field("cumulative_count", Num(b.cumulative_count)) +
                                Field("upper_bound", Num(b.upper_bound)));
  }
  return Message("histogram", in);
}

}  // namespace

Result<FamilyMap> AssembleFamilies(const std::vector<ingest::Entry>& entries, bool protobuf,
                                   std::string_view body) {
  Assembler a(protobuf, body);
  for (const ingest::Entry& e : entries) {
    if (Status s = a.Add(e); !s.ok()) return s.error();
  }
  if (protobuf) return a.Take();
  if (Status s = CheckFinalNewline(body); !s.ok()) return s.error();
  // TextToMetricFamilies drops families that got no samples (a HELP or TYPE line alone).
  FamilyMap families = a.Take();
  std::erase_if(families, [](const auto& kv) { return kv.second.metrics.empty(); });
  return families;
}

std::string_view DtoTypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "COUNTER";
    case MetricType::kGauge: return "GAUGE";
    case MetricType::kSummary: return "SUMMARY";
    case MetricType::kHistogram: return "HISTOGRAM";
    case MetricType::kGaugeHistogram: return "GAUGE_HISTOGRAM";
    default: return "UNTYPED";
  }
}

std::string DtoMetricText(const Metric& m) {
  std::string out;
  for (const LabelPair& l : m.labels) {
    out += Message("label", Field("name", ProtoQuote(l.name)) + Field("value", ProtoQuote(l.value)));
  }
  switch (m.kind) {
    case MetricType::kCounter: return out + Message("counter", Field("value", Num(m.value)));
    case MetricType::kGauge: return out + Message("gauge", Field("value", Num(m.value)));
    case MetricType::kSummary: return out + SummaryText(m);
    case MetricType::kHistogram: return out + HistogramText(m);
    default: return out + Message("untyped", Field("value", Num(m.value)));
  }
}

}  // namespace promref::push
