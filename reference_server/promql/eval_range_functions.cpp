// Range functions (rate, avg_over_time, ...) over the windows of a matrix selector or a
// subquery, one series at a time (Prometheus' engine: the matrix-argument loop of its eval).
//
// A selector's series are read on the prefetcher's thread (series_prefetcher.h). For the
// functions whose windows over a float series depend on the points alone
// (PureOnFloatWindows), that thread may also evaluate the windows of the series it has just
// read, while the evaluating thread still has others waiting: the answer is the same on
// either thread, and both stay busy.

#include <algorithm>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/go_strconv.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/window_sums.h"

namespace promref::promql::internal {
namespace {

// A subquery feeding a range function keeps no explicit counter reset hints (Prometheus'
// evalSubquery): its steps may skip the sample that reset or repeat it, so only the values
// can tell a reset, as for floats.
void ForgetCounterResetHints(std::vector<LoadedSeries>* series) {
  for (LoadedSeries& ls : *series) {
    for (Point& p : ls.points) {
      if (!p.h || (p.h->counter_reset_hint != model::CounterResetHint::kCounterReset &&
                   p.h->counter_reset_hint != model::CounterResetHint::kNotCounterReset)) {
        continue;
      }
      auto h = std::make_shared<model::FloatHistogram>(*p.h);
      h->counter_reset_hint = model::CounterResetHint::kUnknown;
      p.h = std::move(h);
    }
  }
}

// What a range function's windows are, step by step, for one call.
struct WindowShape {
  int64_t start = 0, end = 0, interval = 0;
  std::vector<int64_t> refs;  // each step's reference time (@ and offset applied)
  int64_t range = 0;
  bool anchored = false, smoothed = false;
  // Extended range selectors read one lookback delta before the range (anchored, smoothed)
  // and after it (smoothed).
  int64_t extend_before = 0, extend_after = 0;
  int64_t lookback = 0;
  bool start_timestamps = false;  // whether a selector's points carry their start timestamps
  // Each step's window holds the points in (lows[step], highs[step]]: the range extended by
  // extend_before and extend_after, computed once for all series.
  std::vector<int64_t> lows, highs;

  void SetBounds() {
    lows.clear();
    highs.clear();
    for (int64_t ref : refs) {
      lows.push_back(WrapSub(WrapSub(ref, range), extend_before));
      highs.push_back(WrapAdd(ref, extend_after));
    }
  }
};

// Moves the window [*lo, *hi) of points p[0, size) forward to (low, high]. Both ends only move
// forward, so a series' windows at every step cost one pass over its points.
inline void MoveWindow(const Point* p, size_t size, int64_t low, int64_t high, size_t* lo, size_t* hi) {
  while (*hi < size && p[*hi].t <= high) ++*hi;
  while (*lo < *hi && p[*lo].t <= low) ++*lo;
}

// Evaluates one call's function over the windows of one series at every step. Holds scratch
// space, so each thread has its own.
class RangeWindows {
 public:
  // `fn` null: absent_over_time (a 1 wherever a window holds a point). `batch`: the function
  // over all of a float series' windows at once, if it has that form. `scalar_args`: the
  // call's scalar arguments by index, evaluated at every step.
  RangeWindows(const WindowShape* shape, RangeFunction fn, FloatWindowsFunction batch,
               const std::vector<Matrix>* scalar_args, size_t matrix_arg)
      : shape_(shape), fn_(fn), batch_(batch), scalar_args_(scalar_args), matrix_arg_(matrix_arg) {}

  // Appends the function's value at each step whose window holds a point to `out`.
  void Run(const LoadedSeries& ls, FunctionCall* fc, Series* out);

