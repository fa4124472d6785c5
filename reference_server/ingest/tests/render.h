// Entries as one line of text each, so that a test can state a whole parse as a string:
//   HELP "family" "text" | TYPE "family" counter | UNIT "family" "unit" | COMMENT "text"
//   SERIES {labels} value[ @ts][ # {exemplar labels} value[ @ts]][ st=ms]
// and, when parsing stopped on an error, a last line "ERR <message>".
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/exposition.h"
#include "model/go_strconv.h"

namespace promref::ingest::testing {

// A native histogram: "H{int|float[ gauge] schema=S zt=Z zc=C count=N sum=S +[offset:length ...]{buckets}
// -[...]{...}}".
inline std::string RenderHistogram(const model::FloatHistogram& h, bool is_integer) {
  const auto f = [](double v) { return model::FormatFloat(v, 'g'); };
  const auto side = [&](const std::vector<model::HistogramSpan>& spans, const std::vector<double>& buckets) {
    std::string out = "[";
    for (size_t i = 0; i < spans.size(); ++i) {
      out += (i > 0 ? " " : "") + std::to_string(spans[i].offset) + ":" + std::to_string(spans[i].length);
    }
    out += "]{";
    for (size_t i = 0; i < buckets.size(); ++i) out += (i > 0 ? "," : "") + f(buckets[i]);
    return out + "}";
  };
  std::string out = is_integer ? "H{int" : "H{float";
  if (h.counter_reset_hint == model::CounterResetHint::kGauge) out += " gauge";
  out += " schema=" + std::to_string(h.schema) + " zt=" + f(h.zero_threshold) + " zc=" + f(h.zero_count) +
         " count=" + f(h.count) + " sum=" + f(h.sum);
  out +=
      " +" + side(h.positive_spans, h.positive_buckets) + " -" + side(h.negative_spans, h.negative_buckets);
  return out + "}";
}

inline std::string RenderEntry(const Entry& e) {
  const auto q = [](std::string_view s) { return model::GoQuote(s); };
  switch (e.kind) {
    case EntryKind::kHelp: return "HELP " + q(e.family) + " " + q(e.text);
    case EntryKind::kType: return "TYPE " + q(e.family) + " " + std::string(MetricTypeName(e.type));
    case EntryKind::kUnit: return "UNIT " + q(e.family) + " " + q(e.text);
    case EntryKind::kComment: return "COMMENT " + q(e.text);
    case EntryKind::kSeries: break;
  }
  std::string s = "SERIES " + e.labels.ToString() + " " +
                  (e.histogram ? RenderHistogram(*e.histogram, e.histogram_is_integer)
                               : model::FormatFloat(e.value, 'g'));
  if (e.timestamp_ms) s += " @" + std::to_string(*e.timestamp_ms);
  const auto exemplar = [&](const Exemplar& x) {
    s += " # " + x.labels.ToString() + " " + model::FormatFloat(x.value, 'g');
    if (x.timestamp_ms) s += " @" + std::to_string(*x.timestamp_ms);
  };
  if (e.exemplar) exemplar(*e.exemplar);
  for (const Exemplar& x : e.histogram_exemplars) exemplar(x);
  if (e.start_timestamp_ms) s += " st=" + std::to_string(*e.start_timestamp_ms);
  return s;
}

// Every entry the parser yields, one per line, then the error if there is one.
inline std::string RenderAll(Parser& parser) {
  std::string out;
  Entry e;
  while (true) {
    Result<bool> more = parser.Next(&e);
    if (!more.ok()) return out + "ERR " + more.error().message() + "\n";
    if (!*more) return out;
    out += RenderEntry(e) + "\n";
  }
}

// A body and the RenderAll() lines it must give, for table-driven tests.
struct ParseCase {
  std::string_view name;
  std::string_view body;
  std::vector<std::string_view> want;
};

inline std::string Lines(const std::vector<std::string_view>& lines) {
  std::string out;
  for (std::string_view l : lines) out.append(l).append("\n");
  return out;
}

// A GoogleTest parameter name from a case's description.
inline std::string CaseName(const ParseCase& c) {
  std::string out;
  for (char ch : c.name) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

}  // namespace promref::ingest::testing
