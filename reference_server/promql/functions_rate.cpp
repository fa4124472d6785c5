// Range functions over how a series changes: changes, resets, rate/increase/delta (with
// extrapolation, and the anchored/smoothed forms), irate/idelta, deriv, predict_linear,
// double_exponential_smoothing and integral.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/go_strconv.h"
#include "model/histogram_ops.h"
#include "model/sample.h"
#include "model/time.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/function_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/histogram_sum.h"

namespace promref::promql::internal {
namespace {

// Go's sort.Search(n, pred) over point indexes.
template <typename Pred>
size_t SearchPoints(size_t n, Pred pred) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (!pred(mid)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// --- Start timestamps ------------------------------------------------------------------------
// A sample's start timestamp (st, 0 = unknown) is when its counter started counting: a start
// after the previous sample is a reset the values alone may not show (a delta sample has its
// start at the previous sample).

// Prometheus' isStartTimestampReset: whether `cur` starts a new count after `prev`. No reset
// when the start is unknown, unchanged, not before the sample (st == t is OTel's "unknown
// start"), or before the previous sample.
bool IsStartTimestampReset(int64_t prev_st, int64_t prev_t, int64_t st, int64_t t) {
  if (prev_st == st || st == 0 || st >= t) return false;
  if (st != prev_t) return st > prev_t;
  // A start at the previous sample: a delta, a reset; or a cumulative counter of unknown start,
  // not one, which the previous sample's own start tells apart (unknown, at it, or invalid).
  return prev_st != 0 && prev_st < prev_t;
}

bool StartTimestampReset(const Point& prev, const Point& cur) {
  return IsStartTimestampReset(prev.st, prev.t, cur.st, cur.t);
}

// Prometheus' isStartTimestampResetAfter: whether the sample's count started after time `after`
// (as a reset after an imaginary sample at `after` of unknown start).
bool IsStartTimestampResetAfter(int64_t after, int64_t st, int64_t t) {
  if (st <= after || t <= after) return false;
  return IsStartTimestampReset(after, after, st, t);
}

// A counter reset between two float samples: the value went down, or the start says so.
bool FloatCounterReset(const Point& prev, const Point& cur) {
  return cur.f < prev.f || StartTimestampReset(prev, cur);
}

// The same for histograms: the start timestamps, then the buckets.
bool HistogramCounterReset(const Point& prev, const Point& cur) {
  return StartTimestampReset(prev, cur) || model::HistogramDetectReset(*cur.h, *prev.h);
}

// Prometheus' checkStartTimeOverlap: a sample starting before the previous sample's time, which
// neither a delta (starts at it) nor a cumulative counter (same start) does.
bool StartTimeOverlaps(const Point& prev, const Point& cur) {
  return cur.st != 0 && cur.st < prev.t && cur.st != prev.st;
}

std::string StartTimeOverlapText(const Window& w) {
  return "sample has start time that overlaps with previous sample timestamp for metric " +
         model::GoQuote(w.series->labels.MetricName());
}

// Whether a counter's increase starts from a zero sample at its first sample's start timestamp,
// that start being inside the range (whose start is exclusive) and before the sample: Prometheus
// then counts from there instead of extrapolating towards the range start.
bool StartsAtStartTimestamp(const Window& w, bool is_counter) {
  if (!is_counter || w.points.empty()) return false;
  const Point& first = w.points.front();
  return first.st != 0 && first.st > w.range_start && first.st < first.t;
}

// The samples a boundary value of an anchored or smoothed range comes from: interpolated
// between `from` and `to` at the boundary when smoothed and the boundary sample lies beyond
// it, else the boundary sample itself (from == to).
struct BoundarySource {
  size_t from = 0;
  size_t to = 0;
  bool interpolated() const { return from != to; }
};

BoundarySource LeftSource(std::span<const Point> p, size_t first, int64_t range_start, bool smoothed) {
  if (smoothed && p[first].t < range_start) return {first, first + 1};
  return {first, first};
}

BoundarySource RightSource(std::span<const Point> p, size_t last, int64_t range_end, bool smoothed) {
  if (smoothed && last > 0 && p[last].t > range_end) return {last - 1, last};
  return {last, last};
}

// The value of an anchored or smoothed float range at a boundary, and the start timestamp that
// goes with it for telling a counter reset between it and the next sample.
struct Boundary {
  double f = 0;
  int64_t st = 0;
};

// The value at boundary `at` when the one sample around it lies beyond it. A counter whose start
// timestamp falls within the lookback was zero at its start: 0 at the boundary (smoothed, the
// value interpolated from that zero up to the sample), and 0 too when it started only after
// the boundary. Otherwise the sample stands for the boundary.
Boundary FromLoneSample(const Point& p, int64_t at, int64_t lookback_start, bool smoothed, bool is_counter,
                        int64_t st) {
  if (!is_counter || !IsStartTimestampResetAfter(lookback_start, p.st, p.t)) return {p.f, st};
  if (smoothed && !IsStartTimestampResetAfter(at, p.st, p.t)) {
    return {InterpolateFloats(Point{p.st, 0}, p, at, true), st};
  }
  return {0, st};
}

// How a counter's start timestamp changed the value between two samples a and b around a
// boundary: b started after the boundary (it counts from a zero at its start), or between a and
// the boundary (the count there starts from that zero instead of a).
enum class StraddleReset { kNone, kAfterBoundary, kBeforeBoundary };
struct Straddle {
  double f = 0;
  StraddleReset reset = StraddleReset::kNone;
};

// The value at boundary `at` between samples a and b (a.t < at < b.t when smoothed): a's value,
// or smoothed the value interpolated there, with a start-timestamp reset of b taken into account.
Straddle ValueBetween(const Point& a, const Point& b, int64_t at, bool smoothed, bool is_counter) {
  Point from{a.t, a.f}, to{b.t, b.f};
  StraddleReset reset = StraddleReset::kNone;
  if (is_counter && IsStartTimestampResetAfter(at, b.st, b.t)) {
    to = Point{b.st, 0};
    reset = StraddleReset::kAfterBoundary;
  } else if (is_counter && StartTimestampReset(a, b)) {
    from = Point{b.st, 0};
    reset = StraddleReset::kBeforeBoundary;
  }
  return {smoothed ? InterpolateFloats(from, to, at, is_counter) : from.f, reset};
}

// Prometheus' pickOrInterpolateLeft: the value at the range start from `first`, the last sample
// at or before it (else the first sample). The start timestamp returned is `first`'s, unless it
// is past the boundary (then unknown) or a reset before the boundary moved the count's start.
Boundary LeftBoundary(std::span<const Point> f, size_t first, int64_t range_start, int64_t lookback_start,
                      bool smoothed, bool is_counter) {
  const Point& p = f[first];
  if (p.t == range_start) return {p.f, p.st};
  const int64_t st = p.st > range_start ? 0 : p.st;
  if (p.t > range_start) return FromLoneSample(p, range_start, lookback_start, smoothed, is_counter, st);
  const Straddle s = ValueBetween(p, f[first + 1], range_start, smoothed, is_counter);
  return {s.f, s.reset == StraddleReset::kBeforeBoundary ? f[first + 1].st : st};
}

// Prometheus' pickOrInterpolateRight: the value at the range end from `last`. The start
// timestamp returned is `last`'s (unknown if past the boundary), or the previous sample's when
// `last` started only after the boundary.
Boundary RightBoundary(std::span<const Point> f, size_t last, int64_t range_end, int64_t lookback_start,
                       bool smoothed, bool is_counter) {
  const Point& p = f[last];
  const int64_t st = p.st > range_end ? 0 : p.st;
  if (p.t <= range_end) return {p.f, st};
  if (last == 0) return FromLoneSample(p, range_end, lookback_start, smoothed, is_counter, st);
  const Straddle s = ValueBetween(f[last - 1], p, range_end, smoothed, is_counter);
  return {s.f, s.reset == StraddleReset::kAfterBoundary ? f[last - 1].st : st};
}

// The samples an anchored or smoothed range's boundary values come from (Prometheus'
// firstSampleIndex and lastSampleIndex): `first` is the last sample at or before the range
// start (else the first sample), `last` the last sample or, smoothed, the first at or after
// the range end. nullopt when no sample follows the range start.
struct BoundaryIndexes {
  size_t first = 0;
  size_t last = 0;
};

std::optional<BoundaryIndexes> FindBoundaries(std::span<const Point> p, int64_t range_start,
                                              int64_t range_end, bool smoothed) {
  if (p.empty()) return std::nullopt;
  BoundaryIndexes b;
  b.last = p.size() - 1;
  const size_t after_start = SearchPoints(b.last, [&](size_t i) { return p[i].t > range_start; });
  b.first = after_start == 0 ? 0 : after_start - 1;
  if (smoothed) b.last = SearchPoints(b.last, [&](size_t i) { return p[i].t >= range_end; });
  if (p[b.last].t <= range_start) return std::nullopt;
  return b;
}

// The points changes()/resets() look at: for an anchored range, from the last sample at or
// before the range start (whatever its type) on, and none unless a sample follows the range
// start (Prometheus' pickFirstSampleIndices).
std::span<const Point> ChangePoints(const Window& w) {
  if (!w.anchored) return w.points;
  const std::optional<BoundaryIndexes> b = FindBoundaries(w.points, w.range_start, w.range_end, false);
  if (!b) return {};
  return w.points.subspan(b->first);
}

RangeResult FnChanges(const Window& w, const FunctionCall&) {
  const std::span<const Point> points = ChangePoints(w);
  if (points.empty()) return {};
  double changes = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    const Point& prev = points[i - 1];
    const Point& cur = points[i];
    if (static_cast<bool>(prev.h) != static_cast<bool>(cur.h)) {
      changes += 1;
      continue;
    }
    if (cur.h) {
      if (!model::HistogramEquals(*cur.h, *prev.h)) changes += 1;
      continue;
    }
    if (cur.f != prev.f && !(std::isnan(cur.f) && std::isnan(prev.f))) changes += 1;
  }
  return Float(changes);
}

RangeResult FnResets(const Window& w, const FunctionCall&) {
  const std::span<const Point> points = ChangePoints(w);
  if (points.empty()) return {};
  double resets = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    const Point& prev = points[i - 1];
    const Point& cur = points[i];
    if (static_cast<bool>(prev.h) != static_cast<bool>(cur.h)) {
      resets += 1;
      continue;
    }
    if (cur.h ? HistogramCounterReset(prev, cur) : FloatCounterReset(prev, cur)) resets += 1;
  }
  return Float(resets);
}

// The boundary samples of an anchored or smoothed rate; nullopt, as for no sample after the
// range start, when a smoothed range has no sample at or before its end, unless (floats, with
// `use_start`) a counter started counting between the lookback start and the range end.
std::optional<BoundaryIndexes> RateBoundaries(const Window& w, bool use_start) {
  std::optional<BoundaryIndexes> b = FindBoundaries(w.points, w.range_start, w.range_end, w.smoothed);
  if (!b || !w.smoothed) return b;
  const Point& first = w.points[b->first];
  if (first.t <= w.range_end) return b;
  const bool started_in_range = use_start &&
                                IsStartTimestampResetAfter(w.lookback_start, first.st, first.t) &&
                                !IsStartTimestampResetAfter(w.range_end, first.st, first.t);
  return started_in_range ? b : std::nullopt;
}

// The samples strictly inside an anchored or smoothed range, [from, to): those the boundary
// values do not stand for.
std::pair<size_t, size_t> InnerSamples(std::span<const Point> p, BoundaryIndexes b, int64_t range_start,
                                       int64_t range_end) {
  return {p[b.first].t <= range_start ? b.first + 1 : b.first,
          p[b.last].t >= range_end ? b.last : b.last + 1};
}

double RangeSeconds(const Window& w) {
  return static_cast<double>(w.range) / 1000;
}

// rate/increase/delta over an anchored or smoothed range of floats (Prometheus'
// extendedRate): the difference between the boundary values (the sample at or before each
// boundary, or for smoothed the value interpolated there), corrected for counter resets in
// between; no extrapolation.
RangeResult ExtendedRate(const Window& w, bool is_counter, bool is_rate) {
  const std::optional<BoundaryIndexes> b = RateBoundaries(w, is_counter);
  if (!b) return {};
  const std::span<const Point> f = w.points;
  const Boundary left = LeftBoundary(f, b->first, w.range_start, w.lookback_start, w.smoothed, is_counter);
  const Boundary right = RightBoundary(f, b->last, w.range_end, w.lookback_start, w.smoothed, is_counter);
  double result = right.f - left.f;
  if (is_counter) {
    // Only the samples strictly inside the range: the boundaries handled resets already.
    const auto [from, to] = InnerSamples(f, *b, w.range_start, w.range_end);
    double correction = 0;
    Point prev{w.range_start, left.f, nullptr, left.st};
    for (size_t i = from; i < to; ++i) {
      if (FloatCounterReset(prev, f[i])) correction += prev.f;
      prev = f[i];
    }
    if (FloatCounterReset(prev, Point{w.range_end, right.f, nullptr, right.st})) correction += prev.f;
    result += correction;
  }
  if (is_rate) result /= RangeSeconds(w);
  return Float(result);
}

// --- rate/increase/delta with Prometheus 3.x's extrapolation ---

// What the extrapolation of a window takes from its timestamps alone (Prometheus'
// extrapolatedRate before it looks at values): the durations to the range's ends, shortened
// when beyond 1.1 average intervals, and the factor they give. Windows of one shape give the
// same values, and a range query meets few shapes: one series at every step whose step is a
// multiple of its scrape interval, and every series scraped on the same schedule.
struct WindowTiming {
  double to_start = 0;
  double to_end = 0;
  double sampled = 0;
  double factor = 1;  // with to_start as it is here (before a counter's zero point shortens it)

