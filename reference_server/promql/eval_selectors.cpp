// Selectors and range windows: instant vector selectors with lookback, timestamp() of a
// selector, and a range vector as a query's result (Prometheus' engine: VectorSelector,
// MatrixSelector).

#include <algorithm>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/histogram_stats_decoding.h"
#include "promql/internal/histogram_sum.h"
#include "promql/internal/series_prefetcher.h"

namespace promref::promql::internal {

namespace {

// Reads the samples of `it` in (mint, maxt] into ls->points, through `windows` when set; how
// many were read (stale markers included).
size_t ReadPoints(storage::SampleIterator* it, int64_t mint, int64_t maxt, bool with_st, LoadedSeries* ls,
                  WindowIndexBuilder* windows) {
  constexpr size_t kBatch = 256;
  int64_t batch_t[kBatch];
  double batch_v[kBatch];
  size_t read = 0;
  storage::ValueType vt = it->Seek(WrapAdd(mint, 1));
  while (vt != storage::ValueType::kNone) {
    const int64_t t = it->AtT();
    if (t > maxt) break;
    if (t <= mint) {
      vt = it->Next();
      continue;
    }
    if (vt == storage::ValueType::kFloat && !with_st) {
      // A run of floats at once: one virtual call per batch instead of three per sample.
      const size_t n = it->ReadFloats(maxt, kBatch, batch_t, batch_v, &vt);
      read += n;
      if (windows != nullptr) {
        windows->AddFloats(batch_t, batch_v, n);
      } else {
        for (size_t i = 0; i < n; ++i) ls->points.push_back({batch_t[i], batch_v[i], nullptr, 0});
      }
      continue;  // vt: the sample after the run, not read yet
    }
    Point p{t, 0, nullptr, with_st ? it->AtStartTimestamp() : 0};
    if (vt == storage::ValueType::kFloat) {
      p.f = it->AtFloat();
    } else {
      p.h = std::make_shared<const model::FloatHistogram>(it->AtHistogram());
    }
    ++read;
    if (windows != nullptr) {
      windows->Add(std::move(p));
    } else {
      ls->points.push_back(std::move(p));
    }
    vt = it->Next();
  }
  return read;
}

}  // namespace

void Evaluator::ForEachSelected(const VectorSelector& vs, int64_t mint, int64_t maxt,
                                const std::function<void(LoadedSeries&)>& fn, std::optional<bool> for_range,
                                std::function<void(LoadedSeries*)> ahead) {
  if (maxt < mint) return;
  storage::SelectHints hints;
  hints.start = WrapAdd(mint, 1);
  hints.end = maxt;
  hints.step = interval_;
  // Unsorted, as Prometheus' engine asks: a single partition (the head) gives its series in
  // creation order, which is the order of an instant vector's result and what `limit` keeps;
  // several partitions are merged in label order.
  const bool with_st = ctx_->options->use_start_timestamps;
  const bool stats_only = vs.histogram_stats_only;
  // Runs on the prefetcher's thread for large selections: storage reads only.
  auto load = [mint, maxt, with_st, stats_only, for_range](const storage::Series& s,
                                                           LoadedSeries* ls) -> Status {
    ls->labels = s.labels();
    ls->drop_name = false;
    ls->indexed = ls->pairs_indexed = ls->evaluated = false;
    // For a range function the points are readied for its windows as they are read (stale
    // markers dropped, pairs indexed), unless histograms are to be read as their statistics,
    // which needs every sample read first.
    const bool index_as_read = for_range && !stats_only;
    std::optional<WindowIndexBuilder> windows;
    if (index_as_read) {
      windows.emplace(ls, *for_range);
    } else {
      ls->points.clear();
    }
    auto it = s.Iterator();
    ls->read_points = ReadPoints(it.get(), mint, maxt, with_st, ls, windows ? &*windows : nullptr);
    if (Status st = it->Err(); !st.ok()) return st;
    if (windows) {
      windows->Finish();
      return {};
    }
    if (stats_only) ToHistogramStats(&ls->points);
    if (for_range) PrepareForWindows(ls, *for_range);
    return {};
  };
  SeriesPrefetcher series(ctx_->querier->Select(false, hints, vs.matchers), load, std::move(ahead),
                          ctx_->options->evaluate_ahead == EvaluateAhead::kAlways);
  int64_t n = 0;
  Status err;
  while (LoadedSeries* ls = series.Next(&err)) {
    ctx_->CheckExpanding();
    // Loaded points count towards the limit until the selection is done; the results are
    // what is counted after that.
    n += static_cast<int64_t>(ls->read_points);
    ctx_->AddSamples(static_cast<int64_t>(ls->read_points));
    fn(*ls);
  }
  if (!err.ok()) Fail(ErrorKind::kInternal, err.error().message());
  ctx_->current_samples -= n;
}

std::vector<LoadedSeries> Evaluator::Select(const VectorSelector& vs, int64_t mint, int64_t maxt) {
  std::vector<LoadedSeries> out;
  ForEachSelected(vs, mint, maxt, [&](LoadedSeries& ls) { out.push_back(std::move(ls)); });
  return out;
}

size_t Evaluator::StepsReached(size_t points, int64_t window) const {
  const auto steps = static_cast<size_t>(NumSteps());
  const auto per_point = static_cast<size_t>(window / interval_) + 1;
  return per_point >= steps ? steps : std::min(steps, points * per_point);
}

Matrix Evaluator::EvalVectorSelector(const VectorSelector& vs) {
  if (vs.smoothed) return EvalSmoothedSelector(vs);
  const int64_t lookback = ctx_->lookback;
  Matrix out;
  int64_t n = 0;
  const int64_t mint = WrapSub(RefTime(vs.mods, start_), lookback);
  const int64_t maxt = RefTime(vs.mods, end_);
  ForEachSelected(vs, mint, maxt, [&](LoadedSeries& ls) {
    Series s{ls.labels, {}, {}, false};
    s.floats.reserve(StepsReached(ls.points.size(), lookback));
    size_t cursor = 0;  // points[cursor-1] is the newest at or before the reference time
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = RefTime(vs.mods, ts);
      while (cursor < ls.points.size() && ls.points[cursor].t <= ref) ++cursor;
      if (cursor == 0) continue;
      const Point& p = ls.points[cursor - 1];
      if (p.t <= WrapSub(ref, lookback) || IsStale(p)) continue;  // left-open lookback window (3.x)
      AddPoint(&s, ts, p.f, p.h);
    }
    if (!s.floats.empty() || !s.histograms.empty()) {
      n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
      out.push_back(std::move(s));
    }
  });
  ctx_->AddSamples(n);
  return out;
}

