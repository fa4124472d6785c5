// Helpers the function files share, and the lookup tables they each contribute.
#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

#include "model/go_strconv.h"
#include "promql/internal/functions.h"

namespace promref::promql::internal {

// Each function file's own table (nullptr when the name is not one of its functions).
VectorFunction FindInstantVectorFunction(std::string_view name);
VectorFunction FindHistogramFunction(std::string_view name);
RangeFunction FindOverTimeFunction(std::string_view name);
RangeFunction FindRateFunction(std::string_view name);

// A window's points are a span of its series' points, so a series with only floats (or only
// histograms) answers for all its windows without a scan.
inline bool HasHistograms(const Window& w) {
  if (w.series != nullptr && w.series->indexed && !(w.series->has_histograms && w.series->has_floats)) {
    return w.series->has_histograms && !w.points.empty();
  }
  return std::any_of(w.points.begin(), w.points.end(), [](const Point& p) { return p.h != nullptr; });
}

inline bool HasFloats(const Window& w) {
  if (w.series != nullptr && w.series->indexed && !(w.series->has_histograms && w.series->has_floats)) {
    return w.series->has_floats && !w.points.empty();
  }
  return std::any_of(w.points.begin(), w.points.end(), [](const Point& p) { return p.h == nullptr; });
}

inline std::vector<double> Floats(const Window& w) {
  std::vector<double> v;
  v.reserve(w.points.size());
  for (const Point& p : w.points) {
    if (!p.h) v.push_back(p.f);
  }
  return v;
}

inline RangeResult Float(double f) {
  return RangeResult{true, f, nullptr};
}

inline void MixedWarning(const Window& w, const FunctionCall& fc) {
  fc.ctx->annotations->Warn("encountered a mix of histograms and floats for metric name " +
                                model::GoQuote(w.series->labels.MetricName()),
                            ArgPosition(*fc.call, 0));
}

inline void IgnoredHistogramsInfo(const Window& w, const FunctionCall& fc) {
  fc.ctx->annotations->Info(
      "ignored histograms in a range containing both floats and histograms for metric name " +
          model::GoQuote(w.series->labels.MetricName()),
      ArgPosition(*fc.call, 0));
}

}  // namespace promref::promql::internal
