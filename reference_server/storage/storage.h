// The contract between the query engine, the ingestion paths and whatever stores samples.
//
// The engine reads through Queryable/Querier/SeriesSet/SampleIterator; ingestion writes through
// Appender. Neither knows what implements them (the TSDB in reference_server/tsdb, the plain
// MemStorage in this folder, or anything else).
//
// Times are int64 milliseconds since the epoch; ranges are closed [mint, maxt] at this level
// (the engine applies PromQL's left-open windows on top).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/sample.h"
#include "model/time.h"

namespace promref::storage {

// A stable handle to a series, returned by Append and accepted back as a hint so that the
// labels need not be looked up again. 0 means "unknown".
using SeriesRef = uint64_t;

// --- Writing ---------------------------------------------------------------------------------

// Why a sample was refused. The classes are Prometheus' (storage.ErrOutOfOrderSample, ...);
// remote write answers 400 for the data errors and 500 for kInternal.
enum class AppendError {
  kNone,
  kOutOfOrder,       // older than the newest sample of its series (and outside any OOO window)
  kOutOfBounds,      // before the head's lowest appendable time, or too far in the future
  kDuplicateSample,  // same timestamp as the newest sample, different value
  kTooOld,           // outside the out-of-order window
  kInvalidLabels,    // empty set, invalid or duplicate names, empty values
  kInvalidHistogram,
  kInternal,
};

// Prometheus' error text for the class ("out of order sample", "out of bounds", ...).
std::string_view AppendErrorText(AppendError e);

struct AppendResult {
  SeriesRef ref = 0;
  AppendError error = AppendError::kNone;
  bool ok() const { return error == AppendError::kNone; }
};

struct Exemplar {
  model::Labels labels;
  double value = 0;
  int64_t t = 0;
  bool has_t = true;
};

enum class MetricType { kUnknown, kCounter, kGauge, kHistogram, kGaugeHistogram, kSummary, kInfo, kStateset };
// Prometheus' name of a type ("counter", "gaugehistogram", "unknown", ...), as its metadata API
// and exposition formats spell it.
std::string_view MetricTypeName(MetricType t);

struct Metadata {
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
  friend bool operator==(const Metadata&, const Metadata&) = default;
};

// A batch of writes. Nothing is visible to readers until Commit(); Rollback() (or destroying an
// uncommitted appender) discards the batch. Per-sample errors leave the rest of the batch
// intact; the caller decides whether to commit or roll back.
class Appender {
 public:
  virtual ~Appender() = default;
  virtual AppendResult Append(SeriesRef ref, const model::Labels& labels, int64_t t, double v) = 0;
  virtual AppendResult AppendHistogram(SeriesRef ref, const model::Labels& labels, int64_t t,
                                       const model::FloatHistogram& h) = 0;
  // The same with the sample's start timestamp `st` (ms; 0 = unknown): when the counter the
  // sample belongs to started counting (Prometheus' AppenderV2 ST). A store that keeps no start
  // timestamps drops it, which is what these defaults do.
  virtual AppendResult AppendWithStartTimestamp(SeriesRef ref, const model::Labels& labels, int64_t st,
                                                int64_t t, double v) {
    (void)st;
    return Append(ref, labels, t, v);
  }
  virtual AppendResult AppendHistogramWithStartTimestamp(SeriesRef ref, const model::Labels& labels,
                                                         int64_t st, int64_t t,
                                                         const model::FloatHistogram& h) {
    (void)st;
    return AppendHistogram(ref, labels, t, h);
  }
  virtual AppendResult AppendExemplar(SeriesRef ref, const model::Labels& labels, const Exemplar& e) = 0;
  // A hint from a caller about to append to many series: start fetching into cache what
  // appending to the series with these labels will read, so that its memory latency overlaps
  // the work on the series before it. Given a few series ahead; it changes nothing.
  virtual void Prefetch(const model::Labels& labels) { (void)labels; }
  virtual AppendResult UpdateMetadata(SeriesRef ref, const model::Labels& labels, const Metadata& m) = 0;
  // Makes the batch durable (as configured) and visible. An error means nothing was applied.
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
};

// --- Reading ---------------------------------------------------------------------------------

enum class ValueType { kNone, kFloat, kHistogram };

// Iterates one series' samples in increasing time order. Floats and histograms may alternate.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; kNone at the end (or on error, see Err()).
  virtual ValueType Next() = 0;
  // Advances to the first sample with timestamp >= t. Never moves backwards: if the current
  // sample is already at or after t it stays. Returns the type there, kNone at the end.
  virtual ValueType Seek(int64_t t) = 0;
  // The current sample. AtFloat() for kFloat; AtHistogram() for kHistogram.
  virtual int64_t AtT() const = 0;
  virtual double AtFloat() const = 0;
  virtual const model::FloatHistogram& AtHistogram() const = 0;
  // The current sample's start timestamp (ms): 0 when unknown, or when the store keeps none.
  virtual int64_t AtStartTimestamp() const { return 0; }
  virtual Status Err() const { return {}; }

