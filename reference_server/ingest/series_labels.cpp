#include "ingest/series_labels.h"

#include <algorithm>

#include "ingest/lex.h"
#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::ingest {
namespace {

std::string NormalizeValue(MetricType type, std::string_view name, std::string value) {
  const bool is_bound = (type == MetricType::kHistogram && name == "le") ||
                        (type == MetricType::kSummary && name == "quantile");
  if (!is_bound) return value;
  const model::ParsedFloat f = model::ParseFloat(value);
  return f.ok() ? FormatOpenMetricsFloat(f.value) : value;
}

bool ByName(const LabelPairs::value_type& a, const LabelPairs::value_type& b) {
  return a.first < b.first;
}

// Prometheus' labels.String() of a set that may hold empty or repeated names.
std::string FormatForError(const LabelPairs& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    const std::string& name = labels[i].first;
    out += model::IsValidLegacyLabelName(name) ? name : model::GoQuote(name);
    out += '=';
    out += model::GoQuote(labels[i].second);
  }
  return out + "}";
}

bool ValidName(std::string_view name) {
  return !name.empty() && model::IsValidUtf8(name);
}

// A name that repeats in `labels`, which is sorted by name.
const std::string* FirstRepeatedName(const LabelPairs& labels) {
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i].first == labels[i - 1].first) return &labels[i].first;
  }
  return nullptr;
}

void DropEmptyValues(LabelPairs* labels) {
  std::erase_if(*labels, [](const auto& l) { return l.second.empty(); });
}

}  // namespace

std::string FormatOpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  std::string s = model::FormatFloat(f, 'g');  // NaN, +Inf and -Inf come out as they should
  if (s.find_first_of("e.") == std::string::npos && s != "NaN" && s != "+Inf" && s != "-Inf") s += ".0";
  return s;
}

Status SeriesLabelsBuilder::Build(std::string_view raw_name, const std::vector<RawLabel>& pairs,
                                  MetricType type, model::Labels* out) {
  labels_.clear();
  labels_.emplace_back(std::string(model::kMetricNameLabel), lex::UnescapeLabelText(raw_name));
  for (const RawLabel& p : pairs) {
    std::string name = lex::UnescapeLabelText(p.name);
    std::string value = NormalizeValue(type, name, lex::UnescapeLabelText(p.value));
    labels_.emplace_back(std::move(name), std::move(value));
  }
  return Finish(out);
}

Status SeriesLabelsBuilder::BuildDecoded(const LabelPairs& pairs, model::Labels* out) {
  labels_ = pairs;
  return Finish(out);
}

Status SeriesLabelsBuilder::Finish(model::Labels* out) {
  std::stable_sort(labels_.begin(), labels_.end(), ByName);

  const bool valid = std::all_of(labels_.begin(), labels_.end(), [](const auto& l) {
    return ValidName(l.first) && model::IsValidUtf8(l.second) &&
           (l.first != model::kMetricNameLabel || ValidName(l.second));
  });
  if (!valid) return BadData("invalid metric name or label names: " + FormatForError(labels_));
  // The head drops empty values before it looks for repeated names.
  DropEmptyValues(&labels_);
  if (const std::string* dup = FirstRepeatedName(labels_)) {
    return BadData("label name \"" + *dup + "\" is not unique: invalid sample");
  }
  views_.clear();
  for (const auto& [name, value] : labels_) views_.push_back({name, value});
  model::AssignSortedLabels(views_, out);
  return {};
}

bool SeriesLabelsBuilder::BuildExemplar(const std::vector<RawLabel>& pairs, model::Labels* out) {
  labels_.clear();
  for (const RawLabel& p : pairs) labels_.emplace_back(std::string(p.name), std::string(p.value));
  std::stable_sort(labels_.begin(), labels_.end(), ByName);
  // The exemplar storage looks for repeated names before anything drops the empty values.
  if (FirstRepeatedName(labels_) != nullptr) return false;
  DropEmptyValues(&labels_);
  views_.clear();
  for (const auto& [name, value] : labels_) views_.push_back({name, value});
  model::AssignSortedLabels(views_, out);
  return true;
}

}  // namespace promref::ingest
