// Running promqltest scripts against a remote endpoint: plan the time windows, check that the
// endpoint holds nothing there, run every script through a RemoteEvaluator, and turn the
// script reports into the harness's results (one case per evaluation) for every report format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "promqltest/runner.h"
#include "promqltest/script.h"
#include "remote_promqltest/remote_evaluator.h"
#include "report/results.h"
#include "target/target.h"

namespace promconform::remote_promqltest {

struct RemoteRunOptions {
  RemoteOptions remote;
  PlanOptions plan;
  // Run before every script (sh -c) for a local server that can be wiped; then every script's
  // windows start again from the same end. Empty: all scripts share one layout.
  std::string restart_cmd;
  int64_t restart_ready_timeout_ms = 60000;
  // Windows end this long before now (the endpoint must accept samples there).
  int64_t end_margin_ms = 15 * 60 * 1000;
  // Run even when the endpoint already holds samples where the windows go.
  bool allow_existing_data = false;
};

struct RemoteRun {
  std::vector<pt::ScriptReport> reports;
  RemoteStats stats;
  size_t windows = 0;
  Interval span;  // of the (last) layout, absolute
};

// The flags a Prometheus (or promref) running the scripts needs, as Prometheus' test engine
// has them: delayed name removal, the experimental PromQL (unquoted UTF-8 names included) with
// `experimental`, start timestamps kept and used with `start_timestamps` (st-storage,
// use-start-timestamps), and a retention longer than the windows span.
std::vector<std::string> PromqltestServerArgs(bool experimental, bool start_timestamps = false);

// Scripts that do not parse are reported as Prometheus' harness does (one failed result) and
// never reach the endpoint. Fails (the harness could not run) when the endpoint holds data in
// the planned span, a restart command fails, or the endpoint does not come back after it.
promref::Result<RemoteRun> RunRemote(const Target& target, const std::vector<std::string>& files,
                                     const RemoteRunOptions& options, int64_t now_ms);

// The harness's results: a case per evaluation (id "<script>:<line>", category
// "promqltest/<script>"); skipped ones keep their reason; a failure whose message is one of the
// target's "not supported" answers is unsupported.
RunResults ToRunResults(const std::vector<pt::ScriptReport>& reports, const TargetProfile& profile);

}  // namespace promconform::remote_promqltest
