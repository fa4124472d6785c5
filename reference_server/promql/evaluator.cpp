// The PromQL evaluator: selectors, subqueries, operators, aggregations and the plumbing of
// function calls, following Prometheus 3.x's engine (promql/engine.go) step by step.
#include "promql/internal/evaluator.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

// --- Shared helpers --------------------------------------------------------------------------

void QueryContext::CheckInterrupt(const char* where) const {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    Fail(ErrorKind::kCanceled, std::string("query was canceled in ") + where);
  }
  if (std::chrono::steady_clock::now() > deadline) {
    Fail(ErrorKind::kTimeout, std::string("query timed out in ") + where);
  }
}

void QueryContext::CheckExpanding() const {
  // Prometheus' expandSeriesSet returns the context's bare error, which its evaluator wraps:
  // the API then answers an execution error for a deadline (a cancellation stays one).
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
    Fail(ErrorKind::kCanceled, "expanding series: context canceled");
  }
  if (std::chrono::steady_clock::now() > deadline) {
    Fail(ErrorKind::kExecution, "expanding series: context deadline exceeded");
  }
}

void QueryContext::AddSamples(int64_t n) {
  current_samples += n;
  total_samples += n;
  peak_samples = std::max(peak_samples, current_samples);
  if (current_samples > options->max_samples) {
    Fail(ErrorKind::kExecution,
         "query processing would load too many samples into memory in query execution");
  }
}

void DropMetadataLabels(model::LabelsBuilder* b) {
  b->Del(model::kMetricNameLabel);
  b->Del("__type__");
  b->Del("__unit__");
}

namespace {
bool IsMetadataLabel(std::string_view name) {
  return name == model::kMetricNameLabel || name == "__type__" || name == "__unit__";
}
bool HasMetadataLabels(const model::Labels& l) {
  return l.Has(model::kMetricNameLabel) || l.Has("__type__") || l.Has("__unit__");
}
}  // namespace

model::Labels WithoutMetadataLabels(const model::Labels& l) {
  return l.Filter([](std::string_view name) { return !IsMetadataLabel(name); });
}

void DropMetricName(Sample* s, bool delayed) {
  if (delayed) {
    s->drop_name = true;
  } else if (HasMetadataLabels(s->metric)) {
    s->metric = WithoutMetadataLabels(s->metric);
  }
}

void DropMetricName(Series* s, bool delayed) {
  if (delayed) {
    s->drop_name = true;
  } else if (HasMetadataLabels(s->metric)) {
    s->metric = WithoutMetadataLabels(s->metric);
  }
}

void AddPoint(Series* s, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h) {
  if (h) {
    s->histograms.push_back({ts, h});
  } else {
    s->floats.push_back({ts, f});
  }
}

void PointsAt(const Matrix& m, int64_t ts, std::vector<size_t>* cursors, std::vector<StepPoint>* out) {
  out->clear();
  cursors->resize(m.size() * 2, 0);
  for (size_t i = 0; i < m.size(); ++i) {
    const Series& s = m[i];
    size_t& fc = (*cursors)[i * 2];
    size_t& hc = (*cursors)[i * 2 + 1];
    while (fc < s.floats.size() && s.floats[fc].t < ts) ++fc;
    while (hc < s.histograms.size() && s.histograms[hc].t < ts) ++hc;
    if (fc < s.floats.size() && s.floats[fc].t == ts) {
      out->push_back(StepPoint{i, s.floats[fc].f, nullptr});
    } else if (hc < s.histograms.size() && s.histograms[hc].t == ts) {
      out->push_back(StepPoint{i, 0, &s.histograms[hc].h});
    }
  }
}

Vector VectorAt(const Matrix& m, int64_t ts, std::vector<size_t>* cursors,
                std::vector<size_t>* series_index) {
  std::vector<StepPoint> points;
  PointsAt(m, ts, cursors, &points);
  Vector out;
  out.reserve(points.size());
  if (series_index != nullptr) series_index->clear();
  for (const StepPoint& p : points) {
    const Series& s = m[p.series];
    out.push_back(Sample{s.metric, ts, p.f, p.h != nullptr ? *p.h : nullptr, s.drop_name});
    if (series_index != nullptr) series_index->push_back(p.series);
  }
  return out;
}

namespace {

bool IsStale(const Point& p) {
  return p.h ? model::IsStaleNaN(p.h->sum) : model::IsStaleNaN(p.f);
}

const Expr& Unwrap(const Expr& e) {
  if (e.kind == NodeKind::kParen) return Unwrap(*As<ParenExpr>(e).expr);
  if (e.kind == NodeKind::kStepInvariant) return Unwrap(*As<StepInvariantExpr>(e).expr);
  return e;
}

// An output series known before its first sample: its labels, and from that sample on its index
// in a MatrixBuilder (so series keep the order of first appearance).
struct OutputSeries {
  model::Labels metric;
  bool drop_name = false;
  size_t index = std::numeric_limits<size_t>::max();
};

// Collects per-step output vectors into a matrix: one series per label set, in order of first
// appearance (so a single step keeps the vector's order), and refuses two samples with the same
// labels at the same step.
class MatrixBuilder {
 public:
  void Add(int64_t ts, Vector&& v) {
    for (Sample& s : v) Append(SeriesFor(s.metric, s.drop_name), ts, s.f, s.h);
  }
  // The output series with these labels, created on first use.
  size_t SeriesFor(const model::Labels& metric, bool drop_name) {
    auto [it, inserted] = index_.try_emplace(metric, out_.size());
    if (inserted) out_.push_back(Series{metric, {}, {}, drop_name});
    return it->second;
  }
  // Appends the point of step `ts` to output series `i`, which must not have one yet.
  void Append(size_t i, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h) {
    Series& s = out_[i];
    const int64_t last =
        std::max(s.floats.empty() ? std::numeric_limits<int64_t>::min() : s.floats.back().t,
                 s.histograms.empty() ? std::numeric_limits<int64_t>::min() : s.histograms.back().t);
    if (last == ts) Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
    AddPoint(&s, ts, f, h);
  }
  void Append(OutputSeries* s, int64_t ts, double f, const std::shared_ptr<const model::FloatHistogram>& h) {
    if (s->index == std::numeric_limits<size_t>::max()) s->index = SeriesFor(s->metric, s->drop_name);
    Append(s->index, ts, f, h);
  }
  Matrix Finish() { return std::move(out_); }

 private:
  std::unordered_map<model::Labels, size_t, model::LabelsHash> index_;
  Matrix out_;
};

// --- Binary operators -------------------------------------------------------------------------

bool DropsName(TokenType op) {
  switch (op) {
    case TokenType::kAdd:
    case TokenType::kSub:
    case TokenType::kMul:
    case TokenType::kDiv:
    case TokenType::kMod:
    case TokenType::kPow:
    case TokenType::kAtan2: return true;
    default: return false;
  }
}

// Prometheus' vectorElemBinop for floats: the value, and whether a comparison keeps it.
double ArithOrCompare(TokenType op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case TokenType::kAdd: return l + r;
    case TokenType::kSub: return l - r;
    case TokenType::kMul: return l * r;
    case TokenType::kDiv: return l / r;
    case TokenType::kPow: return std::pow(l, r);
    case TokenType::kMod: return GoMod(l, r);
    case TokenType::kAtan2: return std::atan2(l, r);
    case TokenType::kEqlc: *keep = l == r; return l;
    case TokenType::kNeq: *keep = l != r; return l;
    case TokenType::kGtr: *keep = l > r; return l;
    case TokenType::kLss: *keep = l < r; return l;
    case TokenType::kGte: *keep = l >= r; return l;
    case TokenType::kLte: *keep = l <= r; return l;
    default:
      Fail(ErrorKind::kExecution,
           "operator \"" + std::string(TokenText(op)) + "\" not allowed for float operations");
  }
}

double ScalarBinop(TokenType op, double l, double r) {
  bool keep;
  const double v = ArithOrCompare(op, l, r, &keep);
  if (IsComparisonOperator(op)) return keep ? 1 : 0;
  return v;
}

