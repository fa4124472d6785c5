// Writing series lines in the Prometheus text format: the inverse of the text parser for the
// one sample a series line carries. Names that are not legacy-valid are written in the quoted
// UTF-8 form ({"my.metric", "a.b"="x"}) that Prometheus 3.x reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/labels.h"

namespace promref::ingest {

// Appends `<series> <value>[ <timestamp>]\n`. The value is the shortest decimal that reads
// back as the same double ("NaN", "+Inf", "-Inf" included). The timestamp must not be
// negative: Prometheus reads timestamps of this format as digits only.
void AppendSeriesLine(std::string* out, const model::Labels& labels, double value,
                      std::optional<int64_t> timestamp_ms);

}  // namespace promref::ingest