  static WindowTiming Of(int64_t to_start_ms, int64_t to_end_ms, int64_t sampled_ms, size_t n,
                         int64_t range_ms, bool is_rate) {
    WindowTiming w;
    w.to_start = static_cast<double>(to_start_ms) / 1000;
    w.to_end = static_cast<double>(to_end_ms) / 1000;
    w.sampled = static_cast<double>(sampled_ms) / 1000;
    const double average = n > 1 ? w.sampled / static_cast<double>(n - 1) : 0;
    const double threshold = average * 1.1;
    if (w.to_start >= threshold) w.to_start = average / 2;
    if (w.to_end >= threshold) w.to_end = average / 2;
    w.factor = Factor(w.sampled, w.to_start, w.to_end, range_ms, is_rate);
    return w;
  }

  static double Factor(double sampled, double to_start, double to_end, int64_t range_ms, bool is_rate) {
    double factor = sampled != 0 ? (sampled + to_start + to_end) / sampled : 1;
    if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
    return factor;
  }
};

// WindowTiming::Of, remembering the last shape asked for: the same inputs give the same bits,
// and most windows then skip its six divisions.
class TimingCache {
 public:
  const WindowTiming& Of(int64_t to_start_ms, int64_t to_end_ms, int64_t sampled_ms, size_t n,
                         int64_t range_ms, bool is_rate) {
    if (to_start_ms_ != to_start_ms || to_end_ms_ != to_end_ms || sampled_ms_ != sampled_ms || n_ != n ||
        range_ms_ != range_ms || is_rate_ != is_rate) {
      to_start_ms_ = to_start_ms;
      to_end_ms_ = to_end_ms;
      sampled_ms_ = sampled_ms;
      n_ = n;
      range_ms_ = range_ms;
      is_rate_ = is_rate;
      timing_ = WindowTiming::Of(to_start_ms, to_end_ms, sampled_ms, n, range_ms, is_rate);
    }
    return timing_;
  }

