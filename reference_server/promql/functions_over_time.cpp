// The *_over_time range functions (promql/functions.go's aggrOverTime family): one series'
// window in, one value out.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/histogram_ops.h"
#include "model/sample.h"
#include "model/time.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/function_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {
namespace {

// sum_over_time/avg_over_time over histograms: what the additions noticed, reported when the
// window is done, unless a mix of exponential and custom buckets made the result go (then
// only that is reported).
class HistogramWindowSum {
 public:
  HistogramWindowSum(const Window& w, const FunctionCall& fc) : w_(w), fc_(fc) {}

  void Track(const model::FloatHistogram& h) {
    if (h.counter_reset_hint == model::CounterResetHint::kCounterReset) reset_seen_ = true;
    if (h.counter_reset_hint == model::CounterResetHint::kNotCounterReset) not_reset_seen_ = true;
  }
  // false after a mix of schemas.
  bool Check(const model::HistogramOpResult& r) {
    if (r.error == model::HistogramOpError::kInvalidLayout) {
      Fail(ErrorKind::kExecution, "histogram has an invalid bucket layout");
    }
    if (r.error == model::HistogramOpError::kMixedSchemas) {
      fc_.ctx->annotations->Warn(
          "vector contains a mix of histograms with exponential and custom buckets schemas for metric name " +
              model::GoQuote(w_.series->labels.MetricName()),
          ArgPosition(*fc_.call, 0));
      return false;
    }
    reconciled_ |= r.nhcb_bounds_reconciled;
    return true;
  }
  RangeResult Done(model::FloatHistogram h) {
    const PositionRange pos = ArgPosition(*fc_.call, 0);
    if (reset_seen_ && not_reset_seen_) {
      fc_.ctx->annotations->Warn("conflicting counter resets during histogram aggregation", pos);
    }
    if (reconciled_)
      fc_.ctx->annotations->Info("mismatched custom buckets were reconciled during aggregation", pos);
    return RangeResult{true, 0, std::make_shared<const model::FloatHistogram>(std::move(h))};
  }

 private:
  const Window& w_;
  const FunctionCall& fc_;
  bool reset_seen_ = false, not_reset_seen_ = false, reconciled_ = false;
};

RangeResult SumHistogramsOverTime(const Window& w, const FunctionCall& fc) {
  HistogramWindowSum acc(w, fc);
  model::FloatHistogram sum = *w.points[0].h;
  acc.Track(sum);
  std::optional<model::FloatHistogram> c;
  for (size_t i = 1; i < w.points.size(); ++i) {
    acc.Track(*w.points[i].h);
    if (!acc.Check(model::HistogramKahanAdd(&sum, *w.points[i].h, &c))) return {};
  }
  if (c && !acc.Check(model::HistogramAdd(&sum, *c))) return {};
  return acc.Done(std::move(sum));
}

// As avg of floats: a Kahan sum while no field overflows, then an incremental mean.
RangeResult AvgHistogramsOverTime(const Window& w, const FunctionCall& fc) {
  HistogramWindowSum acc(w, fc);
  model::FloatHistogram sum = *w.points[0].h;
  acc.Track(sum);
  std::optional<model::FloatHistogram> mean, c;
  double count = 1;
  bool incremental = false;
  for (size_t i = 1; i < w.points.size(); ++i) {
    const model::FloatHistogram& h = *w.points[i].h;
    acc.Track(h);
    count = static_cast<double>(i + 1);
    if (!incremental) {
      model::FloatHistogram sum_copy = sum;
      std::optional<model::FloatHistogram> c_copy = c;
      if (!acc.Check(model::HistogramKahanAdd(&sum_copy, h, &c_copy))) return {};
      if (!HistogramHasOverflow(sum_copy)) {
        sum = std::move(sum_copy);
        c = std::move(c_copy);
        continue;
      }
      incremental = true;
      mean = sum;
      model::HistogramDiv(&*mean, count - 1);
      if (c) model::HistogramDiv(&*c, count - 1);
    }
    const double q = (count - 1) / count;
    if (c) model::HistogramMul(&*c, q);
    model::FloatHistogram to_add = h;
    model::HistogramDiv(&to_add, count);
    model::HistogramMul(&*mean, q);
    if (!acc.Check(model::HistogramKahanAdd(&*mean, to_add, &c))) return {};
  }
  if (incremental) {
    if (c && !acc.Check(model::HistogramAdd(&*mean, *c))) return {};
    return acc.Done(std::move(*mean));
  }
  model::HistogramDiv(&sum, count);
  if (c) {
    model::HistogramDiv(&*c, count);
    if (!acc.Check(model::HistogramAdd(&sum, *c))) return {};
  }
  return acc.Done(std::move(sum));
}

RangeResult FnAvgOverTime(const Window& w, const FunctionCall& fc) {
  if (HasHistograms(w)) {
    if (Floats(w).empty()) return AvgHistogramsOverTime(w, fc);
    MixedWarning(w, fc);
    return {};
  }
  const auto& p = w.points;
  double sum = p[0].f, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < p.size(); ++i) {
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double new_sum = sum, new_c = c;
      KahanSumInc(p[i].f, &new_sum, &new_c);
      if (!std::isinf(new_sum)) {
        sum = new_sum, c = new_c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, mc = q * c;
    KahanSumInc(p[i].f / count, &m, &mc);
    mean = m, c = mc;
  }
  return Float(incremental ? mean + c : sum / count + c / count);
}

RangeResult FnSumOverTime(const Window& w, const FunctionCall& fc) {
  if (HasHistograms(w)) {
    if (Floats(w).empty()) return SumHistogramsOverTime(w, fc);
    MixedWarning(w, fc);
    return {};
  }
  double sum = 0, c = 0;
  for (const Point& p : w.points) KahanSumInc(p.f, &sum, &c);
  return Float(sum + c);
}

RangeResult FnCountOverTime(const Window& w, const FunctionCall&) {
  return Float(static_cast<double>(w.points.size()));
}

RangeResult FnPresentOverTime(const Window&, const FunctionCall&) {
  return Float(1);
}

RangeResult FnLastOverTime(const Window& w, const FunctionCall&) {
  const Point& p = w.points.back();
  return RangeResult{true, p.f, p.h};
}
RangeResult FnFirstOverTime(const Window& w, const FunctionCall&) {
  const Point& p = w.points.front();
  return RangeResult{true, p.f, p.h};
}

// Applies `fn` to the window's floats; histograms are ignored (with an info when mixed).
template <typename F>
RangeResult OverFloats(const Window& w, const FunctionCall& fc, size_t min_floats, F fn) {
  std::vector<double> v = Floats(w);
  if (v.size() != w.points.size() && !v.empty()) IgnoredHistogramsInfo(w, fc);
  if (v.size() < std::max<size_t>(min_floats, 1)) return {};
  return Float(fn(v));
}

RangeResult FnMaxOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) {
    double m = v[0];
    for (double f : v) {
      if (f > m || std::isnan(m)) m = f;
    }
    return m;
  });
}
RangeResult FnMinOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) {
    double m = v[0];
    for (double f : v) {
      if (f < m || std::isnan(m)) m = f;
    }
    return m;
  });
}