// The labels named in `names`, or (`without`) all others but the metadata labels (__name__,
// __type__, __unit__): the grouping labels of by/without and the matching labels of
// on/ignoring.
model::Labels GroupingLabels(const model::Labels& metric, const std::vector<std::string>& names,
                             bool without) {
  auto listed = [&](std::string_view n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (without) {
    return metric.Filter([&](std::string_view n) { return !listed(n) && !IsMetadataLabel(n); });
  }
  return metric.Filter(listed);
}

// The labels vector matching compares: those named by on(...), or all but those named by
// ignoring(...) and the metadata labels. (What a filled-in operand carries.)
model::Labels MatchingLabels(const model::Labels& l, const VectorMatching& vm) {
  return GroupingLabels(l, vm.matching_labels, !vm.on);
}

// The matching signature of a label set: its matching labels' exact bytes, so unequal label
// sets never collide.
std::string Signature(const model::Labels& l, const VectorMatching& vm) {
  return std::string(MatchingLabels(l, vm).Encoded());
}

model::Labels ResultMetric(const model::Labels& lhs, const model::Labels& rhs, TokenType op,
                           const VectorMatching& vm, bool return_bool, bool delayed) {
  model::LabelsBuilder b(lhs);
  if (!delayed && (DropsName(op) || return_bool)) DropMetadataLabels(&b);
  if (vm.card == Cardinality::kOneToOne) {
    if (vm.on) {
      b.Keep(vm.matching_labels);
    } else {
      for (const auto& n : vm.matching_labels) b.Del(n);
    }
  }
  if (vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany) {
    for (const auto& n : vm.include) {
      const std::string_view v = rhs.Get(n);
      if (!v.empty()) {
        b.Set(n, v);
      } else {
        b.Del(n);
      }
    }
  }
  return b.Build();
}

std::string MatchGroupLabels(const model::Labels& l, const VectorMatching& vm) {
  return MatchingLabels(l, vm).ToString();
}

// Per-key scratch state for one step, reset in O(1) per step: an entry counts only when it was
// stamped during the current step.
template <typename T>
class StepTable {
 public:
  explicit StepTable(size_t n) : stamps_(n, 0), values_(n) {}
  void NextStep() { ++step_; }
  bool Has(uint32_t k) const { return stamps_[k] == step_; }
  void Mark(uint32_t k) { stamps_[k] = step_; }
  const T* Find(uint32_t k) const { return Has(k) ? &values_[k] : nullptr; }
  // The entry for k; `*first` tells whether this is its first use in the step, when the
  // caller is to reset it.
  T& At(uint32_t k, bool* first) {
    *first = !Has(k);
    Mark(k);
    return values_[k];
  }

 private:
  std::vector<uint64_t> stamps_;
  std::vector<T> values_;
  uint64_t step_ = 1;
};

// `l op r` for two instant-vector operands, step by step. What stays the same from step to
// step is worked out once: each series' matching signature (interned to a small integer), and
// the result labels of each matched pair. A step then compares integers and appends values.
class VectorBinop {
 public:
  VectorBinop(const BinaryExpr& b, const Matrix& l, const Matrix& r, bool delayed)
      : b_(b), vm_(*b.matching), l_(l), r_(r), delayed_(delayed) {
    std::unordered_map<std::string, uint32_t> ids;
    InternSignatures(l, &ids, &lsig_);
    InternSignatures(r, &ids, &rsig_);
    present_ = one_at_ = StepTable<size_t>(ids.size());
    matched_ = StepTable<std::vector<uint64_t>>(ids.size());
    if (IsSetOperator(b.op)) {
      for (const Series& s : l) lout_.push_back(OutputSeries{s.metric, s.drop_name});
      for (const Series& s : r) rout_.push_back(OutputSeries{s.metric, s.drop_name});
    }
  }

  // Evaluates step `ts` into `out`.
  void Step(int64_t ts, MatrixBuilder* out) {
    PointsAt(l_, ts, &lcur_, &lpts_);
    PointsAt(r_, ts, &rcur_, &rpts_);
    pending_.clear();
    if (IsSetOperator(b_.op)) {
      SetOperation();
    } else {
      Match();
    }
    // Output series are created only now, after every matching error of the step, in the order
    // their first samples come.
    for (const Pending& p : pending_) out->Append(p.out, ts, p.f, p.h != nullptr ? *p.h : kNoHistogram);
  }

 private:
  static inline const std::shared_ptr<const model::FloatHistogram> kNoHistogram;

  // The result series of a matched pair.
  struct PairOutput {
    OutputSeries series;
    uint64_t hash = 0;  // of series.metric, for the many-to-one uniqueness check
  };
  // A sample of the step bound for an output series.
  struct Pending {
    OutputSeries* out;
    double f;
    const std::shared_ptr<const model::FloatHistogram>* h;
  };
  // One side of a vector-matching pair: a series' point, or a fill value (metric null) standing
  // in for a missing series.
  struct Operand {
    const model::Labels* metric = nullptr;
    double f = 0;
    bool histogram = false;
    bool drop_name = false;
    uint32_t key = 0;  // series index + 1 on its side; 0 for a fill value
  };

  static bool IsSetOperator(TokenType op) {
    return op == TokenType::kLand || op == TokenType::kLor || op == TokenType::kLunless;
  }

  void InternSignatures(const Matrix& m, std::unordered_map<std::string, uint32_t>* ids,
                        std::vector<uint32_t>* out) const {
    for (const Series& s : m) {
      auto [it, inserted] = ids->try_emplace(Signature(s.metric, vm_), static_cast<uint32_t>(ids->size()));
      out->push_back(it->second);
    }
  }

  // and, or, unless: which operand samples pass, by the signatures present on the other side.
  void SetOperation() {
    present_.NextStep();
    switch (b_.op) {
      case TokenType::kLand:
        if (lpts_.empty() || rpts_.empty()) return;
        for (const StepPoint& p : rpts_) present_.Mark(rsig_[p.series]);
        for (const StepPoint& p : lpts_) {
          if (present_.Has(lsig_[p.series])) Emit(&lout_[p.series], p);
        }
        return;
      case TokenType::kLor:
        for (const StepPoint& p : lpts_) {
          present_.Mark(lsig_[p.series]);
          Emit(&lout_[p.series], p);
        }
        for (const StepPoint& p : rpts_) {
          if (!present_.Has(rsig_[p.series])) Emit(&rout_[p.series], p);
        }
        return;
      default:  // unless
        for (const StepPoint& p : rpts_) present_.Mark(rsig_[p.series]);
        for (const StepPoint& p : lpts_) {
          if (!present_.Has(lsig_[p.series])) Emit(&lout_[p.series], p);
        }
        return;
    }
  }
  void Emit(OutputSeries* out, const StepPoint& p) { pending_.push_back({out, p.f, p.h}); }

  // Arithmetic and comparisons: pairs of samples with the same signature, one-to-one or
  // many-to-one (one-to-many is many-to-one with the sides swapped). fill/fill_left/fill_right
  // (experimental) stand in for a missing operand. fill_left fills the left operand and
  // fill_right the right one; Prometheus (3.16) swaps the fill values together with the sides
  // of one-to-many matching, so under group_right fill_left fills the "one" side.
  void Match() {
    const bool swap = vm_.card == Cardinality::kOneToMany;
    const std::optional<double>& fill_many = swap ? vm_.fill_right : vm_.fill_left;
    const std::optional<double>& fill_one = swap ? vm_.fill_left : vm_.fill_right;
    if (!fill_many && !fill_one && (lpts_.empty() || rpts_.empty())) return;
    const Matrix& many = swap ? r_ : l_;
    const Matrix& one = swap ? l_ : r_;
    const std::vector<StepPoint>& many_pts = swap ? rpts_ : lpts_;
    const std::vector<StepPoint>& one_pts = swap ? lpts_ : rpts_;
    const std::vector<uint32_t>& many_sig = swap ? rsig_ : lsig_;
    const std::vector<uint32_t>& one_sig = swap ? lsig_ : rsig_;
    one_at_.NextStep();
    matched_.NextStep();
    present_.NextStep();  // the signatures of the "many" side
    for (size_t i = 0; i < one_pts.size(); ++i) {
      bool first;
      size_t& at = one_at_.At(one_sig[one_pts[i].series], &first);
      if (!first) DuplicateOnOneSide(one[one_pts[at].series].metric, one[one_pts[i].series].metric, swap);
      at = i;
    }
    for (const StepPoint& p : many_pts) {
      const uint32_t sig = many_sig[p.series];
      present_.Mark(sig);
      if (const size_t* at = one_at_.Find(sig)) {
        Combine(OperandOf(many, p), OperandOf(one, one_pts[*at]), sig, swap);
      } else if (fill_one) {
        Combine(OperandOf(many, p), Operand{nullptr, *fill_one}, sig, swap);
      }
    }
    if (fill_many) {
      for (const StepPoint& p : one_pts) {
        const uint32_t sig = one_sig[p.series];
        if (!present_.Has(sig)) Combine(Operand{nullptr, *fill_many}, OperandOf(one, p), sig, swap);
      }
    }
  }

  static Operand OperandOf(const Matrix& m, const StepPoint& p) {
    const Series& s = m[p.series];
    return Operand{&s.metric, p.f, p.h != nullptr, s.drop_name, static_cast<uint32_t>(p.series + 1)};
  }

  [[noreturn]] void DuplicateOnOneSide(const model::Labels& earlier, const model::Labels& later, bool swap) {
    // The two series in label order, so the message is stable.
    const model::Labels* a = &earlier;
    const model::Labels* b = &later;
    if (Compare(*b, *a) < 0) std::swap(a, b);
    Fail(ErrorKind::kExecution,
         "found duplicate series for the match group " + MatchGroupLabels(later, vm_) + " on the " +
             (swap ? "left" : "right") + " hand-side of the operation: [" + a->ToString() + ", " +
             b->ToString() +
             "];many-to-many matching not allowed: matching labels must be unique on one side");
  }

  // One element of the result from a many-side and a one-side operand.
  void Combine(const Operand& m, const Operand& o, uint32_t sig, bool swap) {
    if (m.histogram || o.histogram) return;  // native histogram arithmetic arrives with its issue
    const double fl = swap ? o.f : m.f;
    const double fr = swap ? m.f : o.f;
    bool keep;
    double value = ArithOrCompare(b_.op, fl, fr, &keep);
    // Matching errors count even for pairs a comparison then filters away.
    PairOutput& out = OutputOf(m, o);
    bool first;
    std::vector<uint64_t>& seen = matched_.At(sig, &first);
    if (first) seen.clear();
    if (vm_.card == Cardinality::kOneToOne) {
      if (!seen.empty()) {
        Fail(ErrorKind::kExecution,
             "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
      seen.push_back(0);
    } else {
      if (std::find(seen.begin(), seen.end(), out.hash) != seen.end()) {
        Fail(ErrorKind::kExecution,
             "multiple matches for labels: grouping labels must ensure unique matches");
      }
      seen.push_back(out.hash);
    }
    if (b_.return_bool) {
      value = keep ? 1 : 0;
    } else if (!keep) {
      return;
    }
    // The kept value of a comparison is the left side's; under group_right the labels are the
    // right ("many") side's.
    if (IsComparisonOperator(b_.op) && !b_.return_bool) value = fl;
    pending_.push_back({&out.series, value, nullptr});
  }

  // The output series of a pair, its labels computed the first time the pair matches.
  PairOutput& OutputOf(const Operand& m, const Operand& o) {
    auto [it, inserted] = pairs_.try_emplace(static_cast<uint64_t>(m.key) << 32 | o.key);
    PairOutput& out = it->second;
    if (!inserted) return out;
    // A fill operand carries the matching labels of the other side.
    const model::Labels fill = m.metric == nullptr   ? MatchingLabels(*o.metric, vm_)
                               : o.metric == nullptr ? MatchingLabels(*m.metric, vm_)
                                                     : model::Labels();
    const model::Labels& ml = m.metric != nullptr ? *m.metric : fill;
    const model::Labels& ol = o.metric != nullptr ? *o.metric : fill;
    out.series.metric = ResultMetric(ml, ol, b_.op, vm_, b_.return_bool, delayed_);
    out.series.drop_name = m.drop_name || (delayed_ && (DropsName(b_.op) || b_.return_bool));
    out.hash = out.series.metric.Hash();
    return out;
  }

  const BinaryExpr& b_;
  const VectorMatching& vm_;
  const Matrix& l_;
  const Matrix& r_;
  const bool delayed_;
  std::vector<uint32_t> lsig_, rsig_;               // each series' interned signature
  std::vector<OutputSeries> lout_, rout_;           // set operations: each operand series as a result
  std::unordered_map<uint64_t, PairOutput> pairs_;  // by many-side key << 32 | one-side key
  // Per step: the cursors and points of both sides, and the samples produced.
  std::vector<size_t> lcur_, rcur_;
  std::vector<StepPoint> lpts_, rpts_;
  std::vector<Pending> pending_;
  // Per step, by signature: present on a side; the one-side point; the matches so far.
  StepTable<size_t> present_{0}, one_at_{0};
  StepTable<std::vector<uint64_t>> matched_{0};
};

}  // namespace

// --- Evaluator ---------------------------------------------------------------------------------

int64_t Evaluator::OffsetOf(const TimeModifiers& mods) const {
  if (mods.offset_expr) return EvalDurationExpr(*mods.offset_expr, *ctx_);
  return mods.original_offset;
}

int64_t Evaluator::RefTime(const TimeModifiers& mods, int64_t ts) const {
  const int64_t base = mods.at == AtKind::kTimestamp ? mods.timestamp : ts;
  return WrapSub(base, OffsetOf(mods));
}

int64_t Evaluator::RangeOf(const MatrixSelector& m) const {
  if (m.range_expr) return EvalDurationExpr(*m.range_expr, *ctx_);
  return m.range;
}

Matrix Evaluator::Eval(const Expr& e) {
  // As in Prometheus, what a node needed while it was evaluated (its operands' results, its
  // loaded points) is released once it is done: from then on only its result counts towards
  // the sample limit. Without this, nested scalar arithmetic over fine subquery steps
  // accumulates every intermediate result (functions.test, integral of a polynomial).
  const int64_t before = ctx_->current_samples;
  Matrix m = EvalNode(e);
  int64_t n = 0;
  for (const Series& s : m) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  ctx_->current_samples = before + n;
  ctx_->peak_samples = std::max(ctx_->peak_samples, ctx_->current_samples);
  return m;
}

Matrix Evaluator::EvalNode(const Expr& e) {
  ctx_->CheckInterrupt("expression evaluation");
  switch (e.kind) {
    case NodeKind::kNumberLiteral: return EvalNumber(As<NumberLiteral>(e).val);
    case NodeKind::kParen: return Eval(*As<ParenExpr>(e).expr);
    case NodeKind::kStepInvariant: return Eval(*As<StepInvariantExpr>(e).expr);
    case NodeKind::kVectorSelector: return EvalVectorSelector(As<VectorSelector>(e));
    case NodeKind::kUnary: return EvalUnary(As<UnaryExpr>(e));
    case NodeKind::kBinary: return EvalBinary(As<BinaryExpr>(e));
    case NodeKind::kAggregate: return EvalAggregate(As<AggregateExpr>(e));
    case NodeKind::kCall: return EvalCall(As<Call>(e));
    case NodeKind::kDurationExpr: return EvalNumber(static_cast<double>(EvalDurationExpr(e, *ctx_)) / 1000.0);
    case NodeKind::kMatrixSelector:
    case NodeKind::kSubquery:
    case NodeKind::kStringLiteral: break;
  }
  Fail(ErrorKind::kInternal, "unexpected expression type in evaluation");
}

Matrix Evaluator::EvalNumber(double v) {
  Series s;
  s.floats.reserve(static_cast<size_t>(NumSteps()));
  for (int64_t ts = start_; ts <= end_; ts += interval_) s.floats.push_back({ts, v});
  ctx_->AddSamples(static_cast<int64_t>(s.floats.size()));
  return Matrix{std::move(s)};
}

void Evaluator::ForEachSelected(const VectorSelector& vs, int64_t mint, int64_t maxt,
                                const std::function<void(LoadedSeries&)>& fn) {
  if (maxt < mint) return;
  storage::SelectHints hints;
  hints.start = WrapAdd(mint, 1);
  hints.end = maxt;
  hints.step = interval_;
  // Unsorted, as Prometheus' engine asks: a single partition (the head) gives its series in
  // creation order, which is the order of an instant vector's result and what `limit` keeps;
  // several partitions are merged in label order.
  auto set = ctx_->querier->Select(false, hints, vs.matchers);
  int64_t n = 0;
  LoadedSeries ls;
  while (set->Next()) {
    ctx_->CheckExpanding();
    const storage::Series& s = set->At();
    ls.labels = s.labels();
    ls.points.clear();
    auto it = s.Iterator();
    for (storage::ValueType vt = it->Seek(WrapAdd(mint, 1)); vt != storage::ValueType::kNone;
         vt = it->Next()) {
      const int64_t t = it->AtT();
      if (t > maxt) break;
      if (t <= mint) continue;
      if (vt == storage::ValueType::kFloat) {
        ls.points.push_back({t, it->AtFloat(), nullptr});
      } else {
        ls.points.push_back({t, 0, std::make_shared<const model::FloatHistogram>(it->AtHistogram())});
      }
    }
    if (Status st = it->Err(); !st.ok()) Fail(ErrorKind::kInternal, st.error().message());
    // Loaded points count towards the limit until the selection is done; the results are
    // what is counted after that.
    n += static_cast<int64_t>(ls.points.size());
    ctx_->AddSamples(static_cast<int64_t>(ls.points.size()));
    fn(ls);
  }
  if (Status st = set->Err(); !st.ok()) Fail(ErrorKind::kInternal, st.error().message());
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
  const int64_t lookback = ctx_->lookback;
  const int64_t first_ref = RefTime(vs.mods, start_);
  const int64_t last_ref = RefTime(vs.mods, end_);
  Matrix out;
  int64_t n = 0;
  const int64_t mint = WrapSub(first_ref, lookback);
  const int64_t maxt = WrapAdd(last_ref, vs.smoothed ? lookback : 0);
  ForEachSelected(vs, mint, maxt, [&](LoadedSeries& ls) {
    Series s{ls.labels, {}, {}, false};
    s.floats.reserve(StepsReached(ls.points.size(), lookback + (vs.smoothed ? lookback : 0)));
    size_t cursor = 0;  // points[cursor-1] is the newest at or before the reference time
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = RefTime(vs.mods, ts);
      while (cursor < ls.points.size() && ls.points[cursor].t <= ref) ++cursor;
      if (cursor == 0) continue;
      const Point& p = ls.points[cursor - 1];
      if (p.t <= WrapSub(ref, lookback) || IsStale(p)) continue;  // left-open lookback window (3.x)
      // smoothed (experimental): between two float samples, the value interpolated at ref
      // when the next one is no more than a lookback delta ahead.
      if (vs.smoothed && p.t < ref && !p.h && cursor < ls.points.size()) {
        const Point& next = ls.points[cursor];
        if (!next.h && !IsStale(next) && next.t <= WrapAdd(ref, lookback)) {
          const double f =
              p.f + (next.f - p.f) * static_cast<double>(ref - p.t) / static_cast<double>(next.t - p.t);
          AddPoint(&s, ts, f, nullptr);
          continue;
        }
      }
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

Matrix Evaluator::EvalTimestampOfSelector(const Call& c, const VectorSelector& vs) {
  const int64_t lookback = ctx_->lookback;
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
      s.floats.push_back({ts, static_cast<double>(p.t) / 1000.0});
    }
    if (!s.floats.empty()) out.push_back(std::move(s));
  }
  (void)c;
  ctx_->AddSamples(static_cast<int64_t>(out.size()) * NumSteps());
  return out;
}

Matrix Evaluator::EvalUnary(const UnaryExpr& u) {
  Matrix m = Eval(*u.expr);
  if (u.op != TokenType::kSub) return m;
  for (Series& s : m) {
    DropMetricName(&s, ctx_->delayed_name_removal);
    for (FPoint& p : s.floats) p.f = -p.f;
    for (HPoint& p : s.histograms) {
      auto h = std::make_shared<model::FloatHistogram>(*p.h);
      h->count = -h->count;
      h->sum = -h->sum;
      h->zero_count = -h->zero_count;
      for (double& b : h->positive_buckets) b = -b;
      for (double& b : h->negative_buckets) b = -b;
      h->counter_reset_hint = model::CounterResetHint::kGauge;
      p.h = std::move(h);
    }
  }
  if (!ctx_->delayed_name_removal) {
    std::unordered_map<model::Labels, int, model::LabelsHash> seen;
    for (const Series& s : m) {
      if (++seen[s.metric] > 1)
        Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
    }
  }
  return m;
}

Matrix Evaluator::EvalBinary(const BinaryExpr& b) {
  const ValueType lt = b.lhs->Type();
  const ValueType rt = b.rhs->Type();
  const bool delayed = ctx_->delayed_name_removal;

  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    Matrix l = Eval(*b.lhs);
    Matrix r = Eval(*b.rhs);
    Series out;
    for (size_t i = 0; i < l[0].floats.size(); ++i) {
      out.floats.push_back({l[0].floats[i].t, ScalarBinop(b.op, l[0].floats[i].f, r[0].floats[i].f)});
    }
    return Matrix{std::move(out)};
  }

  if (lt == ValueType::kVector && rt == ValueType::kVector) {
    Matrix l = Eval(*b.lhs);
    Matrix r = Eval(*b.rhs);
    VectorBinop binop(b, l, r, delayed);
    MatrixBuilder builder;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      ctx_->CheckInterrupt("expression evaluation");
      binop.Step(ts, &builder);
    }
    return builder.Finish();
  }

  // Vector and scalar.
  const bool scalar_left = lt == ValueType::kScalar;
  Matrix vec = Eval(scalar_left ? *b.rhs : *b.lhs);
  Matrix sc = Eval(scalar_left ? *b.lhs : *b.rhs);
  std::vector<size_t> cur;
  MatrixBuilder builder;
  size_t step = 0;
  for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
    const double scalar = sc[0].floats[step].f;
    Vector in = VectorAt(vec, ts, &cur);
    Vector out;
    for (Sample& s : in) {
      if (s.h) continue;  // native histogram arithmetic arrives with its issue
      double l = s.f, r = scalar;
      if (scalar_left) std::swap(l, r);
      bool keep;
      double value = ArithOrCompare(b.op, l, r, &keep);
      // A comparison keeps the vector element's value even with the scalar on the left.
      if (IsComparisonOperator(b.op) && scalar_left) value = r;
      if (b.return_bool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      s.f = value;
      if (DropsName(b.op) || b.return_bool) DropMetricName(&s, delayed);
      out.push_back(std::move(s));
    }
    builder.Add(ts, std::move(out));
  }
  return builder.Finish();
}

// --- Aggregations ------------------------------------------------------------------------------

namespace {

struct Group {
  bool seen = false;
  bool drop_name = false;  // any member's name is to be dropped (delayed name removal)
  double value = 0;
  double kahan = 0;
  double mean = 0;
  double count = 0;
  bool incremental_mean = false;
  bool has_float = false;
  bool has_histogram = false;
  std::vector<double> values;  // quantile
  std::vector<Sample> heap;    // topk/bottomk/limitk
};

// Go's container/heap with Prometheus' orderings, so topk/bottomk pick (and order) exactly as
// Prometheus does, including ties and NaN.
struct KHeap {
  std::vector<Sample>* h;
  bool (*less)(const Sample&, const Sample&);
  void Up(size_t j) {
    while (j > 0) {
      const size_t i = (j - 1) / 2;
      if (i == j || !less((*h)[j], (*h)[i])) break;
      std::swap((*h)[i], (*h)[j]);
      j = i;
    }
  }
  bool Down(size_t i0, size_t n) {
    size_t i = i0;
    while (true) {
      const size_t j1 = 2 * i + 1;
      if (j1 >= n) break;
      size_t j = j1;
      if (const size_t j2 = j1 + 1; j2 < n && less((*h)[j2], (*h)[j1])) j = j2;
      if (!less((*h)[j], (*h)[i])) break;
      std::swap((*h)[i], (*h)[j]);
      i = j;
    }
    return i > i0;
  }
  void Push(Sample s) {
    h->push_back(std::move(s));
    Up(h->size() - 1);
  }
  void Fix(size_t i) {
    if (!Down(i, h->size())) Up(i);
  }
};

// vectorByValueHeap: NaN is the smallest.
bool ByValue(const Sample& a, const Sample& b) {
  if (std::isnan(a.f)) return true;
  return a.f < b.f;
}
// vectorByReverseValueHeap: NaN is the smallest, then larger values first.
bool ByReverseValue(const Sample& a, const Sample& b) {
  if (std::isnan(a.f)) return true;
  return a.f > b.f;
}

// Go's sort.Sort(sort.Reverse(data)) for the small slices topk/bottomk produce: insertion sort
// (what Go's pdqsort does below 12 elements) with the reversed order; larger inputs are
// sorted stably.
void SortReverse(std::vector<Sample>* v, bool (*less)(const Sample&, const Sample&)) {
  auto rless = [less](const Sample& a, const Sample& b) { return less(b, a); };
  if (v->size() <= 12) {
    for (size_t i = 1; i < v->size(); ++i) {
      for (size_t j = i; j > 0 && rless((*v)[j], (*v)[j - 1]); --j) std::swap((*v)[j], (*v)[j - 1]);
    }
    return;
  }
  std::stable_sort(v->begin(), v->end(), rless);
}

}  // namespace

namespace {

// count_values: at each step, how many series of each group have each value. An input series'
// grouping labels (less the value label) are worked out once, and the output labels of each
// (group, value) pair once; a step formats values and counts.
class CountValues {
 public:
  CountValues(const Matrix& in, std::string label, std::vector<std::string> grouping, bool without)
      : in_(in),
        label_(std::move(label)),
        grouping_(std::move(grouping)),
        without_(without),
        // The value label stays in the output unless without(...) drops it.
        label_kept_(!without || (!IsMetadataLabel(label_) &&
                                 std::find(grouping_.begin(), grouping_.end(), label_) == grouping_.end())),
        group_of_(in.size(), kNoGroup) {}

  void Step(int64_t ts, MatrixBuilder* out) {
    PointsAt(in_, ts, &cursors_, &points_);
    ++step_;
    counted_.clear();
    for (const StepPoint& p : points_) {
      std::string value = !label_kept_     ? std::string()
                          : p.h != nullptr ? "histogram"
                                           : model::FormatFloat(p.f, 'f');
      auto [it, inserted] = outputs_.try_emplace({GroupOf(p.series), std::move(value)});
      Output& o = it->second;
      if (inserted) o.series.metric = OutputLabels(it->first.first, it->first.second);
      if (o.step != step_) {
        o.step = step_;
        o.count = 0;
        counted_.push_back(&o);
      }
      o.count += 1;
    }
    for (Output* o : counted_) out->Append(&o->series, ts, o->count, nullptr);
  }

 private:
  static constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();
  struct Output {
    OutputSeries series;
    uint64_t step = 0;  // the step `count` is for
    double count = 0;
  };

  uint32_t GroupOf(size_t series) {
    uint32_t& g = group_of_[series];
    if (g == kNoGroup) {
      const model::Labels metric = in_[series].metric.Filter([&](std::string_view n) { return n != label_; });
      auto [it, inserted] = group_ids_.try_emplace(GroupingLabels(metric, grouping_, without_),
                                                   static_cast<uint32_t>(groups_.size()));
      if (inserted) groups_.push_back(it->first);
      g = it->second;
    }
    return g;
  }
  model::Labels OutputLabels(uint32_t group, const std::string& value) const {
    if (!label_kept_) return groups_[group];
    model::LabelsBuilder b(groups_[group]);
    b.Set(label_, value);
    return b.Build();
  }

  const Matrix& in_;
  const std::string label_;
  const std::vector<std::string> grouping_;
  const bool without_;
  const bool label_kept_;
  std::vector<uint32_t> group_of_;  // by input series
  std::unordered_map<model::Labels, uint32_t, model::LabelsHash> group_ids_;
  std::vector<model::Labels> groups_;
  std::map<std::pair<uint32_t, std::string>, Output> outputs_;  // by group and formatted value
  std::vector<size_t> cursors_;
  std::vector<StepPoint> points_;
  uint64_t step_ = 0;
  std::vector<Output*> counted_;  // this step's outputs, in order of first appearance
};

}  // namespace

Matrix Evaluator::EvalAggregate(const AggregateExpr& a) {
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  const bool delayed = ctx_->delayed_name_removal;
  const PositionRange expr_pos = a.expr->pos;

  if (a.op == TokenType::kCountValues) {
    const std::string label = As<StringLiteral>(Unwrap(*a.param)).val;
    if (!model::IsValidLabelName(label))
      Fail(ErrorKind::kExecution, "invalid label name " + model::GoQuote(label));
    if (!a.without) {
      grouping.push_back(label);
      std::sort(grouping.begin(), grouping.end());
    }
    Matrix in = Eval(*a.expr);
    CountValues counter(in, label, grouping, a.without);
    MatrixBuilder builder;
    for (int64_t ts = start_; ts <= end_; ts += interval_) counter.Step(ts, &builder);
    return builder.Finish();
  }

  // The parameter: k for topk/bottomk/limitk, φ for quantile, the ratio for limit_ratio.
  std::vector<double> params;
  if (a.param) {
    const int64_t saved = ctx_->current_samples;
    Matrix p = Eval(*a.param);
    for (const FPoint& fp : p[0].floats) params.push_back(fp.f);
    ctx_->current_samples = saved;
  }
  Matrix in = Eval(*a.expr);

  // Map input series to output groups once.
  std::vector<size_t> group_of(in.size());
  std::vector<model::Labels> group_labels;
  {
    std::unordered_map<model::Labels, size_t, model::LabelsHash> index;
    for (size_t i = 0; i < in.size(); ++i) {
      model::Labels key = GroupingLabels(in[i].metric, grouping, a.without);
      auto [it, inserted] = index.try_emplace(key, group_labels.size());
      if (inserted) group_labels.push_back(std::move(key));
      group_of[i] = it->second;
    }
  }

  const bool k_op = a.op == TokenType::kTopk || a.op == TokenType::kBottomk || a.op == TokenType::kLimitk ||
                    a.op == TokenType::kLimitRatio;
  if (a.op == TokenType::kQuantile) {
    for (double q : params) {
      if (std::isnan(q) || q < 0 || q > 1) {
        ctx_->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                                a.param->pos);
      }
    }
  }

  std::vector<Series> out(k_op ? 0 : group_labels.size());
  for (size_t g = 0; !k_op && g < group_labels.size(); ++g) out[g].metric = group_labels[g];
  MatrixBuilder k_builder;
  std::vector<size_t> cursors(in.size() * 2, 0);
  size_t step = 0;
  for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
    ctx_->CheckInterrupt("expression evaluation");
    std::vector<Group> groups(group_labels.size());
    // The value of each input series at this step, if any.
    auto next_value = [&](size_t si, double* f, std::shared_ptr<const model::FloatHistogram>* h) {
      const Series& s = in[si];
      size_t& fc = cursors[si * 2];
      size_t& hc = cursors[si * 2 + 1];
      while (fc < s.floats.size() && s.floats[fc].t < ts) ++fc;
      while (hc < s.histograms.size() && s.histograms[hc].t < ts) ++hc;
      if (fc < s.floats.size() && s.floats[fc].t == ts) {
        *f = s.floats[fc].f;
        h->reset();
        return true;
      }
      if (hc < s.histograms.size() && s.histograms[hc].t == ts) {
        *h = s.histograms[hc].h;
        return true;
      }
      return false;
    };

    if (k_op) {
      const double fk = params[step];
      if (a.op == TokenType::kLimitRatio) {
        // limit_ratio (experimental): a deterministic sample of the series by the hash of
        // their labels; a negative ratio takes the complement.
        if (std::isnan(fk)) Fail(ErrorKind::kExecution, "Ratio value is NaN");
        double ratio = fk;
        if (ratio < -1 || ratio > 1) {
          ratio = ratio < -1 ? -1 : 1;
          ctx_->annotations->Warn("ratio value should be between -1 and 1, got " +
                                      model::FormatFloat(fk, 'g') + ", capping to " +
                                      model::FormatFloat(ratio, 'g'),
                                  a.param->pos);
        }
        Vector step_out;
        if (ratio != 0) {
          std::vector<Vector> by_group(group_labels.size());
          for (size_t si = 0; si < in.size(); ++si) {
            double f;
            std::shared_ptr<const model::FloatHistogram> h;
            if (!next_value(si, &f, &h)) continue;
            const double offset = static_cast<double>(in[si].metric.Hash()) / 18446744073709551615.0;
            const bool keep = ratio >= 0 ? offset < ratio : offset >= 1 + ratio;
            if (keep) by_group[group_of[si]].push_back(Sample{in[si].metric, ts, f, h, in[si].drop_name});
          }
          for (Vector& g : by_group) {
            for (Sample& smp : g) step_out.push_back(std::move(smp));
          }
        }
        k_builder.Add(ts, std::move(step_out));
        continue;
      }
      if (std::isnan(fk)) Fail(ErrorKind::kExecution, "Parameter value is NaN");
      if (fk >= 9223372036854775807.0 || fk < -9223372036854775808.0) {
        Fail(ErrorKind::kExecution, "Scalar value " + model::FormatFloat(fk, 'g') + " overflows int64");
      }
      int64_t k = static_cast<int64_t>(fk);
      if (k > static_cast<int64_t>(in.size())) k = static_cast<int64_t>(in.size());
      if (k < 1) {
        k_builder.Add(ts, {});
        continue;
      }
      for (size_t si = 0; si < in.size(); ++si) {
        double f;
        std::shared_ptr<const model::FloatHistogram> h;
        if (!next_value(si, &f, &h)) continue;
        if (h && a.op != TokenType::kLimitk) {
          ctx_->annotations->Info("ignored histogram in " + std::string(TokenText(a.op)) + " aggregation",
                                  expr_pos);
          continue;
        }
        Sample s{in[si].metric, ts, f, h, in[si].drop_name};
        Group& g = groups[group_of[si]];
        if (!g.seen) {
          g.seen = true;
          g.heap.reserve(static_cast<size_t>(k));
          g.heap.push_back(std::move(s));
          continue;
        }
        if (a.op == TokenType::kTopk) {
          KHeap heap{&g.heap, ByValue};
          if (static_cast<int64_t>(g.heap.size()) < k) {
            heap.Push(std::move(s));
          } else if (g.heap[0].f < s.f || (std::isnan(g.heap[0].f) && !std::isnan(s.f))) {
            g.heap[0] = std::move(s);
            if (k > 1) heap.Fix(0);
          }
        } else if (a.op == TokenType::kBottomk) {
          KHeap heap{&g.heap, ByReverseValue};
          if (static_cast<int64_t>(g.heap.size()) < k) {
            heap.Push(std::move(s));
          } else if (g.heap[0].f > s.f || (std::isnan(g.heap[0].f) && !std::isnan(s.f))) {
            g.heap[0] = std::move(s);
            if (k > 1) heap.Fix(0);
          }
        } else if (static_cast<int64_t>(g.heap.size()) < k) {  // limitk: the first k in input order
          g.heap.push_back(std::move(s));
        }
      }
      Vector step_out;
      for (Group& g : groups) {
        if (!g.seen) continue;
        if (a.op == TokenType::kTopk && g.heap.size() > 1) SortReverse(&g.heap, ByValue);
        if (a.op == TokenType::kBottomk && g.heap.size() > 1) SortReverse(&g.heap, ByReverseValue);
        for (Sample& s : g.heap) step_out.push_back(std::move(s));
      }
      k_builder.Add(ts, std::move(step_out));
      continue;
    }

    for (size_t si = 0; si < in.size(); ++si) {
      double f = 0;
      std::shared_ptr<const model::FloatHistogram> h;
      if (!next_value(si, &f, &h)) continue;
      Group& g = groups[group_of[si]];
      if (in[si].drop_name) g.drop_name = true;
      if (!g.seen) {
        const bool drop = g.drop_name;
        g = Group{};
        g.drop_name = drop;
        g.seen = true;
        g.value = f;
        g.mean = f;
        g.count = 1;
        switch (a.op) {
          case TokenType::kSum:
          case TokenType::kAvg:
            if (h) {
              g.has_histogram = true;
            } else {
              g.has_float = true;
            }
            break;
          case TokenType::kStddev:
          case TokenType::kStdvar:
            if (h) {
              g.seen = false;
              ctx_->annotations->Info("ignored histogram in " + std::string(TokenText(a.op)) + " aggregation",
                                      expr_pos);
            } else if (std::isnan(f) || std::isinf(f)) {
              g.value = std::nan("");
            } else {
              g.value = 0;
            }
            break;
          case TokenType::kQuantile:
            if (h) {
              g.seen = false;
              ctx_->annotations->Info("ignored histogram in quantile aggregation", expr_pos);
            }
            g.values = {f};
            break;
          case TokenType::kGroup: g.value = 1; break;
          case TokenType::kMin:
          case TokenType::kMax:
            if (h) {
              g.seen = false;
              ctx_->annotations->Info("ignored histogram in " + std::string(TokenText(a.op)) + " aggregation",
                                      expr_pos);
            }
            break;
          default: break;
        }
        continue;
      }
      switch (a.op) {
        case TokenType::kSum:
          if (h) {
            g.has_histogram = true;
          } else {
            g.has_float = true;
            KahanSumInc(f, &g.value, &g.kahan);
          }
          break;
        case TokenType::kAvg:
          g.count += 1;
          if (h) {
            g.has_histogram = true;
            break;
          }
          g.has_float = true;
          if (!g.incremental_mean) {
            double sum = g.value, c = g.kahan;
            KahanSumInc(f, &sum, &c);
            if (!std::isinf(sum)) {
              g.value = sum;
              g.kahan = c;
              break;
            }
            // The sum would overflow: continue with an incremental mean.
            g.incremental_mean = true;
            g.mean = g.value / (g.count - 1);
            g.kahan /= g.count - 1;
          }
          {
            const double q = (g.count - 1) / g.count;
            double mean = q * g.mean, c = q * g.kahan;
            KahanSumInc(f / g.count, &mean, &c);
            g.mean = mean;
            g.kahan = c;
          }
          break;
        case TokenType::kGroup: break;
        case TokenType::kMax:
          if (h) {
            ctx_->annotations->Info("ignored histogram in max aggregation", expr_pos);
            break;
          }
          if (g.value < f || std::isnan(g.value)) g.value = f;
          break;
        case TokenType::kMin:
          if (h) {
            ctx_->annotations->Info("ignored histogram in min aggregation", expr_pos);
            break;
          }
          if (g.value > f || std::isnan(g.value)) g.value = f;
          break;
        case TokenType::kCount: g.count += 1; break;
        case TokenType::kStddev:
        case TokenType::kStdvar:
          if (h) {
            ctx_->annotations->Info("ignored histogram in " + std::string(TokenText(a.op)) + " aggregation",
                                    expr_pos);
            break;
          }
          {
            g.count += 1;
            const double delta = f - g.mean;
            g.mean += delta / g.count;
            g.value += delta * (f - g.mean);
          }
          break;
        case TokenType::kQuantile:
          if (h) {
            ctx_->annotations->Info("ignored histogram in quantile aggregation", expr_pos);
            break;
          }
          g.values.push_back(f);
          break;
        default: break;
      }
    }
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      Group& g = groups[gi];
      if (!g.seen) continue;
      double v = g.value;
      switch (a.op) {
        case TokenType::kSum:
        case TokenType::kAvg:
          if (g.has_float && g.has_histogram) {
            ctx_->annotations->Warn("encountered a mix of histograms and floats for aggregation", expr_pos);
            continue;
          }
          if (g.has_histogram) continue;  // native histogram aggregation arrives with its issue
          if (a.op == TokenType::kSum) {
            v = g.value + g.kahan;
          } else if (g.incremental_mean) {
            v = g.mean + g.kahan;
          } else {
            v = g.value / g.count + g.kahan / g.count;
          }
          break;
        case TokenType::kCount: v = g.count; break;
        case TokenType::kStdvar: v = g.value / g.count; break;
        case TokenType::kStddev: v = std::sqrt(g.value / g.count); break;
        case TokenType::kQuantile: v = Quantile(params[step], std::move(g.values)); break;
        default: break;
      }
      out[gi].floats.push_back({ts, v});
      if (g.drop_name) out[gi].drop_name = true;
    }
  }
  if (k_op) return k_builder.Finish();
  Matrix result;
  int64_t n = 0;
  for (Series& s : out) {
    if (s.floats.empty() && s.histograms.empty()) continue;
    n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
    (void)delayed;
    result.push_back(std::move(s));
  }
  ctx_->AddSamples(n);
  return result;
}

