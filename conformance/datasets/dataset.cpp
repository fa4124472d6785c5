#include "datasets/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <numbers>

#include "datasets/internal/generation.h"
#include "datasets/native_histograms.h"
#include "model/sample.h"

namespace promconform {
namespace {

using namespace dataset_generation;

using promref::model::Sample;
using promref::wire::MetricMetadata;
using promref::wire::MetricType;
using promref::wire::RawLabels;

class Builder {
 public:
  explicit Builder(Dataset& d) : d_(d) {}

  void Meta(const std::string& family, MetricType type, const std::string& help,
            const std::string& unit = "") {
    d_.metadata.push_back({type, family, help, unit});
  }
  // References stay valid across later Add calls (a deque), so a family can fill all its series
  // scrape by scrape.
  DatasetSeries& Add(RawLabels labels) {
    series_.push_back({Sorted(std::move(labels)), {}});
    return series_.back();
  }
  void Finish() {
    for (auto& s : series_) d_.series.push_back(std::move(s));
    series_.clear();
  }
  static Rng RngFor(const RawLabels& labels) { return Rng(Fnv(SeriesName(labels))); }

 private:
  Dataset& d_;
  std::deque<DatasetSeries> series_;
};

int64_t PhaseFor(const std::string& instance) {
  return static_cast<int64_t>(Fnv("phase/" + instance) % 14000) + 500;
}

const std::vector<std::string> kInstances = {"host-1", "host-2", "host-3"};

void HttpRequests(Builder& b) {
  b.Meta("pc_http_requests_total", MetricType::kCounter, "HTTP requests served.");
  for (std::string job : {"api", "web"}) {
    for (const auto& inst : kInstances) {
      for (std::string method : {"GET", "POST"}) {
        for (std::string code : {"200", "500"}) {
          auto& s = b.Add({{"__name__", "pc_http_requests_total"},
                           {"job", job},
                           {"instance", inst},
                           {"method", method},
                           {"code", code}});
          Rng rng = Builder::RngFor(s.labels);
          const double mean =
              (method == "GET" ? 40.0 : 12.0) * (code == "200" ? 1.0 : 0.05) * (job == "api" ? 1 : 0.6);
          double v = static_cast<double>(rng.Between(5000, 90000));
          const bool resets = job == "api" && inst == "host-2" && code == "200";
          int i = 0;
          for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
            const double inc = std::floor(mean * (0.4 + 1.2 * rng.Unit()));
            v = (resets && i == 100) ? inc : v + inc;  // a restart at ~25 min
            s.samples.push_back({t, v});
            ++i;
          }
        }
      }
    }
  }
}

void CpuSeconds(Builder& b) {
  b.Meta("pc_cpu_seconds_total", MetricType::kCounter, "CPU time spent.", "seconds");
  for (const auto& inst : kInstances) {
    for (std::string mode : {"user", "system", "idle"}) {
      auto& s = b.Add({{"__name__", "pc_cpu_seconds_total"}, {"instance", inst}, {"mode", mode}});
      Rng rng = Builder::RngFor(s.labels);
      const double per_scrape = mode == "idle" ? 11.0 : (mode == "user" ? 2.5 : 0.75);
      double v = 100000.0 * rng.Unit() + 50000.0;
      for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
        v += per_scrape * (0.5 + rng.Unit());
        s.samples.push_back({t, v});
      }
    }
  }
}

