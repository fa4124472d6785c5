#include "commands/promqltest_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "promqltest/in_process_evaluator.h"
#include "promqltest/known_failures.h"
#include "promqltest/runner.h"

namespace promconform {
namespace {

namespace fs = std::filesystem;
namespace pt = promref::promqltest;

constexpr const char* kUsage = R"(usage:
  promconform promqltest [flags] FILE|DIR...
      Run promqltest scripts (Prometheus' PromQL test format: load, clear, eval ... with
      expectations) in process, against promref's engine over an in-memory store, the way
      Prometheus' own test harness runs them. A directory means every *.test file in it.
      Prints passed/failed/skipped per file and in total, then every failure.

flags:
  --experimental              enable experimental PromQL (functions, duration expressions,
                              fill modifiers, anchored/smoothed), as Prometheus' test engine
                              does; without it, evaluations that use it are skipped
  --native-histograms         also run evaluations that need native histograms
  --known-failures FILE       compare with a known-failures file: exit 1 only when an
                              evaluation fails that is not listed, or a listed one passes
  --write-known-failures FILE write this run's failures as a known-failures file
  --no-at-variants            skip the @-modifier variants of instant evaluations
  --no-range-mode             skip the range-query re-check of instant evaluations
  --quiet                     print the counts only, not each failure

exit code: 0 when no evaluation failed (or the failures are exactly the known ones),
1 otherwise, 2 for a usage error.
)";

struct Options {
  pt::RunOptions run;
  bool experimental = false;
  bool quiet = false;
  std::string known_failures;
  std::string write_known_failures;
  std::vector<std::string> paths;
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

// Where the scripts run. In process for now; a --target URL mode plugs in here with an
// Evaluator that loads by remote write and queries over HTTP.
std::unique_ptr<pt::Evaluator> MakeEvaluator(const Options& o) {
  return std::make_unique<pt::InProcessEvaluator>(pt::TestEngineOptions(o.experimental));
}

}  // namespace

int RunPromqltestCommand(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    if (a == "--experimental") {
      o.experimental = true;
    } else if (a == "--native-histograms") {
      o.run.native_histograms = true;
    } else if (a == "--no-at-variants") {
      o.run.at_modifier_variants = false;
    } else if (a == "--no-range-mode") {
      o.run.range_mode_check = false;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--known-failures") {
      if (!value(&o.known_failures)) return Usage(a + " needs a file");
    } else if (a == "--write-known-failures") {
      if (!value(&o.write_known_failures)) return Usage(a + " needs a file");
    } else if (a == "-h" || a == "--help") {
      return Usage("");
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown flag " + a);
    } else {
      o.paths.push_back(a);
    }
  }
  if (o.paths.empty()) return Usage("no scripts given");
  o.run.experimental = o.experimental;
  auto files = ExpandPaths(o.paths);
  if (!files.ok()) return Usage(files.error().message());

  std::vector<pt::KnownFailure> known;
  if (!o.known_failures.empty()) {
    auto k = pt::ReadKnownFailuresFile(o.known_failures);
    if (!k.ok()) return Usage(k.error().message());
    known = *std::move(k);
  }

  std::unique_ptr<pt::Evaluator> evaluator = MakeEvaluator(o);
  std::vector<pt::ScriptReport> reports;
  for (const std::string& f : *files) {
    auto report = pt::RunScriptFile(f, *evaluator, o.run);
    if (!report.ok()) {
      std::cerr << "promqltest: " << report.error().message() << "\n";
      return 1;
    }
    reports.push_back(*std::move(report));
  }
  std::cout << pt::FormatSummary(reports, !o.quiet);

  if (!o.write_known_failures.empty()) {
    if (auto st = pt::WriteKnownFailuresFile(o.write_known_failures, reports); !st.ok()) {
      std::cerr << "promqltest: " << st.error().message() << "\n";
      return 1;
    }
    std::cout << "wrote " << o.write_known_failures << " (" << pt::FailuresOf(reports).size()
              << " failures)\n";
  }
  if (!o.known_failures.empty()) {
    const pt::KnownFailuresDiff diff = pt::DiffKnownFailures(known, reports);
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

}  // namespace promconform