namespace {

// The value of a smoothed selector from a series' samples within a lookback delta either side
// of the reference time (Prometheus' smoothSeries): the sample at it, else the value
// interpolated between the samples around it, else the last sample carried forward. nullopt
// (with a warning where Prometheus gives one) when there is none.
class SmoothedValue {
 public:
  SmoothedValue(const LoadedSeries& ls, const VectorSelector& vs, AnnotationSet* annotations)
      : ls_(ls), vs_(vs), annotations_(annotations) {}

  std::optional<Point> At(std::span<const Point> window, int64_t ref) const {
    if (window.empty()) return std::nullopt;
    const bool histograms = window.front().h != nullptr;
    if (std::any_of(window.begin(), window.end(),
                    [&](const Point& p) { return (p.h != nullptr) != histograms; })) {
      Warn("encountered a mix of histograms and floats for metric name " + model::GoQuote(Name()));
      return std::nullopt;
    }
    const auto next =
        std::partition_point(window.begin(), window.end(), [&](const Point& p) { return p.t < ref; });
    if (next != window.end() && next->t == ref) return *next;
    if (next == window.begin()) return std::nullopt;  // nothing before ref yet
    const Point& prev = *(next - 1);
    if (next == window.end()) return CarriedForward(prev);
    if (!histograms) return Point{ref, InterpolateFloats(prev, *next, ref, false), nullptr};
    return InterpolatedHistogram(prev, *next, ref);
  }

 private:
  // The hint describes a sample's relation to the one before it, which a carried value lacks.
  static Point CarriedForward(const Point& prev) {
    if (!prev.h) return prev;
    auto h = std::make_shared<model::FloatHistogram>(*prev.h);
    h->counter_reset_hint = model::CounterResetHint::kUnknown;
    return Point{prev.t, 0, std::move(h)};
  }

  // A counter unless both samples say gauge.
  std::optional<Point> InterpolatedHistogram(const Point& prev, const Point& next, int64_t ref) const {
    if (prev.h->UsesCustomBuckets() != next.h->UsesCustomBuckets()) {
      Warn(MixedSchemasText(Name()));
      return std::nullopt;
    }
    const bool is_counter = prev.h->counter_reset_hint != model::CounterResetHint::kGauge ||
                            next.h->counter_reset_hint != model::CounterResetHint::kGauge;
    internal::InterpolatedHistogram r = InterpolateHistograms(prev, next, ref, is_counter);
    if (r.sub_reconciled) annotations_->Info(ReconciledBucketsText("subtraction"), vs_.pos);
    if (r.add_reconciled) annotations_->Info(ReconciledBucketsText("addition"), vs_.pos);
    if (!r.h) {
      Warn(MixedSchemasText(Name()));
      return std::nullopt;
    }
    return Point{ref, 0, std::make_shared<const model::FloatHistogram>(std::move(*r.h))};
  }