// --- Function calls ----------------------------------------------------------------------------

namespace {

// A scalar argument's value at a step.
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

  if (name == "timestamp") {
    const Expr& arg = Unwrap(*c.args[0]);
    if (arg.kind == NodeKind::kVectorSelector) return EvalTimestampOfSelector(c, As<VectorSelector>(arg));
  }

  for (size_t i = 0; i < c.args.size(); ++i) {
    const Expr& arg = Unwrap(*c.args[i]);
    if (arg.kind == NodeKind::kMatrixSelector || arg.kind == NodeKind::kSubquery)
      return EvalRangeFunction(c, i);
  }

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
  FunctionCall fc;
  fc.call = &c;
  fc.ctx = ctx_;
  fc.vectors.assign(c.args.size(), nullptr);
  fc.scalars.assign(c.args.size(), 0);
  fc.strings.assign(c.args.size(), "");
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

// --- info() (experimental) ----------------------------------------------------------------------

namespace {

// The identifying labels of info series (hard-coded, as in Prometheus).
constexpr std::array<std::string_view, 2> kInfoIdentifyingLabels = {"instance", "job"};

// Where info() looks up the info series: at each step, as of the @ timestamp when pinned (else
// the step) shifted back by the offset.
struct InfoReference {
  std::optional<int64_t> at;
  int64_t offset = 0;
};

// Whether two references read the info series at the same times: pinned ones by their
// effective time (@ 180 offset 1m is @ 120), unpinned ones by their offset.
bool SameInfoReference(const InfoReference& a, const InfoReference& b) {
  if (!a.at || !b.at) return !a.at && !b.at && a.offset == b.offset;
  return WrapSub(*a.at, a.offset) == WrapSub(*b.at, b.offset);
}

// The reference of info()'s first argument, as Prometheus' infoSelectTimestampAndOffset: that
// of its selectors on vector-producing paths (scalar(x @ 1) only yields a number) when they all
// share it; none (the evaluation step) when they differ or some path has no selector
// (vector(1) follows the step), so that the operand order cannot change the answer.
class InfoReferenceFinder {
 public:
  using OffsetOf = std::function<int64_t(const TimeModifiers&)>;
  explicit InfoReferenceFinder(OffsetOf offset_of) : offset_of_(std::move(offset_of)) {}

