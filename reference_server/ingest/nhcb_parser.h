// convert_classic_histograms_to_nhcb: a parser over another one that turns each classic
// histogram (the _bucket, _count and _sum series of one label set in a histogram family) into
// one native histogram with custom buckets (NHCB), as Prometheus 3.16's NHCBParser does.
//
// The converted histogram is yielded when the classic one ends (the next series is another
// label set or family, a metadata line comes, or the body ends), before the entry that ended
// it; its classic series are yielded too only with `keep_classic` (always_scrape_classic_
// histograms). Counts that are all integers give an integer histogram (compacted keeping two
// empty buckets), otherwise a float one. A classic histogram that cannot convert (buckets not
// cumulative, a count that disagrees with the +Inf bucket, ...) yields nothing, as in
// Prometheus. A native histogram of the same name and labels inhibits the conversion.
#pragma once

#include <memory>

#include "ingest/exposition.h"

namespace promref::ingest {

std::unique_ptr<Parser> NewNhcbParser(std::unique_ptr<Parser> inner, bool keep_classic);

}  // namespace promref::ingest