void Gauges(Builder& b) {
  b.Meta("pc_temperature_celsius", MetricType::kGauge, "Air temperature.", "celsius");
  for (const auto& inst : kInstances) {
    for (std::string loc : {"inlet", "outlet"}) {
      auto& s = b.Add({{"__name__", "pc_temperature_celsius"}, {"instance", inst}, {"location", loc}});
      Rng rng = Builder::RngFor(s.labels);
      const double phase = rng.Unit() * 6.28;
      for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
        double v = 20.0 - (loc == "outlet" ? 10.0 : 0.0) +
                   15.0 * std::sin(2 * std::numbers::pi * static_cast<double>(t) / (20.0 * kMinute) + phase) +
                   rng.Unit() - 0.5;
        v = std::round(v * 100) / 100;
        s.samples.push_back({t, v});
      }
    }
  }
  b.Meta("pc_memory_usage_bytes", MetricType::kGauge, "Memory in use.", "bytes");
  for (const auto& inst : kInstances) {
    for (std::string type : {"heap", "stack"}) {
      auto& s = b.Add({{"__name__", "pc_memory_usage_bytes"}, {"instance", inst}, {"type", type}});
      Rng rng = Builder::RngFor(s.labels);
      double v = type == "heap" ? 1.5e9 + 1e8 * rng.Unit() : 2.5e7 + 1e6 * rng.Unit();
      for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
        v += std::round((rng.Unit() - 0.48) * (type == "heap" ? 2e7 : 3e5));
        s.samples.push_back({t, v});
      }
    }
  }
  b.Meta("pc_queue_length", MetricType::kGauge, "Items waiting.");
  for (std::string job : {"api", "web"}) {
    for (const auto& inst : kInstances) {
      auto& s = b.Add({{"__name__", "pc_queue_length"}, {"job", job}, {"instance", inst}});
      Rng rng = Builder::RngFor(s.labels);
      int64_t v = rng.Between(0, 10);
      for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
        const int64_t r = rng.Between(0, 9);  // often unchanged, so changes() has work to do
        if (r < 2) v = std::max<int64_t>(0, v - 1);
        if (r > 6) v = std::min<int64_t>(20, v + rng.Between(1, 3));
        s.samples.push_back({t, static_cast<double>(v)});
      }
    }
  }
  b.Meta("pc_ratio", MetricType::kGauge, "A fraction.");
  for (const auto& inst : kInstances) {
    auto& s = b.Add({{"__name__", "pc_ratio"}, {"instance", inst}});
    Rng rng = Builder::RngFor(s.labels);
    for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
      s.samples.push_back({t, std::round(rng.Unit() * 1000) / 1000});
    }
  }
  b.Meta("pc_up", MetricType::kGauge, "Whether the target is up.");
  for (std::string job : {"api", "web"}) {
    for (const auto& inst : kInstances) {
      auto& s = b.Add({{"__name__", "pc_up"}, {"job", job}, {"instance", inst}});
      Rng rng = Builder::RngFor(s.labels);
      for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
        const bool down = job == "web" && inst == "host-3" && t > 30 * kMinute && t < 40 * kMinute;
        s.samples.push_back({t, down ? 0.0 : 1.0});
      }
    }
  }
}

void SpecialValues(Builder& b) {
  b.Meta("pc_special_values", MetricType::kGauge, "Values that are hard to print and to compare.");
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Kind {
    const char* name;
    double (*value)(int i, Rng& rng);
  };
  static const Kind kinds[] = {
      {"nan", [](int, Rng&) { return std::numeric_limits<double>::quiet_NaN(); }},
      {"mixed_nan",
       [](int i, Rng& r) { return i % 7 == 3 ? std::numeric_limits<double>::quiet_NaN() : r.Unit() * 10; }},
      {"inf", [](int, Rng&) { return std::numeric_limits<double>::infinity(); }},
      {"neg_inf", [](int, Rng&) { return -std::numeric_limits<double>::infinity(); }},
      {"zero", [](int, Rng&) { return 0.0; }},
      {"neg_zero", [](int, Rng&) { return -0.0; }},
      {"tiny", [](int i, Rng&) { return 1e-300 * (1 + i % 5); }},
      {"huge", [](int i, Rng&) { return 1e300 * (1 + i % 5); }},
      {"small", [](int i, Rng&) { return 1.5e-7 * (1 + i % 3); }},
      {"large", [](int i, Rng&) { return 1e21 * (1 + i % 3); }},
      {"negative", [](int, Rng& r) { return -std::round(r.Unit() * 10000) / 100 - 1; }},
  };
  (void)inf;
  (void)nan;
  for (const Kind& k : kinds) {
    auto& s = b.Add({{"__name__", "pc_special_values"}, {"kind", k.name}});
    Rng rng = Builder::RngFor(s.labels);
    int i = 0;
    for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor("special"))) {
      s.samples.push_back({t, k.value(i++, rng)});
    }
  }
}

