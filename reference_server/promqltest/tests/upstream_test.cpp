// Prometheus' own PromQL test scripts, run in process through promref's engine over MemStorage:
//   - ../shared/upstream/promqltest (main of August 2026) and ours (fixtures/promqltest/*.test)
//     must fail exactly the evaluations listed in fixtures/promqltest/known_failures.txt;
//   - those of the pinned Prometheus module (peers/versions), read from Go's module cache, must
//     fail exactly those in fixtures/promqltest/known_failures_pinned.txt. Where the two sets of
//     scripts disagree, the pinned version wins: its list is the one that must stay empty.
// A new failure fails the test, and so does a listed evaluation that now passes (remove it: the
// count of passing evaluations only goes up).
//
// Regenerate the lists after a change that fixes or (knowingly) breaks evaluations:
//   PROMCONFORM_WRITE_KNOWN_FAILURES=1 ctest -R promqltest_upstream_test
// Evaluations that need native histograms are skipped until the engine evaluates them; set
// PROMCONFORM_PROMQLTEST_NATIVE_HISTOGRAMS=1 to run them (and regenerate the list when turning
// them on for good, here).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "promqltest/in_process_evaluator.h"
#include "promqltest/known_failures.h"
#include "promqltest/runner.h"

namespace promref::promqltest {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::vector<std::string> Scripts(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `files` through the in-process engine and checks the failures against `known_path`.
void ExpectExactlyTheKnownFailures(const std::vector<std::string>& files, const fs::path& known_path) {
  // Entries are keyed by file name: no two scripts may share one.
  std::set<std::string> names;
  for (const std::string& f : files) {
    EXPECT_TRUE(names.insert(fs::path(f).filename().string()).second) << "duplicate script name " << f;
  }

  RunOptions options;
  options.native_histograms = Env("PROMCONFORM_PROMQLTEST_NATIVE_HISTOGRAMS", "1") == "1";
  InProcessEvaluator evaluator(TestEngineOptions());
  std::vector<ScriptReport> reports;
  for (const std::string& f : files) {
    auto report = RunScriptFile(f, evaluator, options);
    ASSERT_TRUE(report.ok()) << report.error().message();
    reports.push_back(*std::move(report));
  }
  std::cout << FormatSummary(reports, /*list_failures=*/false);

  if (Env("PROMCONFORM_WRITE_KNOWN_FAILURES", "0") == "1") {
    ASSERT_TRUE(WriteKnownFailuresFile(known_path.string(), reports).ok()) << known_path;
    std::cout << "wrote " << known_path << " (" << FailuresOf(reports).size() << " known failures)\n";
    return;
  }
  auto known = ReadKnownFailuresFile(known_path.string());
  ASSERT_TRUE(known.ok()) << known.error().message();
  const KnownFailuresDiff diff = DiffKnownFailures(*known, reports);
  std::set<std::string> new_keys;
  for (const KnownFailure& f : diff.new_failures) new_keys.insert(f.Key());
  for (const ScriptReport& r : reports) {
    for (const EvalResult& e : r.results) {
      if (e.outcome != Outcome::kFailed || !new_keys.count(r.name + ":" + std::to_string(e.line))) continue;
      std::cout << "NEW FAILURE " << r.name << ":" << e.line << " [" << e.category << "] " << e.expr << "\n  "
                << e.message << "\n";
    }
  }
  for (const KnownFailure& f : diff.no_longer_failing) {
    std::cout << "NO LONGER FAILING (remove it from the list) " << f.Key() << " " << f.category << "\n";
  }
  EXPECT_TRUE(diff.ok())
      << diff.new_failures.size() << " new failures and " << diff.no_longer_failing.size()
      << " listed evaluations no longer failing (see above); after checking them, regenerate " << known_path
      << " with PROMCONFORM_WRITE_KNOWN_FAILURES=1";
}

fs::path OurScriptsDir() {
  return fs::path(Env("PROMCONFORM_SOURCE_DIR", ".")) / "fixtures" / "promqltest";
}

TEST(PromqltestUpstream, FailsExactlyTheKnownFailures) {
  const fs::path upstream = fs::path(Env("PROMCONFORM_UPSTREAM_DIR", "../shared/upstream")) / "promqltest";
  const fs::path ours = OurScriptsDir();
  ASSERT_TRUE(fs::exists(upstream)) << upstream;
  ASSERT_TRUE(fs::exists(ours)) << ours;
  std::vector<std::string> files = Scripts(upstream);
  ASSERT_EQ(files.size(), 21u) << "upstream scripts in " << upstream;
  const std::vector<std::string> own = Scripts(ours);
  ASSERT_FALSE(own.empty());
  files.insert(files.end(), own.begin(), own.end());
  ExpectExactlyTheKnownFailures(files, ours / "known_failures.txt");
}

TEST(PromqltestUpstream, PinnedModuleScriptsFailExactlyTheKnownFailures) {
  const fs::path pinned = Env("PROMCONFORM_PINNED_PROMQLTEST_DIR", "");
  ASSERT_TRUE(!pinned.empty() && fs::exists(pinned))
      << "the pinned Prometheus module's promqltest scripts are not at '" << pinned
      << "': run peers/build (scripts/setup does), then re-run cmake";
  const std::vector<std::string> files = Scripts(pinned);
  ASSERT_GE(files.size(), 21u) << "scripts in " << pinned;
  ExpectExactlyTheKnownFailures(files, OurScriptsDir() / "known_failures_pinned.txt");
}

// The in-process evaluator runs the scripts with `@st` data: its engine uses start timestamps
// (as Prometheus' test engine does) and MemStorage keeps them; without the option it skips them.
TEST(PromqltestUpstream, InProcessEvaluatorRunsStartTimestamps) {
  EXPECT_TRUE(InProcessEvaluator().Capabilities().start_timestamps);
  promql::EngineOptions off = TestEngineOptions();
  off.use_start_timestamps = false;
  EXPECT_FALSE(InProcessEvaluator(off).Capabilities().start_timestamps);
}

}  // namespace
}  // namespace promref::promqltest
