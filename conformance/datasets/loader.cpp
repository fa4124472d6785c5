#include "datasets/loader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "client/remote_write_client.h"
#include "model/value_text.h"
#include "wire/remote_write_v2.h"

namespace promconform {
namespace {

namespace v2 = promref::wire::v2;

v2::RequestV2 ToV2(const promref::wire::WriteRequest& r) {
  v2::RequestV2 out;
  for (const auto& ts : r.timeseries) {
    v2::TimeSeries s;
    s.labels = ts.labels;
    for (const auto& smp : ts.samples) s.samples.push_back({smp.v, smp.t, 0});
    for (const auto& h : ts.histograms) s.histograms.push_back({h, 0});
    for (const auto& e : ts.exemplars) s.exemplars.push_back({e.labels, e.value, e.timestamp});
    for (const auto& m : r.metadata) {
      for (const auto& [k, v] : ts.labels) {
        if (k == "__name__" && (v == m.family || v.rfind(m.family + "_", 0) == 0))
          s.metadata = {m.type, m.help, m.unit};
      }
    }
    out.timeseries.push_back(std::move(s));
  }
  return out;
}

// The number of samples (stale markers excluded) the target returns for the series whose names
// start with `prefix`: one count_over_time per metric name (counting across names in one
// selector would collide once the functions drop the names), summed in one query.
promref::Result<double> CountSamples(const Target& target, HttpClient& client, const Dataset& dataset,
                                     const std::string& prefix, int64_t at_ms, int64_t window_ms) {
  std::set<std::string> names;
  for (const auto& s : dataset.series) {
    for (const auto& [k, v] : s.labels) {
      if (k == "__name__" && v.rfind(prefix, 0) == 0) names.insert(v);
    }
  }
  std::string query;
  for (const auto& n : names) {
    if (!query.empty()) query += " + ";
    query += "(sum(count_over_time(" + n + "[" + std::to_string(window_ms / 1000 + 1) + "s])) or vector(0))";
  }
  HttpRequest req{"GET",
                  target.Url("/api/v1/query") + "?" +
                      FormEncode({{"query", query}, {"time", promref::model::FormatScalarTimestamp(at_ms)}}),
                  {},
                  ""};
  HttpResponse r = target.Send(client, req);
  if (!r.answered()) return promref::Error(promref::ErrorKind::kUnavailable, r.transport_error);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || j.value("status", "") != "success") {
    return promref::BadData("HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
  }
  const auto& result = j["data"]["result"];
  if (!result.is_array() || result.empty()) return 0.0;
  return std::stod(result[0]["value"][1].get<std::string>());
}

}  // namespace

namespace {

// Posts an encoded request (headers for its protocol given) with the profile's extra headers.
HttpResponse PostWrite(const Target& target, HttpClient& client, Headers headers,
                       const std::string& encoded) {
  HttpRequest req;
  req.method = "POST";
  req.url = target.RemoteWriteUrl();
  req.headers = std::move(headers);
  req.body = promref::wire::SnappyCompress(encoded);
  if (target.profile().remote_write) {
    for (const auto& h : target.profile().remote_write->headers) req.headers.push_back(h);
  }
  return target.Send(client, req);
}

}  // namespace

HttpResponse SendWriteV2(const Target& target, HttpClient& client, const v2::RequestV2& request) {
  return PostWrite(target, client,
                   {{"Content-Encoding", "snappy"},
                    {"Content-Type", std::string(v2::kContentType)},
                    {"X-Prometheus-Remote-Write-Version", std::string(v2::kVersionHeaderValue)},
                    {"User-Agent", "promconform/0.1"}},
                   v2::EncodeRequestV2(request));
}

HttpResponse SendWrite(const Target& target, HttpClient& client, const promref::wire::WriteRequest& request) {
  const bool is_v2 = target.profile().remote_write && target.profile().remote_write->protocol == "2.0";
  if (is_v2) return SendWriteV2(target, client, ToV2(request));
  return PostWrite(target, client, RemoteWriteV1Headers("promconform/0.1"),
                   promref::wire::EncodeWriteRequest(request));
}

promref::Status LoadDataset(const Target& target, const Dataset& dataset, int64_t base_ms,
                            LoadReport* report) {
  if (target.RemoteWriteUrl().empty()) {
    return promref::BadData(
        "the profile has no remote-write URL; load the data another way and pass its base");
  }
  HttpClient client(target.ClientOptions());
  for (const auto& req : ToWriteRequests(dataset, base_ms)) {
    const bool histograms = HasHistograms(req);
    if (histograms && report != nullptr && !report->native_histograms_unsupported.empty()) continue;
    HttpResponse r = SendWrite(target, client, req);
    if (!r.answered()) {
      return promref::Error(promref::ErrorKind::kUnavailable,
                            "remote write to " + target.RemoteWriteUrl() + ": " + r.transport_error);
    }
    if (r.status >= 200 && r.status < 300) continue;
    const std::string answer = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 500);
    if (histograms && report != nullptr) {
      report->native_histograms_unsupported =
          "the target refuses native histograms by remote write (" + answer + ")";
      continue;
    }
    return promref::Error(promref::ErrorKind::kExecution,
                          "remote write to " + target.RemoteWriteUrl() + ": " + answer);
  }
  return {};
}