double StdvarOf(const std::vector<double>& v) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (double f : v) {
    count += 1;
    const double delta = f - (mean + c_mean);
    KahanSumInc(delta / count, &mean, &c_mean);
    KahanSumInc(delta * (f - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}
RangeResult FnStdvarOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, StdvarOf);
}
RangeResult FnStddevOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) { return std::sqrt(StdvarOf(v)); });
}

RangeResult FnQuantileOverTime(const Window& w, const FunctionCall& fc) {
  const double q = fc.scalars[0];
  if (std::isnan(q) || q < 0 || q > 1) {
    fc.ctx->annotations->Warn("quantile value should be between 0 and 1, got " + model::FormatFloat(q, 'g'),
                              fc.call->args[0]->pos);
  }
  return OverFloats(w, fc, 1, [q](const std::vector<double>& v) { return Quantile(q, v); });
}

RangeResult FnMadOverTime(const Window& w, const FunctionCall& fc) {
  return OverFloats(w, fc, 1, [](const std::vector<double>& v) {
    if (std::any_of(v.begin(), v.end(), [](double f) { return std::isnan(f); })) return std::nan("");
    const double median = Quantile(0.5, v);
    std::vector<double> dev;
    for (double f : v) dev.push_back(std::fabs(f - median));
    return Quantile(0.5, dev);
  });
}

RangeResult FnTsOfLastOverTime(const Window& w, const FunctionCall&) {
  return Float(static_cast<double>(w.points.back().t) / 1000);
}
RangeResult FnTsOfFirstOverTime(const Window& w, const FunctionCall&) {
  return Float(static_cast<double>(w.points.front().t) / 1000);
}
RangeResult TsOfExtreme(const Window& w, const FunctionCall& fc, bool max) {
  std::vector<const Point*> floats;
  for (const Point& p : w.points) {
    if (!p.h) floats.push_back(&p);
  }
  if (floats.size() != w.points.size() && !floats.empty()) IgnoredHistogramsInfo(w, fc);
  if (floats.empty()) return {};
  double best = floats[0]->f;
  int64_t t = floats[0]->t;
  for (const Point* p : floats) {
    // The last sample holding the extreme value.
    if ((max ? p->f >= best : p->f <= best) || std::isnan(best)) {
      best = p->f;
      t = p->t;
    }
  }
  return Float(static_cast<double>(t) / 1000);
}
RangeResult FnTsOfMaxOverTime(const Window& w, const FunctionCall& fc) {
  return TsOfExtreme(w, fc, true);
}
RangeResult FnTsOfMinOverTime(const Window& w, const FunctionCall& fc) {
  return TsOfExtreme(w, fc, false);
}

}  // namespace

RangeFunction FindOverTimeFunction(std::string_view name) {
  static const auto* table = new std::unordered_map<std::string_view, RangeFunction>{
      {"avg_over_time", FnAvgOverTime},
      {"sum_over_time", FnSumOverTime},
      {"count_over_time", FnCountOverTime},
      {"present_over_time", FnPresentOverTime},
      {"last_over_time", FnLastOverTime},
      {"first_over_time", FnFirstOverTime},
      {"max_over_time", FnMaxOverTime},
      {"min_over_time", FnMinOverTime},
      {"stddev_over_time", FnStddevOverTime},
      {"stdvar_over_time", FnStdvarOverTime},
      {"quantile_over_time", FnQuantileOverTime},
      {"mad_over_time", FnMadOverTime},
      {"ts_of_last_over_time", FnTsOfLastOverTime},
      {"ts_of_first_over_time", FnTsOfFirstOverTime},
      {"ts_of_max_over_time", FnTsOfMaxOverTime},
      {"ts_of_min_over_time", FnTsOfMinOverTime},
  };
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

bool RangeFunctionKeepsName(std::string_view name) {
  return name == "last_over_time" || name == "first_over_time";
}

}  // namespace promref::promql::internal
