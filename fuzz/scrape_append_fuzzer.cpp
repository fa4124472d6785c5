// Fuzzes one target's scrapes end to end below the HTTP fetch: a body, in the format its
// first byte picks, scraped twice through ScrapeAppender into a MemStorage as the scrape loop
// does it (a failed append rolled back and replaced by an empty one, then the report).
//  - nothing crashes, leaks or hangs, whatever the body and the job's limits;
//  - a failed scrape stores nothing of its body: at its timestamp there are only stale
//    markers and the synthetic series;
//  - a successful scrape stores only series that carry the target's labels.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"
#include "model/sample.h"
#include "scrape/scrape_append.h"
#include "storage/mem_storage.h"

namespace {

using namespace promref;

constexpr const char* kContentTypes[] = {
    "text/plain; version=0.0.4",
    "application/openmetrics-text; version=1.0.0",
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
    "",
};

bool IsReportSeries(std::string_view name) {
  return name == "up" || name == "scrape_duration_seconds" || name == "scrape_samples_scraped" ||
         name == "scrape_samples_post_metric_relabeling" || name == "scrape_series_added" ||
         name == "scrape_timeout_seconds" || name == "scrape_sample_limit" ||
         name == "scrape_body_size_bytes";
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "scrape_append_fuzzer: %s\n", what);
    std::abort();
  }
}

// Every sample at `t`, checked by `f`.
template <typename F>
void ForEachAt(storage::Storage& s, int64_t t, F f) {
  auto q = s.MakeQuerier(t, t);
  auto all = model::Matcher::Make(model::MatchType::kRegexMatch, "__name__", ".*");
  std::vector<model::Matcher> ms{*all};
  storage::SelectHints hints;
  hints.start = hints.end = t;
  auto set = (*q)->Select(false, hints, ms);
  while (set->Next()) {
    auto it = set->At().Iterator();
    for (auto vt = it->Next(); vt != storage::ValueType::kNone; vt = it->Next()) {
      if (it->AtT() == t) f(set->At().labels(), vt == storage::ValueType::kFloat ? it->AtFloat() : 0.0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 8192) return 0;
  const uint8_t mode = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string yaml = "scrape_configs:\n- job_name: fuzz\n";
  if (mode & 4) yaml += "  honor_labels: true\n";
  if (mode & 8) yaml += "  honor_timestamps: false\n";
  if (mode & 16) yaml += "  sample_limit: 3\n  label_limit: 4\n  label_value_length_limit: 8\n";
  if (mode & 32) {
    yaml += "  scrape_native_histograms: true\n  native_histogram_bucket_limit: 2\n";
    yaml += "  convert_classic_histograms_to_nhcb: true\n";
  }
  if (mode & 64)
    yaml += "  metric_relabel_configs: [{source_labels: [__name__], regex: 'a.*', action: drop}]\n";
  auto cfg = config::ParseConfig(yaml);
  Check(cfg.ok(), "fuzzer config does not parse");
  auto job = std::make_shared<const config::ScrapeConfig>(cfg->scrape_configs.at(0));
  auto target =
      scrape::TargetsFromGroup(scrape::TargetGroup{"0", {model::Labels{{"__address__", "t:1"}}}, {}}, job)
          .targets.at(0);
  const scrape::AppendOptions options = scrape::OptionsFor(*job, *target, mode & 128);
  storage::MemStorage storage;
  scrape::ScrapeCache cache;
  const std::string_view content_type = kContentTypes[mode & 3];
  for (const int64_t t : {int64_t{1'000'000}, int64_t{1'015'000}}) {
    auto app = storage.MakeAppender();
    scrape::AppendOutcome out =
        scrape::ScrapeAppender(*app, cache, *target, options, t).Append(body, content_type, t);
    if (!out.status.ok()) {
      app->Rollback();
      app = storage.MakeAppender();
      (void)scrape::ScrapeAppender(*app, cache, *target, options, t).AppendEmpty(t);
    }
    (void)scrape::ScrapeAppender(*app, cache, *target, options, t).Report(t, {out.status.ok(), 0.1, 0}, out);
    Check(app->Commit().ok(), "commit failed");
    ForEachAt(storage, t, [&](const model::Labels& l, double v) {
      Check(l.Get("instance") == "t:1" || (mode & 4), "a stored series lacks the target's labels");
      if (!out.status.ok()) {
        Check(IsReportSeries(l.MetricName()) || model::IsStaleNaN(v),
              "a failed scrape stored part of its body");
      }
    });
  }
  return 0;
}