void InfoAndEdges(Builder& b) {
  b.Meta("pc_build_info", MetricType::kGauge, "Build information.");
  b.Meta("pc_instance_zone", MetricType::kGauge, "Where an instance runs.");
  int n = 0;
  for (const auto& inst : kInstances) {
    ++n;
    auto& info = b.Add({{"__name__", "pc_build_info"},
                        {"instance", inst},
                        {"version", n == 3 ? "1.3.0" : "1.2.0"},
                        {"revision", "rev" + std::to_string(n)}});
    auto& zone = b.Add({{"__name__", "pc_instance_zone"}, {"instance", inst}, {"zone", n == 2 ? "b" : "a"}});
    for (DatasetSeries* s : {&info, &zone}) {
      Rng rng = Builder::RngFor(s->labels);
      for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst)))
        s->samples.push_back({t, 1});
    }
  }
  b.Meta("pc_event_timestamp_seconds", MetricType::kGauge, "When something happened (Unix seconds).",
         "seconds");
  const std::pair<const char*, double> events[] = {
      {"epoch", 0},
      {"y2k_eve", 946684799},
      {"leap_day", 951782400},
      {"year_end_leap", 1609372800},
      {"recent", 1700000000.5},
      {"before_epoch", -86400.5},
      {"far_future", 4102444800},
  };
  for (const auto& [event, value] : events) {
    auto& s = b.Add({{"__name__", "pc_event_timestamp_seconds"}, {"event", event}});
    Rng rng = Builder::RngFor(s.labels);
    for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor("events")))
      s.samples.push_back({t, value});
  }
  b.Meta("pc_labels_edge", MetricType::kGauge, "Label values that need escaping.");
  const char* texts[] = {"with space",       "ünïcødé ✓", "quote\"back\\slash",
                         "/path/to?x=1&y=2", "a,b=c",     "<html>&amp;"};
  int k = 0;
  for (const char* text : texts) {
    auto& s = b.Add({{"__name__", "pc_labels_edge"}, {"text", text}});
    Rng rng = Builder::RngFor(s.labels);
    ++k;
    for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor("edges"))) {
      s.samples.push_back({t, static_cast<double>(k)});
    }
  }
}

std::string LeText(double le) {
  if (std::isinf(le)) return "+Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", le);
  return buf;
}

void Histograms(Builder& b) {
  b.Meta("pc_request_duration_seconds", MetricType::kHistogram, "Request latency.", "seconds");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, inf};
  for (const auto& inst : kInstances) {
    // Generate observations once per scrape and write every series of the family from them,
    // so that buckets are cumulative and _count equals the +Inf bucket.
    Rng rng(Fnv("histogram/" + inst));
    const auto times = ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst));
    std::vector<double> counts(bounds.size(), 0);
    double sum = 0;
    std::vector<DatasetSeries*> buckets;
    for (double le : bounds) {
      buckets.push_back(&b.Add({{"__name__", "pc_request_duration_seconds_bucket"},
                                {"job", "api"},
                                {"instance", inst},
                                {"le", LeText(le)}}));
    }
    auto& sum_s =
        b.Add({{"__name__", "pc_request_duration_seconds_sum"}, {"job", "api"}, {"instance", inst}});
    auto& count_s =
        b.Add({{"__name__", "pc_request_duration_seconds_count"}, {"job", "api"}, {"instance", inst}});
    const double scale = inst == "host-1" ? 0.08 : (inst == "host-2" ? 0.3 : 1.2);
    for (int64_t t : times) {
      const int64_t n = rng.Between(3, 40);
      for (int64_t i = 0; i < n; ++i) {
        const double obs = -std::log(1 - rng.Unit()) * scale;
        sum += obs;
        for (size_t j = 0; j < bounds.size(); ++j) {
          if (obs <= bounds[j]) counts[j] += 1;
        }
      }
      for (size_t j = 0; j < bounds.size(); ++j) buckets[j]->samples.push_back({t, counts[j]});
      sum_s.samples.push_back({t, std::round(sum * 1e6) / 1e6});
      count_s.samples.push_back({t, counts.back()});
    }
  }
  // One histogram whose buckets are not monotonic (a scrape of inconsistent buckets), which
  // histogram_quantile must repair.
  b.Meta("pc_broken_histogram", MetricType::kHistogram, "Buckets that are not monotonic.");
  const std::pair<const char*, double> broken[] = {
      {"0.1", 10}, {"0.5", 8}, {"1", 25}, {"5", 24}, {"+Inf", 30}};
  for (const auto& [le, base] : broken) {
    auto& s = b.Add({{"__name__", "pc_broken_histogram_bucket"}, {"le", le}});
    Rng rng = Builder::RngFor(s.labels);
    int i = 0;
    for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor("broken"))) {
      s.samples.push_back({t, base * (1 + i++)});
    }
  }
}

