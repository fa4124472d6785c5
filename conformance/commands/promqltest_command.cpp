#include "commands/promqltest_command.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "commands/target_options.h"
#include "promqltest/in_process_evaluator.h"
#include "promqltest/known_failures.h"
#include "promqltest/runner.h"
#include "remote_promqltest/api_answer.h"
#include "remote_promqltest/remote_run.h"
#include "report/writers.h"
#include "target/target.h"

namespace promconform {
namespace {

namespace fs = std::filesystem;
namespace pt = promref::promqltest;
namespace rp = remote_promqltest;

constexpr const char* kUsage = R"(usage:
  promconform promqltest [flags] FILE|DIR...
      Run promqltest scripts (Prometheus' PromQL test format: load, clear, eval ... with
      expectations), the way Prometheus' own test harness runs them: in process, against
      promref's engine over an in-memory store, or with --target against any
      Prometheus-compatible endpoint. A directory means every *.test file in it. Prints
      passed/failed/skipped per file and in total, then every failure.

  With --target, scripts load their data by remote write and query over the API. Every section
  (what a `clear` separates, and what a load after an eval adds) gets its own time window
  before now: its samples, evaluation times and `@` times move by the window's base, and the
  expressions' ranges, offsets, `@` and lookback prove that no query reads another window.
  Evaluations whose values follow absolute time (time(), timestamp(), min/max of them, hour()
  with a whole-day shift...) are judged with their values moved back; those that depend on it
  in another way (month(), sum of timestamps, a comparison of a time with a constant) are
  reported apart as skipped "absolute-time", never passed or failed. The endpoint must hold no
  samples where the windows go (a fresh server, or --restart-cmd). With --native-histograms,
  histogram samples are written as float histograms and answers are judged as the API's JSON
  shows them: count, sum and the non-empty buckets with their bounds (not schema, spans, or an
  expected counter reset hint). With --start-timestamps, data goes by remote write 2.0 with each
  sample's start timestamp (`@st`) and the evaluations that need them are judged; otherwise
  they are skipped.

flags:
  --experimental              enable experimental PromQL (functions, duration expressions,
                              fill modifiers, anchored/smoothed), as Prometheus' test engine
                              does (with --target: the endpoint has those features on);
                              without it, evaluations that use it are skipped
  --native-histograms         also run evaluations that need native histograms
  --start-timestamps          with --target, also run evaluations that need start timestamps
                              (in process they always run): the endpoint keeps remote-write 2.0
                              start timestamps and PromQL uses them (Prometheus 3.16 or promref
                              with --enable-feature=st-storage,use-start-timestamps)
  --known-failures FILE       compare with a known-failures file: exit 1 only when an
                              evaluation fails that is not listed, or a listed one passes
  --write-known-failures FILE write this run's failures as a known-failures file
  --no-at-variants            skip the @-modifier variants of instant evaluations
  --no-range-mode             skip the range-query re-check of instant evaluations
  --quiet                     print the counts only, not each failure

  --target URL|PROFILE|embedded   run against an endpoint (target options as for `run`:
                              --path-prefix, --bearer-token, --basic-auth, --header,
                              --remote-write, --timeout...). A Prometheus or promref the
                              harness launches gets the test engine's features (delayed name
                              removal; the experimental ones with --experimental; st-storage and
                              use-start-timestamps with --start-timestamps)
  --restart-cmd CMD           run CMD (sh -c) before every script, for a local server that it
                              wipes; then waits until the endpoint answers again
  --allow-existing-data       run even if the endpoint holds samples where the windows go
  --report-dir DIR            write reports (text, JSON, JUnit, Markdown, HTML) there
                              (default with --target: ./promconform-reports)
  --report-name NAME          default: promqltest-<target profile> or promqltest
  --format LIST               text,json,junit,markdown,html or all (default all)
  --min-score FRACTION        exit 1 when passed/scored is below it

exit code: 0 when no evaluation failed (or the failures are exactly the known ones, or the
score meets --min-score), 1 otherwise, 2 for a usage error, 3 when the harness could not run
(endpoint unreachable, data already in the windows, a restart command failing).
)";

struct Options {
  pt::RunOptions run;
  bool experimental = false;
  bool start_timestamps = false;
  bool quiet = false;
  std::string known_failures;
  std::string write_known_failures;
  std::vector<std::string> paths;
  std::string target;
  TargetOptions target_options;
  std::string restart_cmd;
  bool allow_existing_data = false;
  std::string report_dir;
  std::string report_name;
  std::vector<std::string> formats = {"all"};
  std::optional<double> min_score;
};

int Usage(const std::string& problem) {
  if (!problem.empty()) std::cerr << "promqltest: " << problem << "\n";
  std::cerr << kUsage;
  return 2;
}

