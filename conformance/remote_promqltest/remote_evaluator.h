// The promqltest Evaluator for a remote Prometheus-compatible endpoint: scripts load by remote
// write and evaluate over the query API, each section in its own time window (window_plan.h).
//
// What it does:
//   Prepare        writes every window's samples (the plan holds them) by remote write, in time
//                  order, in requests of a bounded size, then polls the endpoint until it
//                  returns every sample (count_over_time per metric name). One write and one
//                  wait for the whole run: an endpoint that makes samples searchable only
//                  every second or so (VictoriaMetrics) would otherwise cost that per window.
//   Clear / Load   follow the plan's windows (WindowTracker); a load only checks that it is
//                  what the plan wrote.
//   BeginEval      declines (reports apart) an evaluation that the plan cannot isolate or that
//                  depends on absolute time in a way no shift follows; otherwise notes how its
//                  values move with the window (time(), timestamp()...).
//   Instant/Range  move the times and every `@ <t>` by the window's base, ask the endpoint
//                  (POST form), read the answer back and move timestamps, and values that move
//                  with time, back by the base: the runner then compares with the script's own
//                  expectations.
// Native histograms are written as float histograms (wire_histogram.h) when the run judges
// them, and read back from the JSON (api_histogram.h), which shows count, sum and the non-empty
// buckets with their bounds only: the comparison judges those (pt::HistogramDetail::kApiJson),
// so an expected counter reset hint cannot be checked (stats count those evaluations). Start
// timestamps are not written (Capabilities says so: the runner skips what needs them).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "promqltest/evaluator.h"
#include "promqltest/runner.h"
#include "remote_promqltest/window_plan.h"
#include "target/target.h"

namespace promconform::remote_promqltest {

struct RemoteOptions {
  pt::RunOptions run;  // the runner's options: which queries each eval sends
  EngineTimes engine;
  bool experimental = true;  // the endpoint parses experimental PromQL
  // The endpoint keeps remote-write 2.0 start timestamps and PromQL uses them (Prometheus 3.16
  // and promref with --enable-feature=st-storage,use-start-timestamps): data goes by remote
  // write 2.0 with each sample's `@st`, and the evaluations that need them are judged.
  bool start_timestamps = false;
  size_t max_samples_per_request = 5000;
  int64_t wait_timeout_ms = 30000;  // for written samples to become queryable
};

struct RemoteStats {
  size_t samples_written = 0;  // histograms and stale markers included
  size_t histogram_samples_written = 0;
  // Not written because the run does not judge native histograms (RunOptions).
  size_t histogram_samples_dropped = 0;
  size_t write_requests = 0;
  size_t queries = 0;
  // "script:line" of evaluations whose values move with time and were moved back.
  std::set<std::string> time_shifted;
  // "script:line" of evaluations that expect a counter reset hint, which the query API's JSON
  // does not carry: judged without it.
  std::set<std::string> unchecked_reset_hints;
};

class RemoteEvaluator : public pt::Evaluator {
 public:
  RemoteEvaluator(const Target& target, const Layout& layout, RemoteOptions options);
  ~RemoteEvaluator() override;

  // Writes the plan's samples and waits until the endpoint returns them. Queries fail with
  // this error when it failed.
  promref::Status Prepare();

  // The script whose commands come next (for the time-shifted list).
  void SetScript(std::string name) { script_ = std::move(name); }
  const RemoteStats& stats() const { return stats_; }

  std::string Describe() const override;
  pt::EvaluatorCapabilities Capabilities() const override;
  promref::Status Clear() override;
  promref::Status Load(const std::vector<pt::LoadedSeries>& series) override;
  std::optional<pt::SkipReason> BeginEval(const pt::EvalCommand& cmd) override;
  promref::promql::QueryResult Instant(std::string_view expr, int64_t t) override;
  promref::promql::QueryResult Range(std::string_view expr, int64_t start, int64_t end,
                                     int64_t step) override;

 private:
  int64_t Base() const;
  bool WritesHistograms() const;
  promref::Status Write();
  promref::Status WaitUntilQueryable();
  // Whether the runner's loads into the current window are what the plan wrote.
  promref::Status CheckWindow() const;
  promref::promql::QueryResult Ask(const std::string& path,
                                   std::vector<std::pair<std::string, std::string>> form);
  void MoveBack(promref::promql::QueryResult* r) const;

  const Target& target_;
  const Layout& layout_;
  RemoteOptions options_;
  std::unique_ptr<HttpClient> client_;
  WindowTracker tracker_;
  promref::Status prepared_ = promref::Error(promref::ErrorKind::kInternal, "the data was not written");
  size_t loaded_in_window_ = 0;  // samples the runner loaded into the current window
  int value_shift_ = 0;          // seconds per shifted second, of the current eval
  std::string script_;
  RemoteStats stats_;
};

}  // namespace promconform::remote_promqltest