void Summaries(Builder& b) {
  b.Meta("pc_rpc_duration_seconds", MetricType::kSummary, "RPC latency.", "seconds");
  for (std::string service : {"auth", "db"}) {
    Rng rng(Fnv("summary/" + service));
    const auto times = ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(service));
    std::vector<DatasetSeries*> qs;
    for (std::string q : {"0.5", "0.9", "0.99"}) {
      qs.push_back(&b.Add({{"__name__", "pc_rpc_duration_seconds"}, {"service", service}, {"quantile", q}}));
    }
    auto& sum_s = b.Add({{"__name__", "pc_rpc_duration_seconds_sum"}, {"service", service}});
    auto& count_s = b.Add({{"__name__", "pc_rpc_duration_seconds_count"}, {"service", service}});
    double sum = 1000 * rng.Unit(), count = std::floor(5000 * rng.Unit());
    const double scale = service == "auth" ? 0.02 : 0.15;
    for (int64_t t : times) {
      const double p50 = scale * (1 + 0.3 * rng.Unit());
      const double vals[] = {p50, p50 * (2 + rng.Unit()), p50 * (5 + 3 * rng.Unit())};
      for (size_t j = 0; j < 3; ++j) qs[j]->samples.push_back({t, std::round(vals[j] * 1e5) / 1e5});
      const double n = static_cast<double>(rng.Between(10, 60));
      count += n;
      sum += std::round(n * p50 * 1.3 * 1e4) / 1e4;
      sum_s.samples.push_back({t, std::round(sum * 1e4) / 1e4});
      count_s.samples.push_back({t, count});
    }
  }
}

