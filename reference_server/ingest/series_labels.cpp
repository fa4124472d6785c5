#include "ingest/series_labels.h"

#include <algorithm>

#include "ingest/lex.h"
#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::ingest {
namespace {

using Pairs = std::vector<model::LabelView>;

bool IsBound(MetricType type, std::string_view name) {
  return (type == MetricType::kHistogram && name == "le") ||
         (type == MetricType::kSummary && name == "quantile");
}

bool ByName(const model::LabelView& a, const model::LabelView& b) {
  return a.name < b.name;
}

// A stable insertion sort: label sets are small, and it allocates nothing.
void SortByName(Pairs* p) {
  for (size_t i = 1; i < p->size(); ++i) {
    for (size_t j = i; j > 0 && ByName((*p)[j], (*p)[j - 1]); --j) std::swap((*p)[j], (*p)[j - 1]);
  }
}

// Prometheus' labels.String() of a set that may hold empty or repeated names.
std::string FormatForError(const Pairs& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    const std::string_view name = labels[i].name;
    out += model::IsValidLegacyLabelName(name) ? std::string(name) : model::GoQuote(name);
    out += '=';
    out += model::GoQuote(labels[i].value);
  }
  return out + "}";
}

bool ValidName(std::string_view name) {
  return !name.empty() && model::IsValidUtf8(name);
}

// A name that repeats in `labels`, which is sorted by name.
const std::string_view* FirstRepeatedName(const Pairs& labels) {
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i].name == labels[i - 1].name) return &labels[i].name;
  }
  return nullptr;
}

void DropEmptyValues(Pairs* labels) {
  std::erase_if(*labels, [](const auto& l) { return l.value.empty(); });
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

std::string_view SeriesLabelsBuilder::Keep(std::string text) {
  if (scratch_used_ == scratch_.size()) scratch_.emplace_back();
  std::string& slot = scratch_[scratch_used_++];
  slot = std::move(text);
  return slot;
}

// Escape-free text (the common case) is used where it lies; only escaped text is copied.
std::string_view SeriesLabelsBuilder::Unescaped(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  return Keep(lex::UnescapeLabelText(raw));
}

Status SeriesLabelsBuilder::Build(std::string_view raw_name, const std::vector<RawLabel>& pairs,
                                  MetricType type, model::Labels* out) {
  scratch_used_ = 0;
  views_.clear();
  views_.push_back({model::kMetricNameLabel, Unescaped(raw_name)});
  for (const RawLabel& p : pairs) {
    const std::string_view name = Unescaped(p.name);
    std::string_view value = Unescaped(p.value);
    if (IsBound(type, name)) {  // "1" -> "1.0": both formats give the same series
      const model::ParsedFloat f = model::ParseFloat(value);
      if (f.ok()) value = Keep(FormatOpenMetricsFloat(f.value));
    }
    views_.push_back({name, value});
  }
  return Finish(out);
}

Status SeriesLabelsBuilder::BuildDecoded(const LabelPairs& pairs, model::Labels* out) {
  views_.clear();
  for (const auto& [name, value] : pairs) views_.push_back({name, value});
  return Finish(out);
}

Status SeriesLabelsBuilder::Finish(model::Labels* out) {
  SortByName(&views_);
  const bool valid = std::all_of(views_.begin(), views_.end(), [](const model::LabelView& l) {
    return ValidName(l.name) && model::IsValidUtf8(l.value) &&
           (l.name != model::kMetricNameLabel || ValidName(l.value));
  });
  if (!valid) return BadData("invalid metric name or label names: " + FormatForError(views_));
  // The head drops empty values before it looks for repeated names.
  DropEmptyValues(&views_);
  if (const std::string_view* dup = FirstRepeatedName(views_)) {
    return BadData("label name \"" + std::string(*dup) + "\" is not unique: invalid sample");
  }
  model::AssignSortedLabels(views_, out);
  return {};
}

bool SeriesLabelsBuilder::BuildExemplar(const std::vector<RawLabel>& pairs, model::Labels* out) {
  views_.clear();
  for (const RawLabel& p : pairs) views_.push_back({p.name, p.value});
  SortByName(&views_);
  // The exemplar storage looks for repeated names before anything drops the empty values.
  if (FirstRepeatedName(views_) != nullptr) return false;
  DropEmptyValues(&views_);
  model::AssignSortedLabels(views_, out);
  return true;
}

}  // namespace promref::ingest
