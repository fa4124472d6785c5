// Checks shared by the exposition parser fuzzers (text_parser_fuzzer.cpp,
// openmetrics_parser_fuzzer.cpp). Each aborts with a message when the property fails.
#pragma once

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/exposition.h"
#include "ingest/text_parser.h"
#include "ingest/text_writer.h"
#include "model/utf8.h"

namespace promref::fuzz {

[[noreturn]] inline void Fail(std::string_view what, std::string_view input) {
  std::fprintf(stderr, "exposition fuzzer: %.*s\ninput (%zu bytes): %.*s\n", static_cast<int>(what.size()),
               what.data(), input.size(), static_cast<int>(input.size()), input.data());
  std::abort();
}

// What a scrape appends must be a label set the storage accepts: a non-empty UTF-8 metric
// name, names strictly ascending (so unique), non-empty UTF-8 names and values.
inline void CheckSeriesLabels(const ingest::Entry& e, std::string_view input) {
  if (e.labels.MetricName().empty()) Fail("series without a metric name", input);
  std::string_view previous;
  bool first = true;
  for (const model::LabelView& l : e.labels) {
    if (!first && l.name <= previous) Fail("label names not strictly ascending", input);
    if (l.name.empty() || l.value.empty()) Fail("empty label name or value", input);
    if (!model::IsValidUtf8(l.name) || !model::IsValidUtf8(l.value)) Fail("label not UTF-8", input);
    previous = l.name;
    first = false;
  }
}

// Every entry up to the end or the first error (*error says which), each checked as it comes:
// series by CheckSeriesLabels, HELP text for UTF-8.
inline std::vector<ingest::Entry> ParseChecked(ingest::Parser& parser, std::string_view input,
                                               std::optional<std::string>* error) {
  std::vector<ingest::Entry> entries;
  ingest::Entry e;
  while (true) {
    Result<bool> more = parser.Next(&e);
    if (!more.ok()) *error = more.error().message();
    if (!more.ok() || !*more) return entries;
    if (e.kind == ingest::EntryKind::kSeries) CheckSeriesLabels(e, input);
    if (e.kind == ingest::EntryKind::kHelp && !model::IsValidUtf8(e.text)) Fail("help text not UTF-8", input);
    entries.push_back(e);
  }
}

// The series of a successful parse, written in the text format and read back, are the same
// series with the same value bits and timestamps. (The text format has no negative
// timestamps, so a body with one is not written.)
inline void CheckTextRoundTrip(const std::vector<ingest::Entry>& entries, std::string_view input) {
  std::string text;
  std::vector<const ingest::Entry*> series;
  for (const ingest::Entry& e : entries) {
    if (e.kind != ingest::EntryKind::kSeries) continue;
    if (e.timestamp_ms && *e.timestamp_ms < 0) return;
    ingest::AppendSeriesLine(&text, e.labels, e.value, e.timestamp_ms);
    series.push_back(&e);
  }
  const std::unique_ptr<ingest::Parser> parser = ingest::NewTextParser(text);
  std::optional<std::string> error;
  const std::vector<ingest::Entry> again = ParseChecked(*parser, input, &error);
  if (error) Fail("written series do not parse: " + *error, input);
  if (again.size() != series.size()) Fail("written series parse to a different count", input);
  for (size_t i = 0; i < again.size(); ++i) {
    const ingest::Entry& a = *series[i];
    const ingest::Entry& b = again[i];
    if (b.kind != ingest::EntryKind::kSeries || a.labels != b.labels ||
        std::bit_cast<uint64_t>(a.value) != std::bit_cast<uint64_t>(b.value) ||
        a.timestamp_ms != b.timestamp_ms) {
      Fail("written series read back differently", input);
    }
  }
}

}  // namespace promref::fuzz
