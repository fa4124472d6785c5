// ExpandLoad: what a load command writes.
#include <algorithm>
#include <cmath>
#include <map>

#include "model/go_strconv.h"
#include "promqltest/evaluator.h"
#include "promqltest/histogram_util.h"

namespace promref::promqltest {
namespace {

enum class Suffix { kNone, kBucket, kCount, kSum };

// The classic-histogram role of a metric name and the base name it belongs to.
Suffix SplitHistogramName(std::string_view name, std::string_view* base) {
  for (auto [suffix, kind] : {std::pair{std::string_view("_bucket"), Suffix::kBucket},
                              std::pair{std::string_view("_sum"), Suffix::kSum},
                              std::pair{std::string_view("_count"), Suffix::kCount}}) {
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      *base = name.substr(0, name.size() - suffix.size());
      return kind;
    }
  }
  *base = name;
  return Suffix::kNone;
}

LoadedSeries Expand(const LoadCommand& cmd, const LoadSeries& s) {
  LoadedSeries out{s.labels, {}};
  for (size_t i = 0; i < s.values.size(); ++i) {
    const SequenceValue& v = s.values[i];
    const int64_t t = static_cast<int64_t>(i) * cmd.interval_ms;
    if (v.omitted) continue;
    LoadedSample sample{t, v.value, v.histogram, std::nullopt};
    // The series' own @st line, else the standalone default, cycled.
    const SequenceValue* st = nullptr;
    if (!s.start_timestamps.empty()) {
      st = &s.start_timestamps[i];
    } else if (!cmd.default_start_timestamps.empty()) {
      st = &cmd.default_start_timestamps[i % cmd.default_start_timestamps.size()];
    }
    if (st != nullptr && !st->omitted) sample.start_timestamp = t + static_cast<int64_t>(st->value);
    out.samples.push_back(std::move(sample));
  }
  return out;
}

// load_with_nhcb: every timestamp of a classic histogram's series becomes one NHCB sample of
// the series named after the base, without `le`.
Result<std::vector<LoadedSeries>> ConvertClassicHistograms(const std::vector<LoadedSeries>& series) {
  std::map<model::Labels, std::map<int64_t, ClassicHistogramBuilder>> builders;
  for (const LoadedSeries& s : series) {
    std::string_view base;
    const Suffix suffix = SplitHistogramName(s.labels.MetricName(), &base);
    if (suffix == Suffix::kNone) continue;
    double le = 0;
    if (suffix == Suffix::kBucket) {
      if (!s.labels.Has("le")) return BadData("expected bucket label in metric " + s.labels.ToString());
      model::ParsedFloat f = model::ParseFloat(s.labels.Get("le"));
      if (!f.ok() || std::isnan(f.value)) continue;
      le = f.value;
    }
    const model::Labels key =
        model::LabelsBuilder(s.labels).Set(model::kMetricNameLabel, base).Del("le").Build();
    auto& by_time = builders[key];
    for (const LoadedSample& sample : s.samples) {
      if (sample.h) continue;
      ClassicHistogramBuilder& b = by_time[sample.t];
      switch (suffix) {
        case Suffix::kBucket: b.SetBucketCount(le, sample.f); break;
        case Suffix::kCount: b.SetCount(sample.f); break;
        case Suffix::kSum: b.SetSum(sample.f); break;
        case Suffix::kNone: break;
      }
    }
  }
  std::vector<LoadedSeries> out;
  for (const auto& [labels, by_time] : builders) {
    LoadedSeries converted{labels, {}};
    for (const auto& [t, builder] : by_time) {
      auto h = builder.Build();
      if (!h.ok()) return h.error().Prefixed("converting " + labels.ToString() + " to NHCB: ");
      converted.samples.push_back(
          LoadedSample{t, 0, std::make_shared<const model::FloatHistogram>(*std::move(h)), std::nullopt});
    }
    out.push_back(std::move(converted));
  }
  return out;
}

}  // namespace

Result<std::vector<LoadedSeries>> ExpandLoad(const LoadCommand& cmd) {
  // A later definition of the same series replaces an earlier one (in its place).
  std::vector<LoadedSeries> out;
  std::map<model::Labels, size_t> index;
  for (const LoadSeries& s : cmd.series) {
    LoadedSeries expanded = Expand(cmd, s);
    auto [it, inserted] = index.emplace(s.labels, out.size());
    if (inserted) {
      out.push_back(std::move(expanded));
    } else {
      out[it->second] = std::move(expanded);
    }
  }
  if (cmd.with_nhcb) {
    auto converted = ConvertClassicHistograms(out);
    if (!converted.ok()) return converted.error();
    for (LoadedSeries& s : *converted) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace promref::promqltest
