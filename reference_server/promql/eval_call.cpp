// Function calls: argument evaluation, element-wise functions, and range functions over the
// windows of a matrix selector or subquery (Prometheus' engine: Call, rangeEval, and the
// matrix-argument loop of its eval).

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

// --- Function calls ----------------------------------------------------------------------------

namespace {

// A scalar argument's value at a step.
// A call's argument slots, empty, sized to its arguments.
FunctionCall NewFunctionCall(const Call& c, QueryContext* ctx) {
  FunctionCall fc;
  fc.call = &c;
  fc.ctx = ctx;
  fc.vectors.assign(c.args.size(), nullptr);
  fc.scalars.assign(c.args.size(), 0);
  fc.strings.assign(c.args.size(), "");
  return fc;
}

double ScalarAt(const Matrix& m, size_t step) {
  return m.empty() || m[0].floats.size() <= step ? std::nan("") : m[0].floats[step].f;
}

// An element-wise function over the vector argument at one step.
Vector ApplyElementwise(ElementwiseFunction f, const FunctionCall& fc) {
  Vector out;
  for (const Sample& s : *fc.vectors[0]) {
    if (s.h) continue;
    const std::optional<double> v = f(s.f, fc);
    if (!v) continue;
    Sample o = s;
    o.f = *v;
    DropMetricName(&o, fc.ctx->delayed_name_removal);
    out.push_back(std::move(o));
  }
  return out;
}

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

}  // namespace

std::optional<Matrix> Evaluator::EvalElementwise(ElementwiseFunction f, const std::vector<Matrix>& args,
                                                 FunctionCall* fc) {
  std::unordered_set<model::Labels, model::LabelsHash> seen;
  Matrix out;
  int64_t n = 0;
  for (const Series& s : args[0]) {
    ctx_->CheckInterrupt("expression evaluation");
    Series o{s.metric, {}, {}, s.drop_name};
    DropMetricName(&o, ctx_->delayed_name_removal);
    if (!seen.insert(o.metric).second) return std::nullopt;
    for (const FPoint& p : s.floats) {  // histogram samples are skipped
      const auto step = static_cast<size_t>((p.t - start_) / interval_);
      for (size_t i = 1; i < args.size(); ++i) {
        if (fc->call->args[i]->Type() == ValueType::kScalar) fc->scalars[i] = ScalarAt(args[i], step);
      }
      fc->ts = p.t;
      if (const std::optional<double> v = f(p.f, *fc)) o.floats.push_back({p.t, *v});
    }
    if (o.floats.empty()) continue;
    n += static_cast<int64_t>(o.floats.size());
    out.push_back(std::move(o));
  }
  // The order in which the step-by-step path would have met the series: by first sample, then
  // input order.
  std::stable_sort(out.begin(), out.end(),
                   [](const Series& a, const Series& b) { return a.floats.front().t < b.floats.front().t; });
  ctx_->AddSamples(n);
  return out;
}