  // Whether every vector-producing path of e has a selector, all with the same reference.
  bool Uniform(const Expr& e) {
    Inspect(e, {});
    return found_ && uniform_ && !reference_free_;
  }

  InfoReference Shared(const Expr& e) { return Uniform(e) ? first_ : InfoReference{}; }

 private:
  // Subqueries' modifiers add up, outermost first, until an @ pins the time.
  InfoReference Apply(InfoReference r, const TimeModifiers& m) const {
    if (m.at == AtKind::kTimestamp) return {m.timestamp, offset_of_(m)};
    r.offset = WrapAdd(r.offset, offset_of_(m));
    return r;
  }

  void AddSelector(const InfoReference& r) {
    if (!found_) {
      first_ = r;
      found_ = true;
    } else if (!SameInfoReference(first_, r)) {
      uniform_ = false;
    }
  }

  // Whether a vector-producing e has a selector; r: the modifiers of the subqueries around e.
  bool Inspect(const Expr& e, InfoReference r) {
    const ValueType t = e.Type();
    if (t != ValueType::kVector && t != ValueType::kMatrix) return false;
    if (e.kind == NodeKind::kVectorSelector) {
      AddSelector(Apply(r, As<VectorSelector>(e).mods));
      return true;
    }
    if (e.kind == NodeKind::kSubquery) r = Apply(r, As<SubqueryExpr>(e).mods);
    // A nested info()'s data label selector is syntax, not an evaluated vector.
    if (e.kind == NodeKind::kCall && As<Call>(e).func->name == "info")
      return Inspect(*As<Call>(e).args[0], r);
    bool has_selector = false;
    for (const Expr* child : Children(e)) {
      if (Inspect(*child, r)) has_selector = true;
    }
    if (!has_selector) reference_free_ = true;
    return has_selector;
  }