  std::string_view Name() const { return ls_.labels.MetricName(); }
  void Warn(const std::string& text) const { annotations_->Warn(text, vs_.pos); }

  const LoadedSeries& ls_;
  const VectorSelector& vs_;
  AnnotationSet* annotations_;
};

}  // namespace

Matrix Evaluator::EvalSmoothedSelector(const VectorSelector& vs) {
  const int64_t lookback = ctx_->lookback;
  Matrix out;
  int64_t n = 0;
  const int64_t mint = WrapSub(RefTime(vs.mods, start_), lookback);
  const int64_t maxt = WrapAdd(RefTime(vs.mods, end_), lookback);
  ForEachSelected(vs, mint, maxt, [&](LoadedSeries& ls) {
    std::erase_if(ls.points, IsStale);  // as in a range window
    Series s{ls.labels, {}, {}, false};
    const SmoothedValue value(ls, vs, ctx_->annotations);
    const std::span<const Point> points = ls.points;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = RefTime(vs.mods, ts);
      auto after = [&](int64_t t) {
        return std::partition_point(points.begin(), points.end(), [&](const Point& p) { return p.t <= t; });
      };
      const std::optional<Point> p =
          value.At({after(WrapSub(ref, lookback)), after(WrapAdd(ref, lookback))}, ref);
      if (p) AddPoint(&s, ts, p->f, p->h);
    }
    if (!s.floats.empty() || !s.histograms.empty()) {
      n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
      out.push_back(std::move(s));
    }
  });
  ctx_->AddSamples(n);
  return out;
}

Matrix Evaluator::EvalTimestampOfSelector(const Call& c, const VectorSelector& vs) {
  const int64_t lookback = ctx_->lookback;
  // start_timestamp() answers the sample's start timestamp (0 when unknown), and nothing at all
  // when the engine does not use start timestamps.
  const bool start = c.func->name == "start_timestamp";
  std::vector<LoadedSeries> series =
      Select(vs, WrapSub(RefTime(vs.mods, start_), lookback), RefTime(vs.mods, end_));
  Matrix out;
  for (LoadedSeries& ls : series) {
    Series s{ls.labels, {}, {}, false};
    DropMetricName(&s, ctx_->delayed_name_removal);
    size_t cursor = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = RefTime(vs.mods, ts);
      while (cursor < ls.points.size() && ls.points[cursor].t <= ref) ++cursor;
      if (cursor == 0) continue;
      const Point& p = ls.points[cursor - 1];
      if (p.t <= WrapSub(ref, lookback) || IsStale(p)) continue;
      s.floats.push_back({ts, static_cast<double>(start ? p.st : p.t) / 1000.0});
    }
    if (!s.floats.empty()) out.push_back(std::move(s));
  }
  ctx_->AddSamples(static_cast<int64_t>(out.size()) * NumSteps());
  if (start && !ctx_->options->use_start_timestamps) return {};
  return out;
}

Matrix Evaluator::EvalRangeVectorAtStart(const Expr& e) {
  Matrix out;
  if (e.kind == NodeKind::kMatrixSelector) {
    const auto& m = As<MatrixSelector>(e);
    const auto& vs = As<VectorSelector>(*m.vector_selector);
    const int64_t ref = RefTime(vs.mods, start_);
    const int64_t range = RangeOf(m);
    const bool extended = vs.anchored || vs.smoothed;
    const int64_t before = extended ? ctx_->lookback : 0;
    const int64_t after = vs.smoothed ? ctx_->lookback : 0;
    for (LoadedSeries& ls : Select(vs, WrapSub(WrapSub(ref, range), before), WrapAdd(ref, after))) {
      Series s{std::move(ls.labels), {}, {}, false};
      std::erase_if(ls.points, IsStale);
      if (extended) {
        for (const Point& p : ls.points) {
          if (p.h) {
            Fail(ErrorKind::kExecution, std::string(vs.anchored ? "anchored" : "smoothed") +
                                            " modifier is not supported with histograms");
          }
        }
        ls.points = ExtendFloats(ls.points, WrapSub(ref, range), ref, vs.smoothed);
      }
      for (const Point& p : ls.points) AddPoint(&s, p.t, p.f, p.h);
      if (!s.floats.empty() || !s.histograms.empty()) out.push_back(std::move(s));
    }
  } else {
    for (LoadedSeries& ls : EvalSubqueryPoints(As<SubqueryExpr>(e))) {
      Series s{std::move(ls.labels), {}, {}, ls.drop_name};
      for (const Point& p : ls.points) AddPoint(&s, p.t, p.f, p.h);
      if (!s.floats.empty() || !s.histograms.empty()) out.push_back(std::move(s));
    }
  }
  int64_t n = 0;
  for (const Series& s : out) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  ctx_->AddSamples(n);
  return out;
}

}  // namespace promref::promql::internal