 private:
  int64_t to_start_ms_ = -1, to_end_ms_ = -1, sampled_ms_ = -1;
  size_t n_ = 0;
  int64_t range_ms_ = -1;
  bool is_rate_ = false;
  WindowTiming timing_;
};

// How far before the first sample a counter that started at `first` and rose by `result` over
// `sampled` seconds was at zero (Prometheus' durationToZero), or +Inf where that cannot bring
// the range's start (`to_start` before the first sample) closer. When first >= result the
// ratio is at least 1, so the zero point is at least `sampled` back and no closer than a
// start at most that far: the division, which a rate over many windows pays per window, is
// skipped with the same outcome.
double DurationToZero(double first, double result, double sampled, double to_start) {
  if (!(result > 0 && first >= 0)) return std::numeric_limits<double>::infinity();
  if (first >= result && sampled >= to_start) return std::numeric_limits<double>::infinity();
  return sampled * (first / result);
}

// The factor of a window's timing `t`, for a counter not extrapolated below zero: its start may
// come closer (DurationToZero of the first value `first` and the increase `result`).
double CounterFactor(const WindowTiming& t, bool is_counter, bool is_rate, double first, double result,
                     int64_t range_ms) {
  if (!is_counter) return t.factor;
  const double to_zero_at = DurationToZero(first, result, t.sampled, t.to_start);
  if (!(to_zero_at < t.to_start)) return t.factor;
  return WindowTiming::Factor(t.sampled, to_zero_at, t.to_end, range_ms, is_rate);
}

// Prometheus' extrapolation of a rate over the points of window w: to the range boundaries
// when the first and last points lie within 1.1 average intervals of them, else half an
// interval; for counters not past the zero point (DurationToZero of the first value `first`
// and the increase `result`; a histogram's are its counts). `from_start`
// (StartsAtStartTimestamp): the increase is measured from the first sample's start instead,
// with no extrapolation towards the range start (one sample then suffices, and gets none
// towards the end either). Divided by the range for rate().
double ExtrapolationFactor(const Window& w, bool is_counter, bool is_rate, bool from_start, double first,
                           double result) {
  const auto& p = w.points;
  const int64_t first_t = p.front().t;
  const int64_t last_t = p.back().t;
  if (from_start) {
    // Counted from the series' start: nothing to extrapolate towards the range's start, and
    // the sampled interval reaches back to that start (the end still clamps by the points).
    const double sampled = static_cast<double>(last_t - p.front().st) / 1000;
    const double to_end =
        WindowTiming::Of(0, w.range_end - last_t, last_t - first_t, p.size(), w.range, is_rate).to_end;
    return WindowTiming::Factor(sampled, 0, to_end, w.range, is_rate);
  }
  thread_local TimingCache cache;
  const WindowTiming& t =
      cache.Of(first_t - w.range_start, w.range_end - last_t, last_t - first_t, p.size(), w.range, is_rate);
  return CounterFactor(t, is_counter, is_rate, first, result, w.range);
}

// What a mix of exponential and custom buckets does to the annotations collected so far:
// Prometheus' histogramRate returns a fresh set then, its anchored/smoothed counterpart keeps
// them.
enum class OnMixedSchemas { kReplaceNotes, kKeepNotes };

// Annotations a histogram rate collects.
class RateNotes {
 public:
  RateNotes(const Window& w, const FunctionCall& fc, OnMixedSchemas on_mixed = OnMixedSchemas::kReplaceNotes)
      : w_(w), fc_(fc), on_mixed_(on_mixed) {}
  ~RateNotes() {
    AnnotationSet* a = fc_.ctx->annotations;
    const PositionRange pos = ArgPosition(*fc_.call, 0);
    for (const auto& [kind, text] : notes_) {
      switch (kind) {
        case Kind::kWarning: a->Warn(text, pos); break;
        case Kind::kInfo: a->Info(text, pos); break;
        case Kind::kCountedWarning: a->CountedWarn(text, pos); break;
      }
    }
  }
  void NotCounter() {
    notes_.emplace_back(Kind::kWarning, "this native histogram metric is not a counter: " + Name());
  }
  void NotGauge() {
    notes_.emplace_back(Kind::kWarning, "this native histogram metric is not a gauge: " + Name());
  }
  void Reconciled(const char* operation) {
    notes_.emplace_back(Kind::kInfo, ReconciledBucketsText(operation));
  }
  void StartTimeOverlap() { notes_.emplace_back(Kind::kCountedWarning, StartTimeOverlapText(w_)); }
  void MixedSchemas() {
    if (on_mixed_ == OnMixedSchemas::kReplaceNotes) notes_.clear();
    notes_.emplace_back(Kind::kWarning, MixedSchemasText(w_.series->labels.MetricName()));
  }
  // From here on a mix of schemas keeps what was noted (past Prometheus' histogramRate).
  void KeepNotesOnMixedSchemas() { on_mixed_ = OnMixedSchemas::kKeepNotes; }

