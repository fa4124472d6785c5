// Function calls: argument evaluation and element-wise functions (Prometheus' engine: Call and
// rangeEval). Range functions are in eval_range_functions.cpp.

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

}  // namespace promref::promql::internal