  OffsetOf offset_of_;
  InfoReference first_;
  bool found_ = false;
  bool uniform_ = true;
  bool reference_free_ = false;
};

bool AllMatch(const std::vector<const model::Matcher*>& ms, std::string_view v) {
  for (const model::Matcher* m : ms) {
    if (!m->Matches(v)) return false;
  }
  return true;
}

bool AllMatchEmpty(const std::vector<const model::Matcher*>& ms) {
  return AllMatch(ms, "");
}

// The join key of a series with an info metric: the info metric's name and the identifying
// labels the series has.
std::string InfoSignature(std::string_view info_name, const model::Labels& l) {
  model::LabelsBuilder b;
  b.Set(model::kMetricNameLabel, info_name);
  for (std::string_view n : kInfoIdentifyingLabels) {
    const std::string_view v = l.Get(n);
    if (!v.empty()) b.Set(n, v);
  }
  return std::string(b.Build().Encoded());
}

// info()'s second argument: the data label matchers by label name, and the matchers on
// __name__ that pick the info metrics.
struct InfoSelector {
  std::map<std::string, std::vector<const model::Matcher*>> data;
  std::vector<const model::Matcher*> names;
};

const model::Matcher* NameMatcher(model::MatchType type, std::string value) {
  return new model::Matcher(
      *model::Matcher::Make(type, std::string(model::kMetricNameLabel), std::move(value)));
}

InfoSelector InfoSelectorOf(const Call& c) {
  static const model::Matcher* const kTargetInfo = NameMatcher(model::MatchType::kEqual, "target_info");
  static const model::Matcher* const kAnyInfo = NameMatcher(model::MatchType::kRegexMatch, ".+_info");
  InfoSelector s;
  if (c.args.size() > 1) {
    const Expr& arg = Unwrap(*c.args[1]);
    if (arg.kind != NodeKind::kVectorSelector) {
      Fail(ErrorKind::kBadData, "expected label selectors only as the second argument of info()");
    }
    for (const model::Matcher& m : As<VectorSelector>(arg).matchers) {
      if (m.name() == model::kMetricNameLabel) {
        s.names.push_back(&m);
      } else {
        s.data[m.name()].push_back(&m);
      }
    }
  }
  // Without a __name__ matcher the info metric is target_info; only negative ones would pick
  // every other metric, so they are narrowed to names ending in _info (as Prometheus does).
  const bool positive = std::any_of(s.names.begin(), s.names.end(), [](const model::Matcher* m) {
    return m->type() == model::MatchType::kEqual || m->type() == model::MatchType::kRegexMatch;
  });
  if (s.names.empty()) {
    s.names.push_back(kTargetInfo);
  } else if (!positive) {
    s.names.insert(s.names.begin(), kAnyInfo);
  }
  return s;
}

model::Matcher MustMatcher(model::MatchType type, std::string_view name, std::string value) {
  auto m = model::Matcher::Make(type, std::string(name), std::move(value));
  if (!m.ok()) Fail(ErrorKind::kInternal, m.error().message());
  return *std::move(m);
}

// As Prometheus' infoIdentifyingMatcherSets: one matcher set per pattern of which identifying
// labels the series to enrich carry (their values, or "" for an absent one), so that an info
// series with, say, only an instance is found for series with only that instance.
std::vector<std::vector<model::Matcher>> InfoIdentifyingMatcherSets(const Matrix& base,
                                                                    const std::vector<bool>& ignored) {
  // Keyed by presence bits in Prometheus' order of the sets: 1 job, 2 instance.
  std::map<int, std::array<std::set<std::string>, kInfoIdentifyingLabels.size()>> groups;
  for (size_t i = 0; i < base.size(); ++i) {
    if (ignored[i]) continue;
    const std::string_view instance = base[i].metric.Get(kInfoIdentifyingLabels[0]);
    const std::string_view job = base[i].metric.Get(kInfoIdentifyingLabels[1]);
    const int presence = (instance.empty() ? 0 : 2) | (job.empty() ? 0 : 1);
    if (presence == 0) continue;
    auto& g = groups[presence];
    if (!instance.empty()) g[0].insert(std::string(instance));
    if (!job.empty()) g[1].insert(std::string(job));
  }
  std::vector<std::vector<model::Matcher>> sets;
  for (const auto& [presence, values] : groups) {
    std::vector<model::Matcher>& set = sets.emplace_back();
    for (size_t k = 0; k < kInfoIdentifyingLabels.size(); ++k) {
      std::string re;
      for (const std::string& v : values[k]) re += (re.empty() ? "" : "|") + RE2::QuoteMeta(v);
      set.push_back(values[k].empty()
                        ? MustMatcher(model::MatchType::kEqual, kInfoIdentifyingLabels[k], "")
                        : MustMatcher(model::MatchType::kRegexMatch, kInfoIdentifyingLabels[k], re));
    }
  }
  return sets;
}

// The newest info sample (series index, sample time) per join signature at reference time rt,
// within the lookback delta; two of the same time conflict, as in Prometheus.
using InfoBySignature = std::unordered_map<std::string_view, std::pair<size_t, int64_t>>;
InfoBySignature NewestInfoAt(const std::vector<LoadedSeries>& info, const std::vector<std::string>& sigs,
                             int64_t rt, int64_t lookback, std::vector<size_t>* cursors) {
  InfoBySignature by_sig;
  for (size_t i = 0; i < info.size(); ++i) {
    const std::vector<Point>& pts = info[i].points;
    size_t& cur = (*cursors)[i];
    while (cur < pts.size() && pts[cur].t <= rt) ++cur;
    while (cur > 0 && pts[cur - 1].t > rt) --cur;
    if (cur == 0) continue;
    const Point& p = pts[cur - 1];
    if (p.t <= WrapSub(rt, lookback) || IsStale(p)) continue;
    if (p.h) {
      Fail(ErrorKind::kExecution,
           "this should be an info metric, with float samples: " + info[i].labels.ToString());
    }
    auto [it, inserted] = by_sig.try_emplace(sigs[i], i, p.t);
    if (inserted || it->second.second > p.t) continue;
    if (it->second.second == p.t) {
      Fail(ErrorKind::kExecution, "found duplicate series for info metric: existing " +
                                      info[it->second.first].labels.ToString() + " @ " + std::to_string(p.t) +
                                      ", new " + info[i].labels.ToString() + " @ " + std::to_string(p.t));
    }
    it->second = {i, p.t};
  }
  return by_sig;
}

// Adds the data labels of the info series matched at this step to a base sample; false when
// none matched and a data label matcher needs a value, which drops the sample.
bool EnrichWithInfo(Sample* bs, const std::vector<std::pair<std::string, std::string>>& base_sigs,
                    const InfoBySignature& by_sig, const std::vector<LoadedSeries>& info,
                    const InfoSelector& sel, bool all_match_empty) {
  model::LabelsBuilder added;
  bool seen_any = false;
  for (const auto& [info_name, sig] : base_sigs) {
    auto it = by_sig.find(sig);
    if (it == by_sig.end()) continue;
    seen_any = true;
    for (const model::LabelView& l : info[it->second.first].labels) {
      if (IsMetadataLabel(l.name)) continue;
      if (!sel.data.empty() && !sel.data.count(std::string(l.name))) continue;
      const std::string_view existing = added.Get(l.name);
      if (!existing.empty() && existing != l.value) {
        Fail(ErrorKind::kExecution, "conflicting label: " + std::string(l.name));
      }
      if (bs->metric.Has(l.name)) continue;
      added.Set(l.name, l.value);
    }
  }
  if (!seen_any && !all_match_empty) return false;
  if (!added.empty()) {
    model::LabelsBuilder b(bs->metric);
    for (const model::LabelView& l : added.Build()) b.Set(l.name, l.value);
    bs->metric = b.Build();
  }
  return true;
}

}  // namespace

bool InfoInputsShareReference(const Expr& e, const QueryContext& ctx) {
  return InfoReferenceFinder([&ctx](const TimeModifiers& m) {
           return m.offset_expr ? EvalDurationExpr(*m.offset_expr, ctx) : m.original_offset;
         })
      .Uniform(e);
}

Matrix Evaluator::EvalInfo(const Call& c) {
  const InfoReference ref =
      InfoReferenceFinder([this](const TimeModifiers& m) { return OffsetOf(m); }).Shared(*c.args[0]);
  Matrix base = Eval(*c.args[0]);
  const InfoSelector sel = InfoSelectorOf(c);

  // Info series themselves are not enriched.
  std::vector<bool> ignored(base.size(), false);
  for (size_t i = 0; i < base.size(); ++i) ignored[i] = AllMatch(sel.names, base[i].metric.MetricName());

  // At each step the info series are read as of the reference time, within the lookback delta.
  auto ref_time = [&](int64_t ts) { return WrapSub(ref.at ? *ref.at : ts, ref.offset); };
  std::vector<LoadedSeries> info;
  for (std::vector<model::Matcher>& ids : InfoIdentifyingMatcherSets(base, ignored)) {
    VectorSelector vs;
    vs.matchers = std::move(ids);
    for (const auto& [name, ms] : sel.data) {
      for (const model::Matcher* m : ms) vs.matchers.push_back(*m);
    }
    for (const model::Matcher* m : sel.names) vs.matchers.push_back(*m);
    std::vector<LoadedSeries> got = Select(vs, WrapSub(ref_time(start_), ctx_->lookback), ref_time(end_));
    std::move(got.begin(), got.end(), std::back_inserter(info));
  }
  bool all_match_empty = true;
  for (const auto& [name, ms] : sel.data) all_match_empty = all_match_empty && AllMatchEmpty(ms);

  std::set<std::string> info_names;
  for (const LoadedSeries& s : info) info_names.insert(std::string(s.labels.MetricName()));
  std::vector<std::string> info_sigs(info.size());
  for (size_t i = 0; i < info.size(); ++i)
    info_sigs[i] = InfoSignature(info[i].labels.MetricName(), info[i].labels);
  std::vector<std::vector<std::pair<std::string, std::string>>> base_sigs(base.size());  // (info name, sig)
  for (size_t i = 0; i < base.size(); ++i) {
    for (const std::string& n : info_names) base_sigs[i].emplace_back(n, InfoSignature(n, base[i].metric));
  }

  std::vector<size_t> info_cursor(info.size(), 0);
  std::vector<size_t> base_cursor;
  std::vector<size_t> base_index;
  MatrixBuilder builder;
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    ctx_->CheckInterrupt("expression evaluation");
    const InfoBySignature by_sig = NewestInfoAt(info, info_sigs, ref_time(ts), ctx_->lookback, &info_cursor);
    Vector in = VectorAt(base, ts, &base_cursor, &base_index);
    Vector out;
    for (size_t k = 0; k < in.size(); ++k) {
      const size_t bi = base_index[k];
      if (ignored[bi] || EnrichWithInfo(&in[k], base_sigs[bi], by_sig, info, sel, all_match_empty)) {
        out.push_back(std::move(in[k]));
      }
    }
    builder.Add(ts, std::move(out));
  }
  Matrix m = builder.Finish();
  int64_t n = 0;
  for (const Series& s : m) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  ctx_->AddSamples(n);
  return m;
}