  // Batch reading, for callers that load many floats: copies the current sample (a float:
  // Next or Seek said kFloat) and the floats after it into t[] and v[], while their time is
  // at most `maxt`, `cap` at most, advancing as Next() would. Returns how many were copied
  // and sets *now to the type of the sample the iterator then sits on (kNone at the end): the
  // first one not copied. Chunk iterators override it to decode without a virtual call per
  // sample; the result is the same.
  virtual size_t ReadFloats(int64_t maxt, size_t cap, int64_t* t, double* v, ValueType* now) {
    return ReadFloatsStepwise(this, maxt, cap, t, v, now);
  }

 protected:
  // ReadFloats by Next(), AtT() and AtFloat() of `it`: called with a final class's `this`, the
  // compiler makes those calls direct and inlines them.
  template <typename It>
  static size_t ReadFloatsStepwise(It* it, int64_t maxt, size_t cap, int64_t* t, double* v, ValueType* now) {
    size_t n = 0;
    ValueType vt = ValueType::kFloat;
    while (n < cap) {
      const int64_t ts = it->AtT();
      if (ts > maxt) break;
      t[n] = ts;
      v[n] = it->AtFloat();
      ++n;
      vt = it->Next();
      if (vt != ValueType::kFloat) break;
    }
    *now = vt;
    return n;
  }
};

class Series {
 public:
  virtual ~Series() = default;
  virtual const model::Labels& labels() const = 0;
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
};

// A forward cursor over series. At() is valid after Next() returned true, until the next call.
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  virtual const Series& At() const = 0;
  virtual Status Err() const { return {}; }
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// What the engine knows about a Select, so a store may narrow its work. Only start/end bind:
// samples outside [start, end] may be returned or not.
struct SelectHints {
  int64_t start = model::kMinTimeMs;
  int64_t end = model::kMaxTimeMs;
  int64_t step = 0;   // query step in ms, 0 for instant queries
  int64_t range = 0;  // range selector width in ms
  std::string func;   // enclosing function name, e.g. "rate"
  std::vector<std::string> grouping;
  bool by = false;
  size_t limit = 0;  // 0: no limit; otherwise at most this many series
};

struct LabelHints {
  size_t limit = 0;  // 0: no limit
};

// A read view over [mint, maxt]. Matchers are AND-ed; an empty list selects nothing.
class Querier {
 public:
  virtual ~Querier() = default;
  // Series matching all matchers. With `sorted`, in Compare(labels) order.
  virtual std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints& hints,
                                            std::span<const model::Matcher> matchers) = 0;
  // Sorted, unique values of `name` among series matching `matchers` (all series if empty).
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name, const LabelHints& hints,
                                                       std::span<const model::Matcher> matchers) = 0;
  // Sorted, unique label names among series matching `matchers` (all series if empty).
  virtual Result<std::vector<std::string>> LabelNames(const LabelHints& hints,
                                                      std::span<const model::Matcher> matchers) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual Result<std::unique_ptr<Querier>> MakeQuerier(int64_t mint, int64_t maxt) = 0;
};

struct ExemplarSeries {
  model::Labels series_labels;
  std::vector<Exemplar> exemplars;  // in time order
};

class ExemplarQueryable {
 public:
  virtual ~ExemplarQueryable() = default;
  // Exemplars in [start, end] of series matching any of the matcher groups (each group AND-ed).
  virtual Result<std::vector<ExemplarSeries>> SelectExemplars(
      int64_t start, int64_t end, std::span<const std::vector<model::Matcher>> matcher_groups) = 0;
};

// A complete store: reads, writes, exemplars, metadata.
class Storage : public Queryable, public ExemplarQueryable {
 public:
  virtual std::unique_ptr<Appender> MakeAppender() = 0;
  // Metric family name -> metadata entries (a family may have had several).
  virtual std::vector<std::pair<std::string, std::vector<Metadata>>> MetricMetadata() const = 0;
};

// Convenience for callers holding a Series: all its float samples in [mint, maxt].
std::vector<model::Sample> ReadFloats(const Series& series, int64_t mint, int64_t maxt);

}  // namespace promref::storage