 private:
  // Run through the batch form, for a float series. Its loops write through raw pointers
  // into vectors sized beforehand: push_back would reload each vector's end at every step,
  // as its own stores might have changed it.
  void RunBatch(const LoadedSeries& ls, Series* out);
  // Moves the window [lo_, hi_) to step `step`: the points in (lows[step], highs[step]].
  // Whether it holds any.
  bool MoveTo(const std::vector<Point>& p, size_t step) {
    MoveWindow(p.data(), p.size(), shape_->lows[step], shape_->highs[step], &lo_, &hi_);
    return lo_ != hi_;
  }

  const WindowShape* shape_;
  RangeFunction fn_;
  FloatWindowsFunction batch_;
  const std::vector<Matrix>* scalar_args_;
  size_t matrix_arg_;

  size_t lo_ = 0, hi_ = 0;
  std::vector<WindowSpan> spans_;
  std::vector<int64_t> span_steps_, span_ends_;
  std::vector<double> span_values_;
};

void RangeWindows::Run(const LoadedSeries& ls, FunctionCall* fc, Series* out) {
  const WindowShape& shape = *shape_;
  lo_ = hi_ = 0;
  if (batch_ && !ls.has_histograms && !(batch_.reads_start_timestamps && shape.start_timestamps)) {
    RunBatch(ls, out);
    return;
  }
  Window w;
  w.series = &ls;
  w.range = shape.range;
  w.anchored = shape.anchored;
  w.smoothed = shape.smoothed;
  size_t step = 0;
  for (int64_t ts = shape.start; ts <= shape.end; ts += shape.interval, ++step) {
    if (!MoveTo(ls.points, step)) continue;
    if (fn_ == nullptr) {  // absent_over_time: presence is what counts
      out->floats.push_back({ts, 1});
      continue;
    }
    w.points = std::span<const Point>(ls.points.data() + lo_, hi_ - lo_);
    w.range_end = shape.refs[step];
    w.range_start = WrapSub(w.range_end, shape.range);
    w.lookback_start = WrapSub(w.range_start, shape.lookback);
    fc->ts = ts;
    for (size_t i = 0; i < scalar_args_->size(); ++i) {
      if (i != matrix_arg_) fc->scalars[i] = (*scalar_args_)[i][0].floats[step].f;
    }
    RangeResult r = fn_(w, *fc);
    if (r.present) AddPoint(out, ts, r.f, r.h);
  }
}

void RangeWindows::RunBatch(const LoadedSeries& ls, Series* out) {
  const WindowShape& shape = *shape_;
  const size_t steps = shape.refs.size();
  spans_.resize(steps);
  span_steps_.resize(steps);
  span_ends_.resize(steps);
  WindowSpan* spans = spans_.data();
  int64_t* at = span_steps_.data();
  int64_t* ends = span_ends_.data();
  const Point* p = ls.points.data();
  const size_t size = ls.points.size();
  size_t lo = 0, hi = 0, n = 0;
  int64_t ts = shape.start;
  for (size_t step = 0; step < steps; ++step, ts += shape.interval) {
    MoveWindow(p, size, shape.lows[step], shape.highs[step], &lo, &hi);  // on locals, kept in registers
    if (hi - lo < batch_.min_points) continue;
    spans[n] = {static_cast<uint32_t>(lo), static_cast<uint32_t>(hi)};
    at[n] = ts;
    ends[n] = shape.refs[step];
    ++n;
  }
  span_values_.resize(n);
  FloatWindows windows{ls.points, {spans, n}, {ends, n}, shape.range, {}};
  if (ls.pairs_indexed) windows.irregular_pairs = ls.irregular_pairs;
  batch_.fn(windows, span_values_.data());
  const size_t old = out->floats.size();
  out->floats.resize(old + n);
  FPoint* o = out->floats.data() + old;
  for (size_t k = 0; k < n; ++k) o[k] = {at[k], span_values_[k]};
}

// Prometheus' info annotation for rate() and increase() of a metric whose name does not say
// it is a counter.
void NoteNotCounterName(const Call& c, size_t matrix_arg, const model::Labels& labels, QueryContext* ctx) {
  const std::string_view metric = labels.MetricName();
  if (!metric.empty() && !metric.ends_with("_total") && !metric.ends_with("_sum") &&
      !metric.ends_with("_count") && !metric.ends_with("_bucket")) {
    ctx->annotations->Info(
        "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: " +
            model::GoQuote(metric),
        ArgPosition(c, matrix_arg));
  }
}

}  // namespace

void Evaluator::ForEachRangeFunctionSeries(const Call& c, size_t matrix_arg,
                                           const std::function<void(Series&)>& emit) {
  const std::string& name = c.func->name;
  RangeFunction fn = FindRangeFunction(name);
  if (fn == nullptr && name != "absent_over_time") {
    Fail(ErrorKind::kExecution, "function \"" + name + "\" is not supported yet");
  }
  // Scalar arguments, step by step.
  std::vector<Matrix> scalar_args(c.args.size());
  FunctionCall fc = NewFunctionCall(c, ctx_);
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i != matrix_arg) scalar_args[i] = Eval(*c.args[i]);
  }

  const Expr& arg = Unwrap(*c.args[matrix_arg]);
  const VectorSelector* selector = nullptr;  // a matrix selector's, read series by series
  std::vector<LoadedSeries> series;          // or a subquery's points
  const TimeModifiers* mods;
  WindowShape shape;
  if (arg.kind == NodeKind::kMatrixSelector) {
    const auto& m = As<MatrixSelector>(arg);
    const auto& vs = As<VectorSelector>(*m.vector_selector);
    mods = &vs.mods;
    shape.range = RangeOf(m);
    shape.anchored = vs.anchored;
    shape.smoothed = vs.smoothed;
    if (shape.anchored && name != "changes" && name != "delta" && name != "increase" && name != "rate" &&
        name != "resets") {
      Fail(ErrorKind::kExecution,
           "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with " +
               name);
    }
    if (shape.smoothed && name != "delta" && name != "increase" && name != "rate") {
      Fail(ErrorKind::kExecution,
           "smoothed modifier can only be used with: delta, increase, rate - not with " + name);
    }
    if (shape.anchored || shape.smoothed) shape.extend_before = ctx_->lookback;
    if (shape.smoothed) shape.extend_after = ctx_->lookback;
    selector = &vs;
  } else {
    const auto& sq = As<SubqueryExpr>(arg);
    mods = &sq.mods;
    shape.range = sq.range_expr ? EvalDurationExpr(*sq.range_expr, *ctx_) : sq.range;
    series = EvalSubqueryPoints(sq);
    ForgetCounterResetHints(&series);
  }
  shape.start = start_;
  shape.end = end_;
  shape.interval = interval_;
  shape.lookback = ctx_->lookback;
  shape.refs.reserve(static_cast<size_t>(NumSteps()));
  for (int64_t ts = start_; ts <= end_; ts += interval_) shape.refs.push_back(RefTime(*mods, ts));
  shape.SetBounds();

  const bool keep_name = RangeFunctionKeepsName(name);
  const bool delayed = ctx_->delayed_name_removal;
  const bool pair_index = ReadsPairIndex(name);
  const bool rate_like = name == "rate" || name == "increase";
  const int64_t reach = shape.range + shape.extend_before + shape.extend_after;
  // sum_over_time, avg_over_time and rate-like functions of a float series: all its windows
  // at once.
  shape.start_timestamps = selector != nullptr && ctx_->options->use_start_timestamps;
  const FloatWindowsFunction batch = shape.extend_before == 0 && shape.extend_after == 0
                                         ? FindFloatWindowsFunction(name)
                                         : FloatWindowsFunction{};
  RangeWindows windows(&shape, fn, batch, &scalar_args, matrix_arg);

  auto evaluate = [&](LoadedSeries& ls) {
    // A subquery's points; a selector's come ready from ForEachSelected.
    if (!ls.indexed) PrepareForWindows(&ls, pair_index);
    Series s{{}, {}, {}, ls.drop_name};
    if (keep_name) {
      s.metric = ls.labels;
    } else {
      SetMetricWithoutName(&s, ls.labels, delayed);
    }
    if (ls.evaluated) {
      s.floats = std::move(ls.evaluated_points);
      ls.evaluated = false;
    } else {
      s.floats.reserve(StepsReached(ls.points.size(), reach));
      windows.Run(ls, &fc, &s);
    }
    if (rate_like && !s.floats.empty()) NoteNotCounterName(c, matrix_arg, ls.labels, ctx_);
    if (!s.floats.empty() || !s.histograms.empty()) emit(s);
  };
  if (selector == nullptr) {
    for (LoadedSeries& ls : series) evaluate(ls);
    return;
  }
  // The loading thread's own windows and call, for the series it evaluates ahead.
  RangeWindows ahead_windows = windows;
  FunctionCall ahead_fc = fc;
  const bool pure = fn != nullptr && PureOnFloatWindows(name) && !shape.anchored && !shape.smoothed &&
                    !ctx_->options->use_start_timestamps;
  auto ahead = [&](LoadedSeries* ls) {
    if (ls->has_histograms) return;
    Series out;
    out.floats.reserve(StepsReached(ls->points.size(), reach));
    ahead_windows.Run(*ls, &ahead_fc, &out);
    ls->evaluated_points = std::move(out.floats);
    ls->evaluated = true;
  };
  ForEachSelected(*selector, WrapSub(WrapSub(RefTime(*mods, start_), shape.range), shape.extend_before),
                  WrapAdd(RefTime(*mods, end_), shape.extend_after), evaluate, pair_index,
                  pure ? std::function<void(LoadedSeries*)>(ahead) : nullptr);
}