promref::Status WaitForData(const Target& target, const Dataset& dataset, int64_t base_ms, int64_t timeout_ms,
                            LoadReport* report) {
  HttpClient client(target.ClientOptions());
  const int64_t at = base_ms + dataset.duration_ms + 1000;
  const int64_t window = dataset.duration_ms + 2000;
  std::string last;
  for (const std::string prefix : {"pc_", "pcv_", "pch_"}) {
    const double want = static_cast<double>(dataset.VisibleSampleCount(prefix));
    if (want == 0) continue;
    // Native histograms are optional for a target: with a report, a shorter wait, and a note
    // rather than a failure when they do not show up.
    const bool optional = prefix == "pch_" && report != nullptr;
    if (optional && !report->native_histograms_unsupported.empty()) continue;
    const auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(optional ? std::min<int64_t>(timeout_ms, 15000) : timeout_ms);
    // Equal counts end the wait at once. A target that stores fewer samples on purpose (one that
    // drops NaN values, say) never reaches the count, so a count that has settled (unchanged for
    // two seconds, and not zero) ends it too: the cases will show what is missing.
    double previous = -1;
    auto settled_since = std::chrono::steady_clock::now();
    while (true) {
      auto got = CountSamples(target, client, dataset, prefix, at, window);
      if (got.ok() && *got == want) break;
      if (!got.ok() && (got.error().message().rfind("HTTP 401", 0) == 0 ||
                        got.error().message().rfind("HTTP 403", 0) == 0)) {  // waiting will not help
        return promref::BadData("the target refuses the harness's credentials: " + got.error().message());
      }
      const auto now = std::chrono::steady_clock::now();
      last = got.ok() ? "the target returns " + promref::model::FormatScalarValue(*got) + " of " +
                            promref::model::FormatScalarValue(want) + " " + prefix + "* samples"
                      : got.error().message();
      // The `pch_` series also hold float samples: a count no higher than theirs means that no
      // histogram came back.
      const bool no_histograms =
          !got.ok() || *got <= want - static_cast<double>(dataset.VisibleHistogramCount(prefix));
      const bool settled = got.ok() && *got == previous && now - settled_since > std::chrono::seconds(2);
      if (optional && no_histograms && (settled || now > deadline)) {
        report->native_histograms_unsupported =
            "the target took the native histograms by remote write but does not return them (" + last + ")";
        break;
      }
      if (got.ok() && *got != previous) {
        previous = *got;
        settled_since = now;
      } else if (settled && *got > 0) {
        break;
      }
      if (now > deadline) {
        return promref::Error(promref::ErrorKind::kTimeout, "the dataset did not become visible: " + last);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return {};
}

promref::Result<int64_t> PrepareDataset(const Target& target, const Dataset& dataset,
                                        std::optional<int64_t> base_ms, int64_t horizon_ms,
                                        LoadReport* report) {
  auto now_ms = [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  const int64_t margin = target.profile().query_margin_ms;
  int64_t base = 0;
  if (base_ms) {
    base = *base_ms;
  } else if (target.profile().dataset_base_ms) {
    base = *target.profile().dataset_base_ms;
  } else if (!target.RemoteWriteUrl().empty()) {
    base = ChooseBase(now_ms(), horizon_ms, margin);
  } else {
    return promref::BadData(
        "the profile has no remote write and no dataset_base: load the data first (promconform "
        "load) and pass its base with --base");
  }
  if (base % kBaseGranularityMs != 0) {
    return promref::BadData("the dataset base must be a multiple of 5 minutes (subquery steps stay aligned)");
  }
  if (!target.RemoteWriteUrl().empty()) {
    auto st = LoadDataset(target, dataset, base, report);
    if (!st.ok()) return st.error();
  }
  auto st = WaitForData(target, dataset, base, 60000, report);
  if (!st.ok()) return st.error();
  // A base given (or dataset_base) may be recent: wait until all of it is the margin in the past.
  const int64_t wait = base + horizon_ms + margin - now_ms();
  if (wait > 5000) {
    std::fprintf(stderr,
                 "promconform: waiting %.0f s until the latest instant asked about is %.0f s in the past\n",
                 static_cast<double>(wait) / 1000.0, static_cast<double>(margin) / 1000.0);
  }
  if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  return base;
}

}  // namespace promconform