// The scripts to run: files as given, directories expanded to their *.test files (sorted).
promref::Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> in_dir;
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        if (entry.path().extension() == ".test") in_dir.push_back(entry.path().string());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return promref::BadData("no such file or directory: " + p);
    }
  }
  return files;
}

// Parses the flags; returns a usage problem ("" when fine).
std::string Parse(const std::vector<std::string>& args, Options* o) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string error;
    if (ParseTargetOption(args, i, o->target_options, &error)) {
      if (!error.empty()) return error;
      continue;
    }
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--experimental") {
      o->experimental = true;
    } else if (a == "--native-histograms") {
      o->run.native_histograms = true;
    } else if (a == "--start-timestamps") {
      o->start_timestamps = true;
    } else if (a == "--no-at-variants") {
      o->run.at_modifier_variants = false;
    } else if (a == "--no-range-mode") {
      o->run.range_mode_check = false;
    } else if (a == "--quiet") {
      o->quiet = true;
    } else if (a == "--allow-existing-data") {
      o->allow_existing_data = true;
    } else if (a == "--known-failures" || a == "--write-known-failures" || a == "--target" ||
               a == "--restart-cmd" || a == "--report-dir" || a == "--report-name" || a == "--format" ||
               a == "--min-score") {
      if (!value(&v)) return a + " needs a value";
      if (a == "--known-failures") o->known_failures = v;
      if (a == "--write-known-failures") o->write_known_failures = v;
      if (a == "--target") o->target = v;
      if (a == "--restart-cmd") o->restart_cmd = v;
      if (a == "--report-dir") o->report_dir = v;
      if (a == "--report-name") o->report_name = v;
      if (a == "--format") o->formats = SplitList(v);
      if (a == "--min-score") {
        char* end = nullptr;
        o->min_score = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || *o->min_score < 0 || *o->min_score > 1) {
          return "--min-score needs a fraction between 0 and 1";
        }
      }
    } else if (a == "-h" || a == "--help") {
      return "help";
    } else if (!a.empty() && a[0] == '-') {
      return "unknown flag " + a;
    } else {
      o->paths.push_back(a);
    }
  }
  if (o->paths.empty()) return "no scripts given";
  if (!o->restart_cmd.empty() && o->target.empty()) return "--restart-cmd needs --target";
  o->run.experimental = o->experimental;
  FinishTargetOptions(o->target_options);
  return "";
}

struct Outcome {
  std::vector<pt::ScriptReport> reports;
  RunResults results;  // for the report writers
};

// In process: promref's engine with the options of Prometheus' test engine.
promref::Result<Outcome> RunInProcess(const Options& o, const std::vector<std::string>& files) {
  pt::InProcessEvaluator evaluator(pt::TestEngineOptions(o.experimental));
  Outcome out;
  for (const std::string& f : files) {
    auto report = pt::RunScriptFile(f, evaluator, o.run);
    if (!report.ok()) return report.error();
    out.reports.push_back(*std::move(report));
  }
  out.results = rp::ToRunResults(out.reports, TargetProfile{});
  out.results.info.target = "in-process";
  out.results.info.target_url = evaluator.Describe();
  return out;
}

// A Prometheus (or promref) that the harness launches is set up as PromqltestServerArgs says; a
// VictoriaMetrics keeps samples of any age (the windows reach weeks back; its default retention
// is a month).
std::vector<std::string> PromqltestEngineArgs(const TargetProfile& p, bool experimental,
                                              bool start_timestamps) {
  if (p.launch == "victoria-metrics" || p.launch == "pinned-victoria-metrics")
    return {"-retentionPeriod=100y"};
  if (p.launch != "embedded" && p.launch != "prometheus" && p.launch != "pinned-prometheus") return {};
  return rp::PromqltestServerArgs(experimental, start_timestamps);
}