Matrix Evaluator::EvalCall(const Call& c) {
  const std::string& name = c.func->name;

  // Query-context functions (experimental): constants of the outer query.
  if (name == "start" || name == "end" || name == "range" || name == "step") {
    double v = 0;
    if (name == "start") v = static_cast<double>(ctx_->query_start) / 1000;
    if (name == "end") v = static_cast<double>(ctx_->query_end) / 1000;
    if (name == "range") v = static_cast<double>(ctx_->query_end - ctx_->query_start) / 1000;
    if (name == "step") v = static_cast<double>(ctx_->query_step) / 1000;
    return EvalNumber(v);
  }

  if (name == "info") return EvalInfo(c);

  if (name == "timestamp" || name == "start_timestamp") {
    const Expr& arg = Unwrap(*c.args[0]);
    if (arg.kind == NodeKind::kVectorSelector) return EvalTimestampOfSelector(c, As<VectorSelector>(arg));
  }

  if (const std::optional<size_t> range_arg = RangeArgument(c)) return EvalRangeFunction(c, *range_arg);

  const VectorFunction fn = FindVectorFunction(name);
  const ElementwiseFunction elementwise = fn == nullptr ? FindElementwiseFunction(name) : nullptr;
  if (fn == nullptr && elementwise == nullptr) {
    Fail(ErrorKind::kExecution, "function \"" + name + "\" is not supported yet");
  }

  // Prometheus merges this call's annotations through scopes of its own (see merged_info.h).
  MergedMonotonicityInfos& merged = ctx_->annotations->merged();
  merged.BeginCall();
  struct EndCall {
    MergedMonotonicityInfos& m;
    ~EndCall() { m.EndCall(); }
  } end_call{merged};
  // Evaluate the arguments: vectors and scalars step by step, strings as literals.
  std::vector<Matrix> matrices(c.args.size());
  FunctionCall fc = NewFunctionCall(c, ctx_);
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Expr& arg = Unwrap(*c.args[i]);
    if (arg.Type() == ValueType::kString) {
      fc.strings[i] = As<StringLiteral>(arg).val;
    } else {
      matrices[i] = Eval(*c.args[i]);
    }
  }
  if (elementwise != nullptr) {
    if (std::optional<Matrix> m = EvalElementwise(elementwise, matrices, &fc)) return *std::move(m);
  }
  std::vector<std::vector<size_t>> cursors(c.args.size());
  std::vector<Vector> vectors(c.args.size());
  MatrixBuilder builder;
  size_t step = 0;
  for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
    ctx_->CheckInterrupt("expression evaluation");
    fc.ts = ts;
    for (size_t i = 0; i < c.args.size(); ++i) {
      const ValueType t = c.args[i]->Type();
      if (t == ValueType::kVector) {
        vectors[i] = VectorAt(matrices[i], ts, &cursors[i]);
        fc.vectors[i] = &vectors[i];
      } else if (t == ValueType::kScalar) {
        fc.scalars[i] = ScalarAt(matrices[i], step);
      }
    }
    builder.Add(ts, fn != nullptr ? fn(fc) : ApplyElementwise(elementwise, fc));
    merged.EndCallStep();
  }
  Matrix m = builder.Finish();
  int64_t n = 0;
  for (const Series& s : m) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  ctx_->AddSamples(n);
  return m;
}

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
  int64_t range;
  bool anchored = false, smoothed = false;
  // Extended range selectors read one lookback delta before the range (anchored, smoothed)
  // and after it (smoothed).
  int64_t extend_before = 0, extend_after = 0;
  if (arg.kind == NodeKind::kMatrixSelector) {
    const auto& m = As<MatrixSelector>(arg);
    const auto& vs = As<VectorSelector>(*m.vector_selector);
    mods = &vs.mods;
    range = RangeOf(m);
    anchored = vs.anchored;
    smoothed = vs.smoothed;
    if (anchored && name != "changes" && name != "delta" && name != "increase" && name != "rate" &&
        name != "resets") {
      Fail(ErrorKind::kExecution,
           "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with " +
               name);
    }
    if (smoothed && name != "delta" && name != "increase" && name != "rate") {
      Fail(ErrorKind::kExecution,
           "smoothed modifier can only be used with: delta, increase, rate - not with " + name);
    }
    if (anchored || smoothed) extend_before = ctx_->lookback;
    if (smoothed) extend_after = ctx_->lookback;
    selector = &vs;
  } else {
    const auto& sq = As<SubqueryExpr>(arg);
    mods = &sq.mods;
    range = sq.range_expr ? EvalDurationExpr(*sq.range_expr, *ctx_) : sq.range;
    series = EvalSubqueryPoints(sq);
    ForgetCounterResetHints(&series);
  }
  const bool keep_name = RangeFunctionKeepsName(name);
  const bool delayed = ctx_->delayed_name_removal;
  const bool pair_index = ReadsPairIndex(name);

  // sum_over_time and avg_over_time of a float series: all its windows at once.
  const FloatWindowsFunction batch =
      extend_before == 0 && extend_after == 0 ? FindFloatWindowsFunction(name) : nullptr;
  std::vector<WindowSpan> spans;
  std::vector<int64_t> span_steps;
  std::vector<double> span_values;

  // Each step's reference time, worked out once rather than for every series.
  std::vector<int64_t> refs;
  refs.reserve(static_cast<size_t>(NumSteps()));
  for (int64_t ts = start_; ts <= end_; ts += interval_) refs.push_back(RefTime(*mods, ts));

  auto evaluate = [&](LoadedSeries& ls) {
    // A subquery's points; a selector's come ready from ForEachSelected.
    if (!ls.indexed) PrepareForWindows(&ls, pair_index);
    Series s{{}, {}, {}, ls.drop_name};
    if (keep_name) {
      s.metric = ls.labels;
    } else {
      SetMetricWithoutName(&s, ls.labels, delayed);
    }
    s.floats.reserve(StepsReached(ls.points.size(), range + extend_before + extend_after));
    // The step's window: points[lo, hi) in (ref - range - extend_before, ref + extend_after].
    size_t lo = 0, hi = 0;
    int64_t from = 0, ref = 0;
    auto move_to = [&](size_t step) {
      ref = refs[step];
      from = WrapSub(ref, range);
      while (hi < ls.points.size() && ls.points[hi].t <= WrapAdd(ref, extend_after)) ++hi;
      while (lo < hi && ls.points[lo].t <= WrapSub(from, extend_before)) ++lo;
      // A pinned (@) window does not move; after the first step the pointers are right.
      if (lo > hi) lo = hi;
      return lo != hi;
    };
    if (batch != nullptr && !ls.has_histograms) {
      spans.clear();
      span_steps.clear();
      size_t step = 0;
      for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
        if (!move_to(step)) continue;
        spans.push_back({static_cast<uint32_t>(lo), static_cast<uint32_t>(hi)});
        span_steps.push_back(ts);
      }
      span_values.resize(spans.size());
      batch(ls.points, spans, span_values.data());
      for (size_t k = 0; k < spans.size(); ++k) s.floats.push_back({span_steps[k], span_values[k]});
      if (!s.floats.empty()) emit(s);
      return;
    }
    Window w;
    w.series = &ls;
    w.range = range;
    w.anchored = anchored;
    w.smoothed = smoothed;
    size_t step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      if (!move_to(step)) continue;
      if (fn == nullptr) {  // absent_over_time: presence is what counts
        s.floats.push_back({ts, 1});
        continue;
      }
      w.points = std::span<const Point>(ls.points.data() + lo, hi - lo);
      w.range_start = from;
      w.range_end = ref;
      w.lookback_start = WrapSub(from, ctx_->lookback);
      fc.ts = ts;
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i != matrix_arg) fc.scalars[i] = scalar_args[i][0].floats[step].f;
      }
      RangeResult r = fn(w, fc);
      if (r.present) AddPoint(&s, ts, r.f, r.h);
    }
    if ((name == "rate" || name == "increase") && !s.floats.empty()) {
      const std::string_view metric = ls.labels.MetricName();
      auto ends_with = [&](std::string_view suffix) {
        return metric.size() >= suffix.size() && metric.substr(metric.size() - suffix.size()) == suffix;
      };
      if (!metric.empty() && !ends_with("_total") && !ends_with("_sum") && !ends_with("_count") &&
          !ends_with("_bucket")) {
        ctx_->annotations->Info(
            "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: " +
                model::GoQuote(metric),
            ArgPosition(c, matrix_arg));
      }
    }
    if (!s.floats.empty() || !s.histograms.empty()) emit(s);
  };
  if (selector != nullptr) {
    ForEachSelected(*selector, WrapSub(WrapSub(RefTime(*mods, start_), range), extend_before),
                    WrapAdd(RefTime(*mods, end_), extend_after), evaluate, pair_index);
  } else {
    for (LoadedSeries& ls : series) evaluate(ls);
  }
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
