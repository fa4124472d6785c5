// Fuzzes the OpenMetrics 1.0 parser on untrusted scrape bodies:
//  - parsing never crashes, leaks, hangs or reads outside the body, with and without reading
//    `_created` lines as start timestamps;
//  - every series it yields has a label set the storage accepts (non-empty metric name,
//    sorted unique non-empty UTF-8 names and values), every HELP text is UTF-8;
//  - reading `_created` lines as start timestamps only removes the `_created` series of
//    counters, summaries and histograms and adds start timestamps to series of those types:
//    everything else, and the error, stay the same (unless the error was about the labels of
//    a removed line);
//  - the series of a body that parses, written in the text format, parse to the same series,
//    values (bit for bit) and timestamps.
#include <cstdint>
#include <string_view>

#include "exposition_checks.h"
#include "ingest/openmetrics_parser.h"

namespace {

using promref::fuzz::Fail;
using promref::ingest::Entry;
using promref::ingest::EntryKind;
using promref::ingest::MetricType;

std::vector<Entry> Parse(std::string_view input, bool created_as_start_timestamp,
                         std::optional<std::string>* error) {
  const std::unique_ptr<promref::ingest::Parser> parser = promref::ingest::NewOpenMetricsParser(
      input, {.created_as_start_timestamp = created_as_start_timestamp});
  return promref::fuzz::ParseChecked(*parser, input, error);
}

bool SameSample(const Entry& a, const Entry& b) {
  return a.kind == b.kind && a.labels == b.labels &&
         std::bit_cast<uint64_t>(a.value) == std::bit_cast<uint64_t>(b.value) &&
         a.timestamp_ms == b.timestamp_ms && a.exemplar.has_value() == b.exemplar.has_value() &&
         (!a.exemplar ||
          (a.exemplar->labels == b.exemplar->labels &&
           std::bit_cast<uint64_t>(a.exemplar->value) == std::bit_cast<uint64_t>(b.exemplar->value) &&
           a.exemplar->timestamp_ms == b.exemplar->timestamp_ms));
}

bool SameMetadata(const Entry& a, const Entry& b) {
  return a.kind == b.kind && a.family == b.family &&
         (a.kind == EntryKind::kType ? a.type == b.type : a.text == b.text);
}

// A label set error: Prometheus reports those for the series it appends, so not for the
// `_created` lines it skips.
bool IsLabelError(const std::string& error) {
  return error.starts_with("invalid metric name or label names: ") ||
         error.ends_with(" is not unique: invalid sample");
}

// `plain` read `_created` lines as series, `with_st` as start timestamps; each ended with its
// error, if any.
void CheckStartTimestampMode(const std::vector<Entry>& plain, const std::optional<std::string>& plain_error,
                             const std::vector<Entry>& with_st, const std::optional<std::string>& st_error,
                             std::string_view input) {
  MetricType type = MetricType::kUnknown;
  size_t j = 0;
  for (const Entry& e : plain) {
    if (e.kind == EntryKind::kType) type = e.type;
    const bool has_st = promref::ingest::TypeHasStartTimestamp(type);
    if (e.kind == EntryKind::kSeries && has_st && e.labels.MetricName().ends_with("_created")) continue;
    if (j == with_st.size()) Fail("start timestamp mode lost an entry", input);
    const Entry& s = with_st[j++];
    if (e.kind == EntryKind::kSeries ? !SameSample(e, s) : !SameMetadata(e, s)) {
      Fail("start timestamp mode changed an entry", input);
    }
    if (e.kind != EntryKind::kSeries) continue;
    if (e.start_timestamp_ms) Fail("start timestamp without the option", input);
    if (s.start_timestamp_ms && !has_st) Fail("start timestamp on a type without one", input);
  }
  // Past the end of `plain`, only an error on a skipped line lets `with_st` read on.
  if (plain_error && IsLabelError(*plain_error) && plain_error != st_error) return;
  if (plain_error != st_error) Fail("start timestamp mode changed the error", input);
  if (j != with_st.size()) Fail("start timestamp mode added entries", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;  // long bodies add nothing but time
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<std::string> error, error_with_st;
  const std::vector<Entry> plain = Parse(input, false, &error);
  const std::vector<Entry> with_st = Parse(input, true, &error_with_st);
  CheckStartTimestampMode(plain, error, with_st, error_with_st, input);
  if (!error) promref::fuzz::CheckTextRoundTrip(plain, input);
  return 0;
}
