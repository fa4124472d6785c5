// Binary operators: scalar and vector arithmetic, comparisons (with and without bool), set
// operators and vector matching (on/ignoring, group_left/right, fill), as Prometheus' engine
// (VectorBinop, VectorAnd/Or/Unless).

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "model/histogram_ops.h"
#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/histogram_sum.h"

namespace promref::promql::internal {

namespace {

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

using HistogramPtr = std::shared_ptr<const model::FloatHistogram>;

// Why an element pair gave no result, or what it noticed (Go's err and info of
// vectorElemBinop, as annotations).
enum class ElemNote : uint8_t {
  kNone,
  kIncompatibleTypes,      // info: the operator does not apply to these sample types
  kCounterResetCollision,  // warning: one side said reset, the other not
  kMixedSchemas,           // warning: exponential with custom buckets
  kReconciledBuckets,      // info: custom bounds differed (the result is kept)
};

struct ElemResult {
  double f = 0;
  HistogramPtr h;
  bool keep = false;
  ElemNote note = ElemNote::kNone;
  // Whether the note replaces the result (Go returns it as err) rather than accompanies it.
  bool dropped() const { return note != ElemNote::kNone && note != ElemNote::kReconciledBuckets; }
};

ElemResult Incompatible() {
  return {.note = ElemNote::kIncompatibleTypes};
}

ElemResult HistogramResult(model::FloatHistogram h) {
  return {.h = std::make_shared<const model::FloatHistogram>(model::HistogramCompact(h)), .keep = true};
}

// h + h and h - h. An invalid bucket layout fails the query, as Prometheus panics on it.
ElemResult AddOrSubHistograms(TokenType op, const model::FloatHistogram& l, const model::FloatHistogram& r) {
  model::FloatHistogram res = l;
  const model::HistogramOpResult st =
      op == TokenType::kAdd ? model::HistogramAdd(&res, r) : model::HistogramSub(&res, r);
  if (st.error == model::HistogramOpError::kMixedSchemas) return {.note = ElemNote::kMixedSchemas};
  FailOnInvalidLayout(st);
  if (op == TokenType::kSub) res.counter_reset_hint = model::CounterResetHint::kGauge;
  if (st.counter_reset_collision) return {.note = ElemNote::kCounterResetCollision};
  ElemResult out = HistogramResult(std::move(res));
  if (st.nhcb_bounds_reconciled) out.note = ElemNote::kReconciledBuckets;
  return out;
}

// Prometheus' vectorElemBinop: one pair of samples, floats or native histograms. Histograms
// multiply and divide by floats, trim by float bounds, add, subtract and compare for equality
// with each other; every other combination is an incompatible-types info and no result.
ElemResult ElemBinop(TokenType op, double lf, double rf, const HistogramPtr& lh, const HistogramPtr& rh) {
  if (!lh && !rh) {
    if (op == TokenType::kTrimUpper || op == TokenType::kTrimLower) return Incompatible();
    ElemResult r;
    r.f = ArithOrCompare(op, lf, rf, &r.keep);
    return r;
  }
  if (!lh) {  // float op histogram
    if (op != TokenType::kMul) return Incompatible();
    model::FloatHistogram h = *rh;
    model::HistogramMul(&h, lf);
    return HistogramResult(std::move(h));
  }
  if (!rh) {  // histogram op float
    model::FloatHistogram h = *lh;
    switch (op) {
      case TokenType::kMul: model::HistogramMul(&h, rf); return HistogramResult(std::move(h));
      case TokenType::kDiv: model::HistogramDiv(&h, rf); return HistogramResult(std::move(h));
      case TokenType::kTrimUpper:
      case TokenType::kTrimLower:
        return {.h = std::make_shared<const model::FloatHistogram>(
                    model::HistogramTrimBuckets(h, rf, op == TokenType::kTrimUpper)),
                .keep = true};
      default: return Incompatible();
    }
  }
  switch (op) {
    case TokenType::kAdd:
    case TokenType::kSub: return AddOrSubHistograms(op, *lh, *rh);
    case TokenType::kEqlc: return {.h = lh, .keep = model::HistogramEquals(*lh, *rh)};
    case TokenType::kNeq: return {.h = lh, .keep = !model::HistogramEquals(*lh, *rh)};
    default: return Incompatible();
  }
}

std::string_view SampleType(const HistogramPtr& h) {
  return h ? "histogram" : "float";
}

// The annotation for a note about `l op r`, at the binary expression.
void Annotate(QueryContext* ctx, const BinaryExpr& b, ElemNote note, std::string_view ltype,
              std::string_view rtype) {
  const std::string op(TokenText(b.op));
  const std::string operation = b.op == TokenType::kSub ? "subtraction" : "addition";
  switch (note) {
    case ElemNote::kNone: return;
    case ElemNote::kIncompatibleTypes:
      ctx->annotations->Info("incompatible sample types encountered for binary operator " +
                                 model::GoQuote(op) + ": " + std::string(ltype) + " " + op + " " +
                                 std::string(rtype),
                             b.pos);
      return;
    case ElemNote::kCounterResetCollision:
      ctx->annotations->Warn(CounterResetCollisionText(operation), b.pos);
      return;
    case ElemNote::kMixedSchemas:
      ctx->annotations->Warn("incompatible bucket layout encountered for binary operator " + op, b.pos);
      return;
    case ElemNote::kReconciledBuckets:
      ctx->annotations->Info(ReconciledBucketsText(operation), b.pos);
      return;
  }
}

// Only the last note of a step is reported, as Prometheus keeps only the last error of a step.
struct StepNote {
  ElemNote note = ElemNote::kNone;
  std::string_view ltype, rtype;
  void Set(ElemNote n, const HistogramPtr& l, const HistogramPtr& r) {
    note = n;
    ltype = SampleType(l);
    rtype = SampleType(r);
  }
  void Flush(QueryContext* ctx, const BinaryExpr& b) {
    Annotate(ctx, b, note, ltype, rtype);
    note = ElemNote::kNone;
  }
};

double ScalarBinop(TokenType op, double l, double r) {
  bool keep;
  const double v = ArithOrCompare(op, l, r, &keep);
  if (IsComparisonOperator(op)) return keep ? 1 : 0;
  return v;
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
  VectorBinop(const BinaryExpr& b, const Matrix& l, const Matrix& r, bool delayed, QueryContext* ctx)
      : b_(b), vm_(*b.matching), l_(l), r_(r), delayed_(delayed), ctx_(ctx) {
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
    for (const Pending& p : pending_) out->Append(p.out, ts, p.f, p.h);
    note_.Flush(ctx_, b_);
  }

 private:
  static inline const HistogramPtr kNoHistogram;

  // The result series of a matched pair.
  struct PairOutput {
    OutputSeries series;
    uint64_t hash = 0;  // of series.metric, for the many-to-one uniqueness check
  };
  // A sample of the step bound for an output series.
  struct Pending {
    OutputSeries* out;
    double f;
    HistogramPtr h;
  };
  // One side of a vector-matching pair: a series' point, or a fill value (metric null) standing
  // in for a missing series.
  struct Operand {
    const model::Labels* metric = nullptr;
    double f = 0;
    const HistogramPtr* h = &kNoHistogram;
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
  void Emit(OutputSeries* out, const StepPoint& p) {
    pending_.push_back({out, p.f, p.h != nullptr ? *p.h : kNoHistogram});
  }

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
    return Operand{&s.metric, p.f, p.h != nullptr ? p.h : &kNoHistogram, s.drop_name,
                   static_cast<uint32_t>(p.series + 1)};
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
    const Operand& l = swap ? o : m;
    const Operand& r = swap ? m : o;
    ElemResult res = ElemBinop(b_.op, l.f, r.f, *l.h, *r.h);
    if (res.note != ElemNote::kNone) note_.Set(res.note, *l.h, *r.h);
    if (res.dropped()) return;
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
      res.f = res.keep ? 1 : 0;
      res.h = nullptr;
    } else if (!res.keep) {
      return;
    }
    // The kept value of a comparison is the left side's (ElemBinop's); under group_right the
    // labels are the right ("many") side's.
    pending_.push_back({&out.series, res.f, std::move(res.h)});
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
  QueryContext* ctx_;
  StepNote note_;
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
    VectorBinop binop(b, l, r, delayed, ctx_);
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
  StepNote note;
  for (int64_t ts = start_; ts <= end_; ts += interval_, ++step) {
    const double scalar = sc[0].floats[step].f;
    Vector in = VectorAt(vec, ts, &cur);
    Vector out;
    for (Sample& s : in) {
      const HistogramPtr no_histogram;
      const HistogramPtr& lh = scalar_left ? no_histogram : s.h;
      const HistogramPtr& rh = scalar_left ? s.h : no_histogram;
      ElemResult res = ElemBinop(b.op, scalar_left ? scalar : s.f, scalar_left ? s.f : scalar, lh, rh);
      // Only infos drop a pair here (warnings cannot arise between a vector and a scalar).
      if (res.dropped()) {
        note.Set(res.note, lh, rh);
        continue;
      }
      // A comparison keeps the vector element's value even with the scalar on the left.
      if (IsComparisonOperator(b.op) && scalar_left) {
        res.f = s.f;
        res.h = s.h;
      }
      if (b.return_bool) {
        res.f = res.keep ? 1 : 0;
        res.h = nullptr;
        res.keep = true;
      }
      if (!res.keep) continue;
      s.f = res.f;
      s.h = std::move(res.h);
      if (DropsName(b.op) || b.return_bool) DropMetricName(&s, delayed);
      out.push_back(std::move(s));
    }
    note.Flush(ctx_, b);
    builder.Add(ts, std::move(out));
  }
  return builder.Finish();
}

}  // namespace promref::promql::internal