 private:
  enum class Kind { kWarning, kInfo, kCountedWarning };
  std::string Name() const { return model::GoQuote(w_.series->labels.MetricName()); }
  const Window& w_;
  const FunctionCall& fc_;
  OnMixedSchemas on_mixed_;
  std::vector<std::pair<Kind, std::string>> notes_;
};

bool IsGauge(const model::FloatHistogram& h) {
  return h.counter_reset_hint == model::CounterResetHint::kGauge;
}

// Adds or subtracts for a histogram rate; false (noted) on a mix of exponential and custom
// buckets. An invalid layout fails the query, as Prometheus panics.
bool Combine(model::FloatHistogram* h, const model::FloatHistogram& other, bool add, RateNotes* notes) {
  const model::HistogramOpResult r = add ? model::HistogramAdd(h, other) : model::HistogramSub(h, other);
  FailOnInvalidLayout(r);
  if (r.error == model::HistogramOpError::kMixedSchemas) {
    notes->MixedSchemas();
    return false;
  }
  if (r.nhcb_bounds_reconciled) notes->Reconciled(add ? "addition" : "subtraction");
  return true;
}

// Prometheus' histogramRate: last minus first over two or more histogram points, at the
// lowest schema among them; for counters every reset (by start timestamp or buckets) adds the
// histogram before it back. Conflicting counter-reset hints are deliberately ignored. nullopt
// (with a warning) when the histograms cannot be combined.
std::optional<model::FloatHistogram> HistogramRate(std::span<const Point> p, bool is_counter,
                                                   RateNotes* notes) {
  const model::FloatHistogram* prev = p.front().h.get();
  const model::FloatHistogram& last = *p.back().h;
  bool custom = prev->UsesCustomBuckets();
  if (is_counter && (IsGauge(*prev) || IsGauge(last))) notes->NotCounter();
  // A reset between the first two points makes the first irrelevant, whatever its layout.
  model::FloatHistogram empty;
  if (is_counter && HistogramCounterReset(p[0], p[1])) {
    empty.schema = p[1].h->schema;
    empty.custom_values = p[1].h->custom_values;
    custom = p[1].h->UsesCustomBuckets();
    prev = &empty;
  }
  if (last.UsesCustomBuckets() != custom) {
    notes->MixedSchemas();
    return std::nullopt;
  }
  int32_t min_schema = std::min(last.schema, prev->schema);
  for (size_t i = 1; i + 1 < p.size() && is_counter; ++i) {
    const model::FloatHistogram& curr = *p[i].h;
    if (IsGauge(curr)) notes->NotCounter();
    min_schema = std::min(min_schema, curr.schema);
    if (curr.UsesCustomBuckets() != custom) {
      notes->MixedSchemas();
      return std::nullopt;
    }
  }
  model::FloatHistogram h = model::HistogramCopyToSchema(last, min_schema);
  if (!Combine(&h, *prev, false, notes)) return std::nullopt;
  if (is_counter) {
    bool overlap = false;  // noted once per series
    for (size_t i = 1; i < p.size(); ++i) {
      if (!overlap && StartTimeOverlaps(p[i - 1], p[i])) {
        notes->StartTimeOverlap();
        overlap = true;
      }
      const model::FloatHistogram& curr = *p[i].h;
      const bool reset = StartTimestampReset(p[i - 1], p[i]) || model::HistogramDetectReset(curr, *prev);
      if (reset && !Combine(&h, *prev, true, notes)) return std::nullopt;
      prev = &curr;
    }
  } else if (!IsGauge(*p.front().h) || !IsGauge(last)) {
    notes->NotGauge();
  }
  h.counter_reset_hint = model::CounterResetHint::kGauge;
  return model::HistogramCompact(h);
}

// rate/increase/delta over histograms: HistogramRate extrapolated as for floats, the
// counter's zero point estimated from the first histogram's count. Counted from the first
// sample's start timestamp instead, the first histogram is added whole (and is the result of a
// single sample, as is: Prometheus neither compacts it nor marks it a gauge).
RangeResult ExtrapolatedHistogramRate(const Window& w, const FunctionCall& fc, bool is_counter,
                                      bool is_rate) {
  const auto& p = w.points;
  const bool from_start = StartsAtStartTimestamp(w, is_counter);
  if (p.size() < 2 && !from_start) return {};
  RateNotes notes(w, fc);
  std::optional<model::FloatHistogram> h;
  if (p.size() > 1) {
    h = HistogramRate(p, is_counter, &notes);
    if (!h) return {};
  }
  notes.KeepNotesOnMixedSchemas();
  if (from_start) {
    if (!h) {
      h = *p.front().h;
    } else if (!Combine(&*h, *p.front().h, true, &notes)) {
      return {};
    }
  }
  const double factor = ExtrapolationFactor(w, is_counter, is_rate, from_start, p.front().h->count, h->count);
  model::HistogramMul(&*h, factor);
  return RangeResult{true, 0, std::make_shared<const model::FloatHistogram>(std::move(*h))};
}

// A boundary histogram of an anchored or smoothed rate (Prometheus'
// pickOrInterpolateLeft/RightHistogram); nullopt (noted) when an interpolation mixes
// exponential and custom buckets.
std::optional<model::FloatHistogram> BoundaryHistogram(std::span<const Point> h, BoundarySource s, int64_t t,
                                                       bool is_counter, RateNotes* notes) {
  if (!s.interpolated()) return *h[s.from].h;
  InterpolatedHistogram r = InterpolateHistograms(h[s.from], h[s.to], t, is_counter);
  if (r.sub_reconciled) notes->Reconciled("subtraction");
  if (r.add_reconciled) notes->Reconciled("addition");
  if (!r.h) notes->MixedSchemas();
  return std::move(r.h);
}

// Prometheus' validateHistogramRange over the samples between the boundaries: false (noted)
// when they mix exponential and custom buckets; a counter's gauge histograms are noted.
bool ValidateHistogramRange(std::span<const Point> h, bool is_counter, RateNotes* notes) {
  const bool custom = h.front().h->UsesCustomBuckets();
  for (const Point& p : h) {
    if (p.h->UsesCustomBuckets() != custom) {
      notes->MixedSchemas();
      return false;
    }
    if (is_counter && IsGauge(*p.h)) notes->NotCounter();
  }
  return true;
}

// Prometheus' correctForCounterResetsHistogram: into *correction the sum of the histograms
// before each counter reset between the boundaries. A smoothed left boundary interpolated
// across a reset accounted for it already. The last sample is compared only as `right`,
// which is it or interpolated towards it and so carries its reset hint. false (noted) when
// the histograms cannot be added.
bool HistogramResetCorrection(const Window& w, BoundaryIndexes b, const model::FloatHistogram& left,
                              const model::FloatHistogram& right,
                              std::optional<model::FloatHistogram>* correction, RateNotes* notes) {
  const std::span<const Point> h = w.points;
  size_t from = b.first + 1;
  const model::FloatHistogram* prev = &left;
  if (w.smoothed && h[b.first].t < w.range_start &&
      model::HistogramDetectReset(*h[b.first + 1].h, *h[b.first].h)) {
    prev = h[b.first + 1].h.get();
    ++from;
  }
  // Nothing between the boundaries: one sample, or both interpolated within one reset.
  if (from > b.last) return true;
  auto add = [&](const model::FloatHistogram& before_reset) {
    if (!*correction) {
      *correction = before_reset;
      return true;
    }
    return Combine(&**correction, before_reset, true, notes);
  };
  for (size_t i = from; i < b.last; ++i) {
    if (model::HistogramDetectReset(*h[i].h, *prev) && !add(*prev)) return false;
    prev = h[i].h.get();
  }
  return !model::HistogramDetectReset(right, *prev) || add(*prev);
}

// rate/increase/delta over an anchored or smoothed range of histograms (Prometheus'
// extendedHistogramRate): as ExtendedRate, the boundary histograms combined pairwise, so at
// the lower of their schemas.
RangeResult ExtendedHistogramRate(const Window& w, const FunctionCall& fc, bool is_counter, bool is_rate) {
  // Prometheus' histogram counterpart ignores start timestamps.
  const std::optional<BoundaryIndexes> b = RateBoundaries(w, false);
  if (!b) return {};
  const std::span<const Point> h = w.points;
  RateNotes notes(w, fc, OnMixedSchemas::kKeepNotes);
  if (!ValidateHistogramRange(h.subspan(b->first, b->last - b->first + 1), is_counter, &notes)) return {};
  const std::optional<model::FloatHistogram> left = BoundaryHistogram(
      h, LeftSource(h, b->first, w.range_start, w.smoothed), w.range_start, is_counter, &notes);
  if (!left) return {};
  const std::optional<model::FloatHistogram> right =
      BoundaryHistogram(h, RightSource(h, b->last, w.range_end, w.smoothed), w.range_end, is_counter, &notes);
  if (!right) return {};
  if (!is_counter && (!IsGauge(*left) || !IsGauge(*right))) notes.NotGauge();
  model::FloatHistogram result = *right;
  if (!Combine(&result, *left, false, &notes)) return {};
  if (is_counter) {
    std::optional<model::FloatHistogram> correction;
    if (!HistogramResetCorrection(w, *b, *left, *right, &correction, &notes)) return {};
    if (correction && !Combine(&result, *correction, true, &notes)) return {};
  }
  if (is_rate) model::HistogramDiv(&result, RangeSeconds(w));
  result.counter_reset_hint = model::CounterResetHint::kGauge;
  return RangeResult{true, 0, std::make_shared<const model::FloatHistogram>(model::HistogramCompact(result))};
}

// Whether every pair of neighbouring points in the window is a plain float increase (no
// reset, no start-time overlap), from the series' index: then the loop over the pairs would
// add nothing and warn of nothing. False when unknown.
bool OnlyPlainIncreases(const Window& w) {
  const LoadedSeries* s = w.series;
  if (s == nullptr || !s->pairs_indexed || w.points.size() < 2) return w.points.size() < 2;
  const Point* first = w.points.data();
  if (first < s->points.data() || first + w.points.size() > s->points.data() + s->points.size()) return false;
  const auto lo = static_cast<size_t>(first - s->points.data());
  const size_t hi = lo + w.points.size() - 1;  // last point's index; pairs (j-1, j) for j in (lo, hi]
  return s->irregular_pairs[hi] == s->irregular_pairs[lo];
}

RangeResult ExtrapolatedRate(const Window& w, const FunctionCall& fc, bool is_counter, bool is_rate) {
  if (HasHistograms(w) && HasFloats(w)) {
    MixedWarning(w, fc);
    return {};
  }
  if (w.anchored || w.smoothed) {
    if (HasHistograms(w)) return ExtendedHistogramRate(w, fc, is_counter, is_rate);
    return ExtendedRate(w, is_counter, is_rate);
  }
  if (HasHistograms(w)) return ExtrapolatedHistogramRate(w, fc, is_counter, is_rate);
  const auto& p = w.points;
  const bool from_start = StartsAtStartTimestamp(w, is_counter);
  if (p.size() < 2 && !from_start) return {};
  double result = p.back().f - p.front().f;
  if (is_counter && !OnlyPlainIncreases(w)) {
    bool overlap = false;  // warned once per series
    for (size_t i = 1; i < p.size(); ++i) {
      if (!overlap && StartTimeOverlaps(p[i - 1], p[i])) {
        fc.ctx->annotations->CountedWarn(StartTimeOverlapText(w), ArgPosition(*fc.call, 0));
        overlap = true;
      }
      if (FloatCounterReset(p[i - 1], p[i])) result += p[i - 1].f;
    }
  }
  if (from_start) result += p.front().f;  // counted up from zero at its start
  const double factor = ExtrapolationFactor(w, is_counter, is_rate, from_start, p.front().f, result);
  return Float(result * factor);
}
RangeResult FnRate(const Window& w, const FunctionCall& fc) {
  return ExtrapolatedRate(w, fc, true, true);
}
RangeResult FnIncrease(const Window& w, const FunctionCall& fc) {
  return ExtrapolatedRate(w, fc, true, false);
}
RangeResult FnDelta(const Window& w, const FunctionCall& fc) {
  return ExtrapolatedRate(w, fc, false, false);
}

// ExtrapolatedRate over every window of a float series without start timestamps, each with at
// least two points: the same steps without a Window, a call or a thread-local per window.
template <bool kCounter, bool kRate>
void RateFloatWindows(const FloatWindows& w, double* out) {
  TimingCache cache;
  const Point* p = w.points.data();
  const bool indexed = !w.irregular_pairs.empty();
  for (size_t k = 0; k < w.spans.size(); ++k) {
    const uint32_t lo = w.spans[k].lo, last = w.spans[k].hi - 1;
    double result = p[last].f - p[lo].f;
    if (kCounter && (!indexed || w.irregular_pairs[last] != w.irregular_pairs[lo])) {
      for (uint32_t i = lo + 1; i <= last; ++i) {
        if (FloatCounterReset(p[i - 1], p[i])) result += p[i - 1].f;
      }
    }
    const int64_t end = w.ends[k];
    const WindowTiming& t = cache.Of(p[lo].t - WrapSub(end, w.range), end - p[last].t, p[last].t - p[lo].t,
                                     last - lo + 1, w.range, kRate);
    out[k] = result * CounterFactor(t, kCounter, kRate, p[lo].f, result, w.range);
  }
}

// irate/idelta of two histograms: the later one minus the earlier (unless irate sees a
// reset), as a gauge histogram.
RangeResult InstantHistogramValue(const Window& w, const FunctionCall& fc, const Point& prev,
                                  const Point& last, bool is_rate) {
  RateNotes notes(w, fc);
  if (is_rate && (IsGauge(*last.h) || IsGauge(*prev.h))) notes.NotCounter();
  if (!is_rate && (!IsGauge(*last.h) || !IsGauge(*prev.h))) notes.NotGauge();
  model::FloatHistogram h = *last.h;
  if ((!is_rate || !HistogramCounterReset(prev, last)) && !Combine(&h, *prev.h, false, &notes)) {
    return {};
  }
  h.counter_reset_hint = model::CounterResetHint::kGauge;
  h = model::HistogramCompact(h);
  if (is_rate) model::HistogramDiv(&h, static_cast<double>(last.t - prev.t) / 1000);
  return RangeResult{true, 0, std::make_shared<const model::FloatHistogram>(std::move(h))};
}

RangeResult InstantValue(const Window& w, const FunctionCall& fc, bool is_rate) {
  if (w.points.size() < 2) return {};
  const Point& last = w.points[w.points.size() - 1];
  const Point& prev = w.points[w.points.size() - 2];
  if (last.t == prev.t) return {};
  if (last.h && prev.h) return InstantHistogramValue(w, fc, prev, last, is_rate);
  if (last.h || prev.h) {
    MixedWarning(w, fc);
    return {};
  }
  double v = is_rate && FloatCounterReset(prev, last) ? last.f : last.f - prev.f;
  if (is_rate) v /= static_cast<double>(last.t - prev.t) / 1000;
  return Float(v);
}
RangeResult FnIrate(const Window& w, const FunctionCall& fc) {
  return InstantValue(w, fc, true);
}
RangeResult FnIdelta(const Window& w, const FunctionCall& fc) {
  return InstantValue(w, fc, false);
}

// Least-squares fit with Kahan sums, x measured from `intercept_time`.
void LinearRegression(const std::vector<const Point*>& p, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  const double init_y = p[0]->f;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i]->f != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p[i]->t - intercept_time) / 1e3;
    KahanSumInc(x, &sx, &cx);
    KahanSumInc(p[i]->f, &sy, &cy);
    KahanSumInc(x * p[i]->f, &sxy, &cxy);
    KahanSumInc(x * x, &sx2, &cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sx += cx, sy += cy, sxy += cxy, sx2 += cx2;
  const double cov = sxy - sx * sy / n;
  const double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

std::vector<const Point*> FloatPoints(const Window& w, const FunctionCall& fc) {
  std::vector<const Point*> out;
  for (const Point& p : w.points) {
    if (!p.h) out.push_back(&p);
  }
  if (out.size() != w.points.size() && !out.empty()) IgnoredHistogramsInfo(w, fc);
  return out;
}

RangeResult FnDeriv(const Window& w, const FunctionCall& fc) {
  auto p = FloatPoints(w, fc);
  if (p.size() < 2) return {};
  double slope, intercept;
  LinearRegression(p, p[0]->t, &slope, &intercept);
  return Float(slope);
}

RangeResult FnPredictLinear(const Window& w, const FunctionCall& fc) {
  auto p = FloatPoints(w, fc);
  if (p.size() < 2) return {};
  double slope, intercept;
  LinearRegression(p, fc.ts, &slope, &intercept);
  return Float(slope * fc.scalars[1] + intercept);
}

RangeResult FnDoubleExponentialSmoothing(const Window& w, const FunctionCall& fc) {
  const double sf = fc.scalars[1], tf = fc.scalars[2];
  if (sf <= 0 || sf >= 1) {
    Fail(ErrorKind::kExecution,
         "invalid smoothing factor. Expected: 0 < sf < 1, got: " + model::FormatFloatPrec(sf, 'f', 6));
  }
  if (tf <= 0 || tf >= 1) {
    Fail(ErrorKind::kExecution,
         "invalid trend factor. Expected: 0 < tf < 1, got: " + model::FormatFloatPrec(tf, 'f', 6));
  }
  auto p = FloatPoints(w, fc);
  if (p.size() < 2) return {};
  double s0 = 0, s1 = p[0]->f, b = p[1]->f - p[0]->f;
  for (size_t i = 1; i < p.size(); ++i) {
    const double x = sf * p[i]->f;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return Float(s1);
}

// --- integral() (experimental) -----------------------------------------------------------------

// The quadrature rules of integral()'s second argument.
enum class IntegralRule { kLeftPoint = 0, kRightPoint = 1, kTrapezoidal = 2 };

// The rule asked for; anything but 0, 1 or 2 falls back to the trapezoidal default with a
// warning, as in Prometheus.
IntegralRule IntegralRuleOf(const FunctionCall& fc) {
  if (fc.call->args.size() < 2) return IntegralRule::kTrapezoidal;
  const double arg = fc.scalars[1];
  if (std::isnan(arg) || std::isinf(arg) || std::trunc(arg) != arg || arg < 0 || arg > 2) {
    fc.ctx->annotations->Warn(
        "strategy should be 0, 1, or 2 (default), using 2, got " + model::FormatFloat(arg, 'g'),
        fc.call->args[1]->pos);
    return IntegralRule::kTrapezoidal;
  }
  return static_cast<IntegralRule>(static_cast<int>(arg));
}

// The height of the rectangle between two neighbouring samples under `rule`, with its Kahan
// compensation. NaN counts as zero, so that the neighbouring values alone cover the gap.
void IntegralHeight(IntegralRule rule, double prev, double curr, double* value, double* c) {
  if (std::isnan(prev)) prev = 0;
  if (std::isnan(curr)) curr = 0;
  *value = 0, *c = 0;
  switch (rule) {
    case IntegralRule::kLeftPoint: *value = prev; return;
    case IntegralRule::kRightPoint: *value = curr; return;
    case IntegralRule::kTrapezoidal:
      if (prev == 0 && curr == 0) return;
      *value = prev;
      KahanSumInc(curr, value, c);
      if (std::isinf(*value) && !std::isinf(curr) && !std::isinf(prev)) {
        // Two finite samples whose sum overflows: halve them first.
        *value = prev / 2, *c = 0;
        KahanSumInc(curr / 2, value, c);
      } else {
        *value /= 2, *c /= 2;
      }
      return;
  }
}

// integral(v range-vector[, rule]): the area under the float samples of the window, in
// value-seconds; histograms are ignored (with an info when mixed with floats).
RangeResult FnIntegral(const Window& w, const FunctionCall& fc) {
  auto p = FloatPoints(w, fc);
  if (p.empty()) return {};
  const IntegralRule rule = IntegralRuleOf(fc);
  double sum = 0, c = 0;
  for (size_t i = 1; i < p.size(); ++i) {
    double value, value_c;
    IntegralHeight(rule, p[i - 1]->f, p[i]->f, &value, &value_c);
    // Like Prometheus, only non-zero heights are added (a zero would still reset the
    // compensation of an infinite sum).
    if (value == 0 && value_c == 0) continue;
    const double dt = static_cast<double>(p[i]->t - p[i - 1]->t) / 1000;
    double step_c = c + value_c * dt;
    KahanSumInc(value * dt, &sum, &step_c);
    c = step_c;
  }
  return Float(std::isinf(sum) ? sum : sum + c);
}

}  // namespace

bool IrregularPair(const Point& prev, const Point& cur) {
  return cur.h || prev.h || FloatCounterReset(prev, cur) || StartTimeOverlaps(prev, cur);
}

WindowIndexBuilder::WindowIndexBuilder(LoadedSeries* ls, bool pairs) : ls_(ls), pairs_(pairs) {
  ls->points.clear();
  ls->irregular_pairs.clear();
}

void WindowIndexBuilder::Add(Point p) {
  if (IsStale(p)) return;
  std::vector<Point>& points = ls_->points;
  if (pairs_) {
    if (!points.empty() && IrregularPair(points.back(), p)) ++irregular_;
    ls_->irregular_pairs.push_back(irregular_);
  }
  (p.h ? has_histograms_ : has_floats_) = true;
  points.push_back(std::move(p));
}

void WindowIndexBuilder::AddFloats(const int64_t* t, const double* v, size_t n) {
  std::vector<Point>& points = ls_->points;
  const size_t old = points.size();
  points.resize(old + n);
  if (pairs_) ls_->irregular_pairs.resize(old + n);
  Point* p = points.data();
  uint32_t* pairs = ls_->irregular_pairs.data();
  size_t size = old;
  uint32_t irregular = irregular_;
  for (size_t i = 0; i < n; ++i) {
    if (model::IsStaleNaN(v[i])) continue;
    if (pairs_) {
      // What IrregularPair says of a float without a start timestamp.
      if (size > 0 && (p[size - 1].h || v[i] < p[size - 1].f)) ++irregular;
      pairs[size] = irregular;
    }
    p[size].t = t[i];
    p[size].f = v[i];
    ++size;
  }
  points.resize(size);
  if (pairs_) ls_->irregular_pairs.resize(size);
  irregular_ = irregular;
  if (size > old) has_floats_ = true;
}

void WindowIndexBuilder::Finish() {
  ls_->has_histograms = has_histograms_;
  ls_->has_floats = has_floats_;
  ls_->indexed = true;
  ls_->pairs_indexed = pairs_;
}

void PrepareForWindows(LoadedSeries* ls, bool pairs) {
  std::vector<Point> read = std::move(ls->points);
  ls->points.reserve(read.size());
  WindowIndexBuilder b(ls, pairs);
  for (Point& p : read) b.Add(std::move(p));
  b.Finish();
}

bool ReadsPairIndex(std::string_view function) {
  return function == "rate" || function == "increase";  // OnlyPlainIncreases, for counters
}

FloatWindowsFunction FindRateWindowsFunction(std::string_view name) {
  if (name == "rate") return {RateFloatWindows<true, true>, 2, true};
  if (name == "increase") return {RateFloatWindows<true, false>, 2, true};
  if (name == "delta") return {RateFloatWindows<false, false>, 2, true};
  return {};
}

RangeFunction FindRateFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, RangeFunction>{
      {"changes", FnChanges},
      {"resets", FnResets},
      {"rate", FnRate},
      {"increase", FnIncrease},
      {"delta", FnDelta},
      {"irate", FnIrate},
      {"idelta", FnIdelta},
      {"deriv", FnDeriv},
      {"predict_linear", FnPredictLinear},
      {"double_exponential_smoothing", FnDoubleExponentialSmoothing},
      {"integral", FnIntegral},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

std::vector<Point> ExtendFloats(std::span<const Point> f, int64_t range_start, int64_t range_end,
                                bool smoothed) {
  std::vector<Point> out;
  const std::optional<BoundaryIndexes> b = FindBoundaries(f, range_start, range_end, smoothed);
  if (!b) return out;
  // Not taken for a counter (Prometheus cannot tell yet), so start timestamps play no part.
  const double left = LeftBoundary(f, b->first, range_start, range_start, smoothed, false).f;
  const double right = RightBoundary(f, b->last, range_end, range_start, smoothed, false).f;
  const auto [from, to] = InnerSamples(f, *b, range_start, range_end);
  out.push_back({range_start, left, nullptr});
  for (size_t i = from; i < to; ++i) out.push_back(f[i]);
  out.push_back({range_end, right, nullptr});
  return out;
}

double InterpolateFloats(const Point& p1, const Point& p2, int64_t t, bool is_counter) {
  double y1 = p1.f;
  const double y2 = p2.f;
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - p1.t) / static_cast<double>(p2.t - p1.t);
}

InterpolatedHistogram InterpolateHistograms(const Point& p1, const Point& p2, int64_t t, bool is_counter) {
  InterpolatedHistogram out;
  if (t == p1.t) {
    out.h = *p1.h;
    return out;
  }
  if (t == p2.t) {
    out.h = *p2.h;
    return out;
  }
  const double fraction = static_cast<double>(t - p1.t) / static_cast<double>(p2.t - p1.t);
  model::FloatHistogram h = *p2.h;
  if (is_counter && model::HistogramDetectReset(*p2.h, *p1.h)) {
    model::HistogramMul(&h, fraction);  // restarted from zero
    out.h = std::move(h);
    return out;
  }
  model::HistogramOpResult r = model::HistogramSub(&h, *p1.h);
  FailOnInvalidLayout(r);
  if (!r.ok()) return out;
  out.sub_reconciled = r.nhcb_bounds_reconciled;
  model::HistogramMul(&h, fraction);
  r = model::HistogramAdd(&h, *p1.h);
  FailOnInvalidLayout(r);
  if (!r.ok()) return out;
  out.add_reconciled = r.nhcb_bounds_reconciled;
  out.h = std::move(h);
  return out;
}

}  // namespace promref::promql::internal