void StopAndResume(Builder& b) {
  b.Meta("pc_intermittent_total", MetricType::kCounter, "A counter whose target goes away for a while.");
  // host-1 is gone for 8 minutes (longer than the 5 m lookback), host-2 for 3 minutes. No stale
  // markers: the series just has no samples (as after a remote-write outage).
  const std::pair<const char*, std::pair<int64_t, int64_t>> gaps[] = {
      {"host-1", {20 * kMinute, 28 * kMinute}}, {"host-2", {20 * kMinute, 23 * kMinute}}};
  for (const auto& [inst, gap] : gaps) {
    auto& s = b.Add({{"__name__", "pc_intermittent_total"}, {"instance", inst}});
    Rng rng = Builder::RngFor(s.labels);
    double v = 20000 + 1000 * rng.Unit();
    for (int64_t t : ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst))) {
      v += std::floor(5 + 10 * rng.Unit());
      if (t > gap.first && t < gap.second) continue;
      s.samples.push_back({t, v});
    }
  }
  // Stale markers, as a scraper writes them when a series disappears.
  b.Meta("pc_flapping", MetricType::kGauge, "A series that goes stale and comes back.");
  const std::pair<const char*, std::vector<std::pair<int64_t, int64_t>>> lives[] = {
      {"host-1", {{0, 15 * kMinute}, {22 * kMinute, 35 * kMinute}, {40 * kMinute, kDuration}}},
      {"host-2", {{0, 30 * kMinute}}},
  };
  for (const auto& [inst, spans] : lives) {
    auto& s = b.Add({{"__name__", "pc_flapping"}, {"instance", inst}});
    Rng rng = Builder::RngFor(s.labels);
    const auto times = ScrapeTimes(rng, kInterval, 0, kDuration, PhaseFor(inst));
    bool alive_before = false;
    for (int64_t t : times) {
      bool alive = false;
      for (const auto& [from, to] : spans) alive = alive || (t >= from && t <= to);
      if (alive) {
        s.samples.push_back({t, std::round(rng.Unit() * 100)});
      } else if (alive_before) {
        s.samples.push_back({t, promref::model::StaleNaN()});
      }
      alive_before = alive;
    }
  }
  // Short-lived series, as pods come and go.
  b.Meta("pc_short_lived", MetricType::kGauge, "Series that exist for a few minutes.");
  for (int k = 0; k < 6; ++k) {
    auto& s = b.Add({{"__name__", "pc_short_lived"}, {"pod", "pod-" + std::to_string(k + 1)}});
    Rng rng = Builder::RngFor(s.labels);
    const int64_t from = k * 8 * kMinute + 30000, to = from + 6 * kMinute;
    for (int64_t t : ScrapeTimes(rng, kInterval, from, std::min(to, kDuration), 0)) {
      s.samples.push_back({t, static_cast<double>(k + 1) + std::round(rng.Unit() * 10) / 10});
    }
  }
}

void HighCardinality(Builder& b) {
  b.Meta("pc_hc_requests_total", MetricType::kCounter, "A high-cardinality family (400 pods).");
  const char* zones[] = {"a", "b", "c", "d"};
  for (int p = 0; p < 400; ++p) {
    char pod[16];
    std::snprintf(pod, sizeof pod, "pod-%03d", p);
    auto& s = b.Add({{"__name__", "pc_hc_requests_total"}, {"pod", pod}, {"zone", zones[p % 4]}});
    Rng rng = Builder::RngFor(s.labels);
    double v = static_cast<double>(rng.Between(100, 10000));
    for (int64_t t : ScrapeTimes(rng, 60000, 0, kDuration, static_cast<int64_t>(Fnv(pod) % 58000) + 1000)) {
      v += std::floor(rng.Unit() * 50);
      s.samples.push_back({t, v});
    }
  }
}

Dataset Build() {
  Dataset d;
  d.name = "standard-v2";
  d.duration_ms = kDuration;
  Builder b(d);
  HttpRequests(b);
  CpuSeconds(b);
  Gauges(b);
  SpecialValues(b);
  InfoAndEdges(b);
  Histograms(b);
  Summaries(b);
  StopAndResume(b);
  HighCardinality(b);
  b.Finish();
  for (DatasetSeries& s : NativeHistogramSeries()) d.series.push_back(std::move(s));
  return d;
}

}  // namespace

size_t Dataset::SampleCount() const {
  size_t n = 0;
  for (const auto& s : series) n += s.samples.size() + s.histograms.size();
  return n;
}

namespace {

// Visible samples (stale markers excluded) of the series whose name starts with `prefix`:
// floats, histograms or both.
size_t CountVisible(const std::vector<DatasetSeries>& series, const std::string& prefix, bool floats,
                    bool histograms) {
  size_t n = 0;
  for (const auto& s : series) {
    std::string_view name;
    for (const auto& [k, v] : s.labels) {
      if (k == "__name__") name = v;
    }
    if (name.substr(0, prefix.size()) != prefix) continue;
    if (floats) {
      for (const auto& smp : s.samples) n += promref::model::IsStaleNaN(smp.v) ? 0 : 1;
    }
    if (histograms) {
      for (const auto& h : s.histograms) n += promref::model::IsStaleNaN(h.sum) ? 0 : 1;
    }
  }
  return n;
}

}  // namespace

size_t Dataset::VisibleSampleCount(const std::string& prefix) const {
  return CountVisible(series, prefix, true, true);
}

