// The Prometheus protobuf exposition format (application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited), read as Prometheus 3.x reads
// it (model/textparse/protobufparse.go over prompb's streaming MetricFamily decoder).
//
// The body is a sequence of MetricFamily messages, each preceded by its length as a varint.
// A family yields HELP (always, possibly empty), UNIT (when set) and TYPE entries, then its
// series: counters, gauges and untyped metrics one each; summaries _count, _sum, then one
// series per quantile; classic histograms _count, _sum, then _bucket series up to the first
// +Inf bound (a +Inf bucket with the total count added when there is none). A histogram with
// spans, a positive zero threshold or a positive integer zero count is a native one: a single
// series carrying Entry::histogram. Families without metrics yield nothing, not even their
// metadata. Timestamps of 0 and start timestamps of 0 read as absent, as in Prometheus.
//
// Decoding errors carry the texts of the gogo-protobuf generated code Prometheus uses
// ("unexpected EOF", "proto: wrong wireType = 2 for field Value", ...); each metric is
// decoded when its first entry is reached, so entries before a broken metric come first.
#pragma once

#include <memory>
#include <string_view>

#include "ingest/exposition.h"

namespace promref::ingest {

struct ProtobufOptions {
  // Prometheus' IgnoreNativeHistograms (a job without scrape_native_histograms): every
  // histogram is read as a classic one, its native parts ignored.
  bool ignore_native_histograms = false;
  // always_scrape_classic_histograms: a native histogram that also has classic buckets
  // yields its classic series (_count, _sum, _bucket) after the native one.
  bool keep_classic_histograms = false;
};

// A parser over `body`, which must outlive it.
std::unique_ptr<Parser> NewProtobufParser(std::string_view body, ProtobufOptions options = {});

}  // namespace promref::ingest