DistinctLabelsets::DistinctLabelsets(const Call& c, size_t matrix_arg, const QueryContext& ctx)
    : check_(!ctx.delayed_name_removal && !(RangeFunctionKeepsName(c.func->name) &&
                                            Unwrap(*c.args[matrix_arg]).kind == NodeKind::kMatrixSelector)) {}

bool DistinctLabelsets::MaybeDuplicates() {
  std::sort(hashes_.begin(), hashes_.end());
  return std::adjacent_find(hashes_.begin(), hashes_.end()) != hashes_.end();
}

void DistinctLabelsets::Check(const Matrix& series) {
  std::unordered_set<model::Labels, model::LabelsHash> seen;
  for (const Series& s : series) {
    if (!seen.insert(s.metric).second)
      Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
  }
}

Matrix Evaluator::EvalRangeFunction(const Call& c, size_t matrix_arg) {
  const std::string& name = c.func->name;
  Matrix out;
  int64_t n = 0;
  ForEachRangeFunctionSeries(c, matrix_arg, [&](Series& s) {
    n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
    out.push_back(std::move(s));
  });

  if (name == "absent_over_time") {
    // One series with 1 at every step where no input series had a sample in its window.
    const int steps = NumSteps();
    std::vector<bool> found(static_cast<size_t>(steps), false);
    for (const Series& s : out) {
      for (const FPoint& p : s.floats) found[static_cast<size_t>((p.t - start_) / interval_)] = true;
    }
    Series absent{LabelsForAbsent(Unwrap(*c.args[matrix_arg])), {}, {}, false};
    for (int i = 0; i < steps; ++i) {
      if (!found[static_cast<size_t>(i)]) absent.floats.push_back({start_ + i * interval_, 1});
    }
    if (absent.floats.empty()) return {};
    return Matrix{std::move(absent)};
  }

  DistinctLabelsets distinct(c, matrix_arg, *ctx_);
  for (const Series& s : out) distinct.Add(s.metric);
  if (distinct.MaybeDuplicates()) DistinctLabelsets::Check(out);
  ctx_->AddSamples(n);
  return out;
}

}  // namespace promref::promql::internal
