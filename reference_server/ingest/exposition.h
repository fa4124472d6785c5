// What a scrape body parses into, whatever its format: a sequence of entries, in body order.
//
// The entry kinds are Prometheus' (textparse.Entry): metadata lines (HELP, TYPE, UNIT), comments,
// and series lines carrying one float sample or (protobuf bodies only) one native histogram.
// A parser stops at the first error, with Prometheus' wording; the scrape that fed it fails as
// a whole, so nothing before the error needs undoing by the parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace promref::ingest {

// The metric types of TYPE lines, as storage keeps them. The text format's "untyped" is
// kUnknown.
using storage::MetricType;
using storage::MetricTypeName;

// Whether a family of this type has a start time (OpenMetrics `_created` lines).
inline bool TypeHasStartTimestamp(MetricType t) {
  return t == MetricType::kCounter || t == MetricType::kSummary || t == MetricType::kHistogram;
}

enum class EntryKind { kHelp, kType, kUnit, kComment, kSeries };

struct Exemplar {
  // As Prometheus takes them: names and values exactly as written, escapes included.
  model::Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  friend bool operator==(const Exemplar&, const Exemplar&) = default;
};

// One entry. Only the fields of its kind are meaningful; a parser reuses one Entry, so the
// others hold whatever an earlier entry left.
struct Entry {
  EntryKind kind = EntryKind::kComment;

  // kHelp, kType, kUnit: the family name as written, quotes removed but escapes kept (as
  // Prometheus keys its metadata cache).
  std::string family;
  // kHelp: the unescaped help text. kUnit: the unit. kComment: the whole line, "#" included.
  std::string text;
  // kType.
  MetricType type = MetricType::kUnknown;

  // kSeries: the label set, __name__ included, sorted, unique, no empty values.
  model::Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  std::optional<Exemplar> exemplar;
  // When the series started counting (ms), from its OpenMetrics `_created` line or its
  // protobuf `created_timestamp`; absent when there is none, it is not asked for, or it reads 0
  // (which Prometheus takes as unknown).
  std::optional<int64_t> start_timestamp_ms;

  // kSeries of a native histogram (protobuf bodies only): the histogram, its counts as floats
  // even when Prometheus reads it as an integer histogram; `value` and `exemplar` are then
  // unused. Absent for every float series.
  std::optional<model::FloatHistogram> histogram;
  // Whether Prometheus reads that histogram as an integer one (counts and deltas rather than
  // float counts): it stores it as such, not as a float histogram.
  bool histogram_is_integer = false;
  // Every exemplar Prometheus takes for that histogram, in the order its parser yields them
  // (the scrape loop sorts them before storing).
  std::vector<Exemplar> histogram_exemplars;
};

class Parser {
 public:
  virtual ~Parser() = default;
  // Parses the next entry into *entry and returns true; returns false at the end of the body.
  // After an error, or once it returned false, the parser must not be called again.
  virtual Result<bool> Next(Entry* entry) = 0;
};

// Every entry up to the end of the body, or the first error.
Result<std::vector<Entry>> ParseAll(Parser& parser);

}  // namespace promref::ingest