size_t Dataset::VisibleHistogramCount(const std::string& prefix) const {
  return CountVisible(series, prefix, false, true);
}

const Dataset& StandardDataset() {
  static const Dataset d = Build();
  return d;
}

void AddScenarioSeries(Dataset& dataset, std::vector<DatasetSeries> series) {
  for (auto& s : series) {
    s.labels = Sorted(std::move(s.labels));
    int64_t end = s.samples.empty() ? 0 : s.samples.back().t;
    dataset.duration_ms = std::max(dataset.duration_ms, end);
    dataset.series.push_back(std::move(s));
  }
}

int64_t ChooseBase(int64_t now_ms, int64_t horizon_ms, int64_t margin_ms) {
  const int64_t latest = now_ms - margin_ms - horizon_ms;
  // Floor, also for times before 1970.
  return (latest >= 0 ? latest : latest - kBaseGranularityMs + 1) / kBaseGranularityMs * kBaseGranularityMs;
}

std::vector<promref::wire::WriteRequest> ToWriteRequests(const Dataset& dataset, int64_t base_ms,
                                                         size_t max_samples) {
  std::vector<promref::wire::WriteRequest> out;
  promref::wire::WriteRequest current;
  size_t in_current = 0;
  auto flush = [&] {
    if (current.timeseries.empty()) return;
    out.push_back(std::move(current));
    current = {};
    in_current = 0;
  };
  for (const bool histograms : {false, true}) {
    for (const auto& s : dataset.series) {
      if (s.histograms.empty() == histograms) continue;
      const size_t n = s.samples.size() + s.histograms.size();
      if (in_current > 0 && in_current + n > max_samples) flush();
      // Floats and histograms of one series travel as two entries with the same labels, as
      // Prometheus' own sender writes them (some receivers refuse an entry with both).
      promref::wire::TimeSeries floats, hists;
      floats.labels = hists.labels = s.labels;
      floats.samples.reserve(s.samples.size());
      for (const auto& smp : s.samples) floats.samples.push_back({smp.t + base_ms, smp.v});
      for (promref::wire::Histogram h : s.histograms) {
        h.timestamp += base_ms;
        hists.histograms.push_back(std::move(h));
      }
      in_current += n;
      if (!floats.samples.empty() || hists.histograms.empty())
        current.timeseries.push_back(std::move(floats));
      if (!hists.histograms.empty()) current.timeseries.push_back(std::move(hists));
    }
    if (!histograms) {
      // Metadata rides with the last float request.
      if (!current.timeseries.empty()) {
        current.metadata = dataset.metadata;
      } else if (!out.empty()) {
        out.back().metadata = dataset.metadata;
      }
    }
    flush();
  }
  return out;
}

bool HasHistograms(const promref::wire::WriteRequest& request) {
  for (const auto& ts : request.timeseries) {
    if (!ts.histograms.empty()) return true;
  }
  return false;
}

std::string DatasetFingerprint(const Dataset& dataset) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ULL;
    }
  };
  for (const auto& s : dataset.series) {
    for (const auto& [k, v] : s.labels) {
      mix(k.data(), k.size());
      mix("=", 1);
      mix(v.data(), v.size());
    }
    for (const auto& smp : s.samples) {
      mix(&smp.t, sizeof smp.t);
      mix(&smp.v, sizeof smp.v);
    }
    for (const auto& histogram : s.histograms) {
      // The encoded form covers every field, in a fixed layout.
      promref::wire::WriteRequest one;
      one.timeseries.push_back({{}, {}, {}, {histogram}});
      const std::string bytes = promref::wire::EncodeWriteRequest(one);
      mix(bytes.data(), bytes.size());
    }
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return dataset.name + "#" + buf;
}

std::string SeriesName(const promref::wire::RawLabels& labels) {
  std::string name, rest;
  for (const auto& [k, v] : labels) {
    if (k == "__name__") {
      name = v;
      continue;
    }
    if (!rest.empty()) rest += ",";
    rest += k + "=\"" + v + "\"";
  }
  return name + "{" + rest + "}";
}

}  // namespace promconform
