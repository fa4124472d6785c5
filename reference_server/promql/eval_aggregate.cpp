// Aggregations: sum, avg, min, max, count, group, stddev, stdvar, topk/bottomk, quantile,
// count_values, limitk/limit_ratio, by/without grouping (Prometheus' engine: rangeEval of
// AggregateExpr, aggregation, aggregationK, aggregationCountValues).

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

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

}  // namespace promref::promql::internal
