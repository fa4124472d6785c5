// Turning the name and label pairs a lexer cut out of a series line into a model::Labels,
// with the checks Prometheus applies to a scraped label set.
//
// Prometheus' parsers hand the scrape loop whatever was written; the loop then rejects the
// scrape when a name is empty or not UTF-8 ("invalid metric name or label names: ...") and
// the TSDB head rejects a set with a repeated name ("label name "a" is not unique: invalid
// sample"). A model::Labels cannot even hold such sets, so the parsers apply both checks
// here, at the line that carries them. Empty values mean "no label", as in the head.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/exposition.h"
#include "model/error.h"
#include "model/labels.h"

namespace promref::ingest {

// A label pair as written: still quoted-string escaped.
struct RawLabel {
  std::string_view name;
  std::string_view value;
};

// Decoded name/value pairs, possibly with repeated or empty names.
using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// Prometheus' labels.FormatOpenMetricsFloat: how "le" and "quantile" values are written.
std::string FormatOpenMetricsFloat(double f);

class SeriesLabelsBuilder {
 public:
  // The labels of a series line. `type` is that of the last TYPE line: the values of "le"
  // (histogram) and "quantile" (summary) that parse as floats are rewritten in OpenMetrics
  // form ("1" -> "1.0"), as Prometheus does so that both formats give the same series.
  Status Build(std::string_view raw_name, const std::vector<RawLabel>& pairs, MetricType type,
               model::Labels* out);

  // The labels of a series whose pairs are already decoded (the protobuf format): `pairs`
  // holds __name__ and every other pair as received, in any order; values are taken as they
  // are. The same checks as Build().
  Status BuildDecoded(const LabelPairs& pairs, model::Labels* out);

  // An exemplar's labels, taken as written (Prometheus does not unescape them, nor does the
  // protobuf format escape them). Returns false,
  // leaving *out unspecified, when a name repeats: Prometheus drops such an exemplar.
  bool BuildExemplar(const std::vector<RawLabel>& pairs, model::Labels* out);

 private:
  Status Finish(model::Labels* out);
  // Text kept alive until the next Build: unescaped or normalized label text.
  std::string_view Keep(std::string text);
  std::string_view Unescaped(std::string_view raw);

  std::vector<model::LabelView> views_;  // the set being built; points into the body or scratch_
  std::deque<std::string> scratch_;      // a deque: growing it never moves the strings views_ see
  size_t scratch_used_ = 0;
};

}  // namespace promref::ingest
