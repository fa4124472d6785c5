#include "storage/storage.h"

namespace promref::storage {

std::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kUnknown: return "unknown";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateset: return "stateset";
  }
  return "unknown";
}

std::string_view AppendErrorText(AppendError e) {
  switch (e) {
    case AppendError::kNone: return "";
    case AppendError::kOutOfOrder: return "out of order sample";
    case AppendError::kOutOfBounds: return "out of bounds";
    case AppendError::kDuplicateSample: return "duplicate sample for timestamp";
    case AppendError::kTooOld: return "too old sample";
    case AppendError::kInvalidLabels: return "invalid labels";
    case AppendError::kInvalidHistogram: return "invalid histogram";
    case AppendError::kInternal: return "internal storage error";
  }
  return "";
}

std::vector<model::Sample> ReadFloats(const Series& series, int64_t mint, int64_t maxt) {
  std::vector<model::Sample> out;
  auto it = series.Iterator();
  for (ValueType vt = it->Seek(mint); vt != ValueType::kNone && it->AtT() <= maxt; vt = it->Next()) {
    if (vt == ValueType::kFloat) out.push_back({it->AtT(), it->AtFloat()});
  }
  return out;
}

}  // namespace promref::storage