promref::Result<Outcome> RunAgainstTarget(const Options& o, const std::vector<std::string>& files) {
  auto profile = ResolveProfile(o.target);
  if (!profile.ok()) return profile.error();
  ApplyTargetOptions(o.target_options, *profile);
  for (const std::string& arg : PromqltestEngineArgs(*profile, o.experimental, o.start_timestamps))
    profile->launch_args.push_back(arg);
  auto target = Target::Open(*profile);
  if (!target.ok()) return target.error();
  rp::RemoteRunOptions ro;
  ro.remote.run = o.run;
  ro.remote.experimental = o.experimental;
  ro.remote.start_timestamps = o.start_timestamps;
  ro.plan.run = o.run;
  ro.restart_cmd = o.restart_cmd;
  ro.allow_existing_data = o.allow_existing_data;
  auto run = rp::RunRemote(**target, files, ro, WallMs());
  if (!run.ok()) return run.error();
  std::cout << "target " << (*target)->base_url() << ": " << run->windows << " windows from "
            << rp::ApiTime(run->span.lo) << " to " << rp::ApiTime(run->span.hi) << ", "
            << run->stats.samples_written << " samples in " << run->stats.write_requests << " writes, "
            << run->stats.queries << " queries; " << run->stats.time_shifted.size()
            << " evaluations judged with time-valued results moved back";
  if (run->span.hi - run->span.lo > int64_t{15} * 24 * 3600 * 1000) {
    std::cout << "; note: the windows span more than 15 days, which the endpoint must retain";
  }
  if (run->stats.histogram_samples_dropped > 0) {
    std::cout << "; " << run->stats.histogram_samples_dropped
              << " native-histogram samples not written (no --native-histograms)";
  }
  if (run->stats.histogram_samples_written > 0) {
    std::cout << "; " << run->stats.histogram_samples_written
              << " native-histogram samples written, compared as the API's JSON shows them (count, sum, "
                 "non-empty buckets); "
              << run->stats.unchecked_reset_hints.size()
              << " evaluations expect a counter reset hint, which the JSON does not carry (not checked)";
  }
  std::cout << "\n";
  Outcome out{.reports = std::move(run->reports)};
  out.results = rp::ToRunResults(out.reports, (*target)->profile());
  out.results.info.target = profile->name;
  out.results.info.target_url = (*target)->base_url();
  out.results.info.target_version = (*target)->Version();
  out.results.info.claims = profile->claims;
  return out;
}

// Exit code from the failures alone, or from the known-failures comparison.
int JudgeFailures(const Options& o, const std::vector<pt::ScriptReport>& reports) {
  if (!o.write_known_failures.empty()) {
    if (auto st = pt::WriteKnownFailuresFile(o.write_known_failures, reports); !st.ok()) {
      std::cerr << "promqltest: " << st.error().message() << "\n";
      return 1;
    }
    std::cout << "wrote " << o.write_known_failures << " (" << pt::FailuresOf(reports).size()
              << " failures)\n";
  }
  if (!o.known_failures.empty()) {
    auto known = pt::ReadKnownFailuresFile(o.known_failures);
    if (!known.ok()) {
      std::cerr << "promqltest: " << known.error().message() << "\n";
      return 2;
    }
    const pt::KnownFailuresDiff diff = pt::DiffKnownFailures(*known, reports);
    for (const auto& f : diff.new_failures)
      std::cout << "new failure: " << f.Key() << " " << f.category << "\n";
    for (const auto& f : diff.no_longer_failing)
      std::cout << "no longer failing: " << f.Key() << " " << f.category << "\n";
    std::cout << (diff.ok() ? "failures match " : "failures differ from ") << o.known_failures << "\n";
    return diff.ok() ? 0 : 1;
  }
  for (const pt::ScriptReport& r : reports) {
    if (r.failed > 0) return 1;
  }
  return 0;
}

}  // namespace

int RunPromqltestCommand(const std::vector<std::string>& args) {
  Options o;
  if (std::string problem = Parse(args, &o); !problem.empty()) return Usage(problem == "help" ? "" : problem);
  auto files = ExpandPaths(o.paths);
  if (!files.ok()) return Usage(files.error().message());

  const auto t0 = std::chrono::steady_clock::now();
  const std::string started = NowRfc3339();
  auto outcome = o.target.empty() ? RunInProcess(o, *files) : RunAgainstTarget(o, *files);
  if (!outcome.ok()) {
    std::cerr << "promqltest: " << outcome.error().message() << "\n";
    return 3;
  }
  std::cout << pt::FormatSummary(outcome->reports, !o.quiet);

  std::string report_dir = o.report_dir;
  if (report_dir.empty() && !o.target.empty()) report_dir = "promconform-reports";
  if (!report_dir.empty()) {
    RunInfo& info = outcome->results.info;
    info.mode = "promqltest";
    info.dataset = "promqltest scripts (" + std::to_string(files->size()) + " files)";
    info.reference = "the scripts' own expectations";
    info.started_at = started;
    info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string name =
        !o.report_name.empty()
            ? o.report_name
            : (o.target.empty() ? "promqltest" : "promqltest-" + ReportFileName(info.target));
    auto paths = WriteReports(outcome->results, report_dir, name, o.formats);
    if (!paths.ok()) {
      std::cerr << "promqltest: " << paths.error().message() << "\n";
      return 3;
    }
    for (const std::string& p : *paths) std::cout << "report: " << p << "\n";
  }
  if (o.min_score) {
    const double score = outcome->results.Total().Score();
    std::cout << "score " << score << (score < *o.min_score ? " is below" : " meets") << " --min-score "
              << *o.min_score << "\n";
    if (score < *o.min_score) return 1;
    if (o.known_failures.empty()) return 0;
  }
  return JudgeFailures(o, outcome->reports);
}

}  // namespace promconform
