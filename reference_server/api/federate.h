// /federate: the newest sample of every series the match[] selectors name, in the exposition
// format the client's Accept header picks, as Prometheus 3.16's web/federate.go answers:
//
// - Formats, as common/expfmt negotiates them: the protobuf MetricFamily stream (delimited,
//   text, compact text) or the text format 0.0.4 (the default); names escaped per the
//   `escaping` parameter (default `underscores`), which the Content-Type repeats.
// - Samples: per series the newest in (now - lookback, now], a float or a native histogram;
//   stale markers leave the series out. Ordered by metric name (label order within a name).
// - Families: a new one whenever the name or the kind changes (float, counter histogram,
//   gauge histogram), so one name may have several. Floats are untyped. Exponential native
//   histograms go only into the protobuf formats (the text format cannot carry them); custom-
//   bucket ones (NHCB) are written as classic histograms in every format.
// - Labels: the series' own without __name__ and empty values, then the external labels the
//   series does not have, by name (`instance` is always among them, "" unless configured).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace promref::api::federate {

enum class Encoding { kProtoDelimited, kProtoText, kProtoCompact, kText };
enum class Escaping { kAllowUtf8, kUnderscores, kDots, kValues };

struct Format {
  Encoding encoding = Encoding::kText;
  Escaping escaping = Escaping::kUnderscores;
  std::string ContentType() const;
};

// expfmt.NegotiateAccept over the four formats /federate offers.
Format Negotiate(std::string_view accept);

// model.EscapeName: a name as the escaping scheme writes it (legacy-valid names unchanged,
// except that `dots` always doubles underscores).
std::string EscapeName(std::string_view name, Escaping escaping);

struct Sample {
  model::Labels labels;
  int64_t t = 0;
  double f = 0;
  std::optional<model::FloatHistogram> h;  // set: a native histogram sample
};

// The newest sample of `series` in [mint, maxt], unless it is a stale marker.
std::optional<Sample> Newest(const storage::Series& series, int64_t mint, int64_t maxt);

// The response body for `samples` (in any order; sorted here as Prometheus sorts them).
std::string Encode(std::vector<Sample> samples, const model::Labels& external_labels, const Format& format);

}  // namespace promref::api::federate