std::vector<LoadedSeries> Evaluator::EvalSubqueryPoints(const SubqueryExpr& sq) {
  const int64_t offset = OffsetOf(sq.mods);
  const int64_t range = sq.range_expr ? EvalDurationExpr(*sq.range_expr, *ctx_) : sq.range;
  int64_t step = sq.step_expr ? EvalDurationExpr(*sq.step_expr, *ctx_) : sq.step;
  if (step <= 0) step = ctx_->options->default_subquery_step_ms;
  int64_t outer_start = start_, outer_end = end_;
  if (sq.mods.at == AtKind::kTimestamp) outer_start = outer_end = sq.mods.timestamp;
  const int64_t lower = WrapSub(WrapSub(outer_start, offset), range);
  // The first inner step is the smallest multiple of the step after (3.x: strictly after)
  // the start of the first window.
  int64_t inner_start = WrapMul(step, lower / step);
  if (inner_start <= lower) inner_start = WrapAdd(inner_start, step);
  const int64_t inner_end = WrapSub(outer_end, offset);
  std::vector<LoadedSeries> out;
  if (inner_start > inner_end) return out;
  Evaluator inner(ctx_, inner_start, inner_end, step);
  Matrix m = inner.Eval(*sq.expr);
  for (Series& s : m) {
    LoadedSeries ls;
    ls.labels = std::move(s.metric);
    ls.drop_name = s.drop_name;
    size_t fi = 0, hi = 0;
    while (fi < s.floats.size() || hi < s.histograms.size()) {
      if (hi >= s.histograms.size() || (fi < s.floats.size() && s.floats[fi].t < s.histograms[hi].t)) {
        ls.points.push_back({s.floats[fi].t, s.floats[fi].f, nullptr});
        ++fi;
      } else {
        ls.points.push_back({s.histograms[hi].t, 0, s.histograms[hi].h});
        ++hi;
      }
    }
    out.push_back(std::move(ls));
  }
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

Matrix Evaluator::EvalRangeFunction(const Call& c, size_t matrix_arg) {
  const std::string& name = c.func->name;
  RangeFunction fn = FindRangeFunction(name);
  if (fn == nullptr && name != "absent_over_time") {
    Fail(ErrorKind::kExecution, "function \"" + name + "\" is not supported yet");
  }
  // Scalar arguments, step by step.
  std::vector<Matrix> scalar_args(c.args.size());
  FunctionCall fc;
  fc.call = &c;
  fc.ctx = ctx_;
  fc.vectors.assign(c.args.size(), nullptr);
  fc.scalars.assign(c.args.size(), 0);
  fc.strings.assign(c.args.size(), "");
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
  }
  const bool keep_name = RangeFunctionKeepsName(name);
  const bool delayed = ctx_->delayed_name_removal;

  Matrix out;
  int64_t n = 0;
  auto evaluate = [&](LoadedSeries& ls) {
    std::erase_if(ls.points, IsStale);  // stale markers never enter a range window
    Series s{ls.labels, {}, {}, ls.drop_name};
    s.floats.reserve(StepsReached(ls.points.size(), range + extend_before + extend_after));
    if (!keep_name) DropMetricName(&s, delayed);
    Window w;
    w.series = &ls;
    w.range = range;
    w.anchored = anchored;
    w.smoothed = smoothed;
    size_t lo = 0, hi = 0;
    size_t step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
      const int64_t ref = RefTime(*mods, ts);
      const int64_t from = WrapSub(ref, range);
      while (hi < ls.points.size() && ls.points[hi].t <= WrapAdd(ref, extend_after)) ++hi;
      while (lo < hi && ls.points[lo].t <= WrapSub(from, extend_before)) ++lo;
      if (lo > hi) lo = hi;
      // A pinned (@) window does not move; after the first step the pointers are right.
      if (lo == hi) continue;
      if (fn == nullptr) {  // absent_over_time: presence is what counts
        s.floats.push_back({ts, 1});
        continue;
      }
      w.points = std::span<const Point>(ls.points.data() + lo, hi - lo);
      w.range_start = from;
      w.range_end = ref;
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
    if (!s.floats.empty() || !s.histograms.empty()) {
      n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
      out.push_back(std::move(s));
    }
  };
  if (selector != nullptr) {
    ForEachSelected(*selector, WrapSub(WrapSub(RefTime(*mods, start_), range), extend_before),
                    WrapAdd(RefTime(*mods, end_), extend_after), evaluate);
  } else {
    for (LoadedSeries& ls : series) evaluate(ls);
  }

  if (name == "absent_over_time") {
    // One series with 1 at every step where no input series had a sample in its window.
    const int steps = NumSteps();
    std::vector<bool> found(static_cast<size_t>(steps), false);
    for (const Series& s : out) {
      for (const FPoint& p : s.floats) found[static_cast<size_t>((p.t - start_) / interval_)] = true;
    }
    Series absent{LabelsForAbsent(arg), {}, {}, false};
    for (int i = 0; i < steps; ++i) {
      if (!found[static_cast<size_t>(i)]) absent.floats.push_back({start_ + i * interval_, 1});
    }
    if (absent.floats.empty()) return {};
    return Matrix{std::move(absent)};
  }

  if (!delayed) {
    std::unordered_map<model::Labels, int, model::LabelsHash> seen;
    for (const Series& s : out) {
      if (++seen[s.metric] > 1)
        Fail(ErrorKind::kExecution, "vector cannot contain metrics with the same labelset");
    }
  }
  ctx_->AddSamples(n);
  return out;
}

