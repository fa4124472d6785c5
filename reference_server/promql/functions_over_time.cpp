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
#include "promql/internal/function_support.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"
#include "promql/internal/histogram_sum.h"
#include "promql/internal/window_sums.h"

namespace promref::promql::internal {
namespace {

// sum_over_time/avg_over_time over histograms. A mix of exponential and custom buckets makes
// the result go, with only that warning; otherwise what the additions noticed is reported.
RangeResult HistogramsOverTime(const Window& w, const FunctionCall& fc, bool mean) {
  const PositionRange pos = ArgPosition(*fc.call, 0);
  HistogramSum acc(*w.points[0].h);
  bool reconciled = false;
  for (size_t i = 1; i < w.points.size(); ++i) {
    const model::FloatHistogram& h = *w.points[i].h;
    const model::HistogramOpResult r = mean ? acc.AddToMean(h, static_cast<double>(i + 1)) : acc.Add(h);
    FailOnInvalidLayout(r);
    if (r.error == model::HistogramOpError::kMixedSchemas) {
      fc.ctx->annotations->Warn(MixedSchemasText(w.series->labels.MetricName()), pos);
      return {};
    }
    reconciled |= r.nhcb_bounds_reconciled;
  }
  if (acc.HintsCollide()) fc.ctx->annotations->Warn(CounterResetCollisionText("aggregation"), pos);
  if (reconciled) fc.ctx->annotations->Info(ReconciledBucketsText("aggregation"), pos);
  model::FloatHistogram h = mean ? acc.Mean(static_cast<double>(w.points.size())) : acc.Sum();
  return RangeResult{true, 0, std::make_shared<const model::FloatHistogram>(std::move(h))};
}

RangeResult FnAvgOverTime(const Window& w, const FunctionCall& fc) {
  if (HasHistograms(w)) {
    if (Floats(w).empty()) return HistogramsOverTime(w, fc, true);
    MixedWarning(w, fc);
    return {};
  }
  return Float(AvgFloatWindow(w.points));
}

RangeResult FnSumOverTime(const Window& w, const FunctionCall& fc) {
  if (HasHistograms(w)) {
    if (Floats(w).empty()) return HistogramsOverTime(w, fc, false);
    MixedWarning(w, fc);
    return {};
  }
  return Float(SumFloatWindow(w.points));
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

FloatWindowsFunction FindFloatWindowsFunction(std::string_view name) {
  if (name == "sum_over_time") {
    return {[](const FloatWindows& w, double* out) { SumFloatWindows(w.points, w.spans, out); }};
  }
  if (name == "avg_over_time") {
    return {[](const FloatWindows& w, double* out) { AvgFloatWindows(w.points, w.spans, out); }};
  }
  return FindRateWindowsFunction(name);
}

bool RangeFunctionKeepsName(std::string_view name) {
  return name == "last_over_time" || name == "first_over_time";
}

}  // namespace promref::promql::internal
