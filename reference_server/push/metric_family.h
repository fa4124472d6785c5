// Pushed metrics as Pushgateway holds them: client_model's MetricFamily (dto), not flat series.
// The distinction matters for its semantics: a summary or histogram is one metric whatever its
// number of lines, duplicate detection is per metric, and a scrape of the gateway re-flattens
// the stored form (adding a +Inf bucket, printing a missing _sum as 0).
//
// Contract of AssembleFamilies: the entries of one push body (ingest parsers, text or protobuf)
// are grouped into families the way expfmt's TextParser groups text lines: a series joins the
// family of its own name, else the summary/histogram family its _sum/_count (or histogram
// _bucket) suffix names, else a new untyped family. Quantile/le lines join the metric of the
// same other labels. Like expfmt, it refuses a second HELP or TYPE for a name and a TYPE after
// samples, and drops families without samples (text only: protobuf families replace an earlier
// one of the same name, as Pushgateway's map assignment does). A text body whose last line does
// not end in a newline is refused, as expfmt refuses it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/exposition.h"
#include "model/error.h"
#include "model/histogram.h"
#include "storage/storage.h"

namespace promref::push {

using storage::MetricType;

struct LabelPair {
  std::string name;
  std::string value;  // may be empty (Pushgateway keeps instance="")
  friend bool operator==(const LabelPair&, const LabelPair&) = default;
};

struct Quantile {
  double quantile = 0;
  double value = 0;
};

struct Bucket {
  double upper_bound = 0;
  double cumulative_count = 0;
};

struct Metric {
  MetricType kind = MetricType::kUnknown;  // which dto field is set (the family type it came in)
  std::vector<LabelPair> labels;           // without __name__, quantile, le
  double value = 0;                        // counter, gauge, untyped
  std::vector<Quantile> quantiles;         // summary
  std::vector<Bucket> buckets;             // classic histogram
  double sum = 0;
  double count = 0;
  bool has_sum = false;  // whether the dto field is set (Go's error texts print only set fields)
  bool has_count = false;
  std::optional<model::FloatHistogram> native;  // native histogram (protobuf pushes)
  bool has_timestamp = false;
};

struct Family {
  std::string name;
  std::string help;
  MetricType type = MetricType::kUnknown;
  std::vector<Metric> metrics;
};

// Families by name.
using FamilyMap = std::map<std::string, Family>;

// Groups parsed entries into families (see the contract above). `body` is only used to find
// the line number of a text error. Errors are kBadData.
Result<FamilyMap> AssembleFamilies(const std::vector<ingest::Entry>& entries, bool protobuf,
                                   std::string_view body);

// dto's type names ("COUNTER", "UNTYPED", ...), as Go's %s prints a dto.MetricType.
std::string_view DtoTypeName(MetricType t);

// Go's %s of a dto.Metric as Pushgateway 1.5.1 prints it (golang/protobuf's compact text:
// `label:<name:"job" value:"a" > gauge:<value:1 > `), used in the consistency errors.
std::string DtoMetricText(const Metric& m);

}  // namespace promref::push