// --- Duration expressions ----------------------------------------------------------------------

namespace {

double DurationSeconds(const Expr& e, const QueryContext& ctx) {
  if (e.kind == NodeKind::kNumberLiteral) return As<NumberLiteral>(e).val;
  if (e.kind == NodeKind::kParen) return DurationSeconds(*As<ParenExpr>(e).expr, ctx);
  const auto& d = As<DurationExpr>(e);
  switch (d.op) {
    case TokenType::kStep: return static_cast<double>(ctx.query_step) / 1000;
    case TokenType::kRange: return static_cast<double>(ctx.query_end - ctx.query_start) / 1000;
    case TokenType::kMinOf: return std::min(DurationSeconds(*d.lhs, ctx), DurationSeconds(*d.rhs, ctx));
    case TokenType::kMaxOf: return std::max(DurationSeconds(*d.lhs, ctx), DurationSeconds(*d.rhs, ctx));
    default: break;
  }
  const double r = DurationSeconds(*d.rhs, ctx);
  if (!d.lhs) return d.op == TokenType::kSub ? -r : r;
  const double l = DurationSeconds(*d.lhs, ctx);
  switch (d.op) {
    case TokenType::kAdd: return l + r;
    case TokenType::kSub: return l - r;
    case TokenType::kMul: return l * r;
    case TokenType::kDiv:
      if (r == 0) Fail(ErrorKind::kExecution, "division by zero");
      return l / r;
    case TokenType::kMod:
      if (r == 0) Fail(ErrorKind::kExecution, "modulo by zero");
      return std::fmod(l, r);
    case TokenType::kPow: return std::pow(l, r);
    default: return r;
  }
}

}  // namespace

