#include "fuzz/canary.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "datasets/loader.h"
#include "model/value_text.h"

namespace promconform::fuzz {
namespace {

constexpr int kSamples = 20;
constexpr int64_t kIntervalMs = 15000;
// The instant the probe evaluates at: past the last sample, the window covering all of them.
constexpr int64_t kProbeAfterMs = kSamples * kIntervalMs;
constexpr const char* kWindow = "10m";

std::string LabelsKey(const nlohmann::json& metric) {
  std::string key;
  for (const auto& [k, v] : metric.items())
    key += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()) + ",";
  return key;
}

}  // namespace

Canary::Canary(const Target& target, int64_t base_ms)
    : target_(target), base_ms_(base_ms), has_data_(!target.RemoteWriteUrl().empty()) {
  // Short decimals of one magnitude: exact through any float text, and through stores that
  // keep a block's values as decimals with a shared exponent (VictoriaMetrics: 1e21 beside 0.1
  // would round the 0.1 away, a property of the store, not damage done by fuzzing).
  const double kValues[] = {0.1, 0.25, 42, -1.5, 1000.125, 7};
  for (int s = 0; s < 3; ++s) {
    DatasetSeries ds;
    ds.labels = {{"__name__", kMetric}, {"series", std::to_string(s)}};
    for (int k = 0; k < kSamples; ++k) {
      ds.samples.push_back(
          {base_ms_ + k * kIntervalMs, kValues[(s + k) % std::size(kValues)] + (k > 5 ? k : 0)});
    }
    series_.push_back(std::move(ds));
  }
}

HttpRequest Canary::Query() const {
  const std::string query = has_data_ ? std::string(kMetric) + "[" + kWindow + "]" : "vector(1)";
  return {"GET",
          target_.Url("/api/v1/query") + "?" +
              FormEncode({{"query", query},
                          {"time", promref::model::FormatScalarTimestamp(base_ms_ + kProbeAfterMs)}}),
          {},
          ""};
}

promref::Status Canary::Write(HttpClient& client, int64_t timeout_ms) {
  if (has_data_) {
    promref::wire::WriteRequest w;
    for (const auto& s : series_) w.timeseries.push_back({s.labels, s.samples, {}, {}});
    HttpResponse r = SendWrite(target_, client, w);
    if (!r.answered())
      return promref::Error(promref::ErrorKind::kUnavailable, "canary write: " + r.transport_error);
    if (r.status < 200 || r.status >= 300) {
      return promref::BadData("canary write: HTTP " + std::to_string(r.status) + ": " +
                              r.body.substr(0, 300));
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Probe p;
  while (true) {
    p = Check(client, 0);
    if (p.state == State::kOk) return {};
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return promref::Error(promref::ErrorKind::kUnavailable,
                        "the canary never came back as written: " + p.detail);
}

Canary::Probe Canary::Check(HttpClient& client, int64_t retry_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(retry_ms);
  while (true) {
    HttpResponse r = target_.Send(client, Query());
    if (r.answered()) return Compare(r);
    if (std::chrono::steady_clock::now() >= deadline)
      return {State::kDown, "no answer: " + r.transport_error};
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Canary::Probe Canary::Compare(const HttpResponse& resp) const {
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (resp.status != 200 || !j.is_object() || j.value("status", "") != "success") {
    // An answer, but not the canary's: the target is up and something is wrong with it.
    return {State::kChanged, "HTTP " + std::to_string(resp.status) + ": " + resp.body.substr(0, 300)};
  }
  if (!has_data_) return {};
  const nlohmann::json& result = j["data"]["result"];
  if (!result.is_array() || result.size() != series_.size()) {
    return {State::kChanged, "expected " + std::to_string(series_.size()) + " series, got " +
                                 (result.is_array() ? std::to_string(result.size()) : result.dump())};
  }
  std::map<std::string, const nlohmann::json*> by_labels;
  for (const auto& s : result) by_labels[LabelsKey(s["metric"])] = &s["values"];
  for (const auto& s : series_) {
    nlohmann::json metric = nlohmann::json::object();
    for (const auto& [k, v] : s.labels) metric[k] = v;
    auto it = by_labels.find(LabelsKey(metric));
    const std::string name = SeriesName(s.labels);
    if (it == by_labels.end()) return {State::kChanged, name + " is missing"};
    const nlohmann::json& values = *it->second;
    if (!values.is_array() || values.size() != s.samples.size()) {
      return {State::kChanged, name + ": expected " + std::to_string(s.samples.size()) + " samples, got " +
                                   values.dump().substr(0, 300)};
    }
    for (size_t i = 0; i < s.samples.size(); ++i) {
      const auto& want = s.samples[i];
      const nlohmann::json& got = values[i];
      const bool ts_ok = got.is_array() && got.size() == 2 && got[0].is_number() &&
                         std::llround(got[0].get<double>() * 1000) == want.t;
      // Compared as numbers, exactly: the target's float text need not be Go's, its value must.
      const bool v_ok =
          ts_ok && got[1].is_string() && std::strtod(got[1].get<std::string>().c_str(), nullptr) == want.v;
      if (!v_ok) {
        return {State::kChanged, name + " sample " + std::to_string(i) + ": expected [" +
                                     promref::model::FormatScalarTimestamp(want.t) + ", \"" +
                                     promref::model::FormatSampleValue(want.v) + "\"], got " + got.dump()};
      }
    }
  }
  return {};
}

}  // namespace promconform::fuzz