namespace {

// Prometheus' durationVisitor.evaluateDurationExpr; an error is "<start>:<end>: <what>" with the
// byte offsets of the (sub)expression, as Prometheus words it.
std::optional<double> PrepareSeconds(const Expr& e, const QueryContext& ctx, std::string* error) {
  if (e.kind == NodeKind::kNumberLiteral) return As<NumberLiteral>(e).val;
  if (e.kind == NodeKind::kParen) return PrepareSeconds(*As<ParenExpr>(e).expr, ctx, error);
  const auto& d = As<DurationExpr>(e);
  double l = 0, r = 0;
  if (d.lhs) {
    auto v = PrepareSeconds(*d.lhs, ctx, error);
    if (!v) return std::nullopt;
    l = *v;
  }
  if (d.rhs) {
    auto v = PrepareSeconds(*d.rhs, ctx, error);
    if (!v) return std::nullopt;
    r = *v;
  }
  const std::string where = std::to_string(e.pos.start) + ":" + std::to_string(e.pos.end) + ": ";
  switch (d.op) {
    case TokenType::kStep: return static_cast<double>(ctx.query_step) / 1000;
    case TokenType::kRange: return static_cast<double>(ctx.query_end - ctx.query_start) / 1000;
    case TokenType::kMinOf: return GoMin(l, r);
    case TokenType::kMaxOf: return GoMax(l, r);
    case TokenType::kAdd: return d.lhs ? l + r : r;
    case TokenType::kSub: return d.lhs ? l - r : -r;
    case TokenType::kMul: return l * r;
    case TokenType::kDiv:
    case TokenType::kMod:
      if (r == 0) {
        *error = where + (d.op == TokenType::kDiv ? "division by zero" : "modulo by zero");
        return std::nullopt;
      }
      return d.op == TokenType::kDiv ? l / r : std::fmod(l, r);
    case TokenType::kPow: return std::pow(l, r);
    default: *error = "unexpected duration expression operator"; return std::nullopt;
  }
}

// Prometheus' calculateDuration: the value in ms (truncated, as Go converts), or an error.
std::optional<int64_t> PrepareDuration(const Expr& e, bool allow_negative, const QueryContext& ctx,
                                       std::string* error) {
  const auto secs = PrepareSeconds(e, ctx, error);
  if (!secs) return std::nullopt;
  const std::string where = std::to_string(e.pos.start) + ":" + std::to_string(e.pos.end) + ": ";
  if (!std::isfinite(*secs)) {
    *error = where + "duration is NaN or infinite";
  } else if (*secs <= 0 && !allow_negative) {
    *error = where + "duration must be greater than 0";
  } else if (std::fabs(*secs) > 9223372036.854775807) {
    *error = where + "duration is out of range";
  } else {
    return static_cast<int64_t>(*secs * 1000);
  }
  return std::nullopt;
}

}  // namespace

std::string CheckDurationExprs(const Expr& root, const QueryContext& ctx) {
  std::string error;
  std::vector<const Expr*> stack = {&root};
  while (!stack.empty() && error.empty()) {
    const Expr& e = *stack.back();
    stack.pop_back();
    std::vector<std::pair<const Expr*, bool>> durations;  // expression, negative allowed
    if (e.kind == NodeKind::kVectorSelector) {
      durations.push_back({As<VectorSelector>(e).mods.offset_expr.get(), true});
    } else if (e.kind == NodeKind::kMatrixSelector) {
      durations.push_back({As<MatrixSelector>(e).range_expr.get(), false});
    } else if (e.kind == NodeKind::kSubquery) {
      const auto& sq = As<SubqueryExpr>(e);
      durations = {
          {sq.mods.offset_expr.get(), true}, {sq.step_expr.get(), false}, {sq.range_expr.get(), false}};
    }
    for (const auto& [d, negative_ok] : durations) {
      if (d != nullptr && !PrepareDuration(*d, negative_ok, ctx, &error)) break;
    }
    for (const Expr* c : Children(e)) stack.push_back(c);
  }
  return error;
}

int64_t EvalDurationExpr(const Expr& e, const QueryContext& ctx) {
  const double secs = DurationSeconds(e, ctx);
  if (!std::isfinite(secs) || std::fabs(secs) > 9223372036.854775) {
    Fail(ErrorKind::kExecution, "duration out of range");
  }
  return static_cast<int64_t>(secs * 1000);  // truncated, as Go's time.Duration(secs*1000)
}

}  // namespace promref::promql::internal
