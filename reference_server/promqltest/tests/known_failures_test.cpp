// The known-failures file: reading, writing, and the two ways a run can disagree with it.
#include "promqltest/known_failures.h"

#include <gtest/gtest.h>

namespace promref::promqltest {
namespace {

ScriptReport Report(std::string name, std::vector<EvalResult> results) {
  ScriptReport r;
  r.name = std::move(name);
  for (EvalResult& e : results) {
    (e.outcome == Outcome::kPassed ? r.passed : e.outcome == Outcome::kFailed ? r.failed : r.skipped)++;
    r.results.push_back(std::move(e));
  }
  return r;
}

EvalResult Failed(int line, std::string category, std::string message) {
  return EvalResult{
      .line = line, .expr = "x", .outcome = Outcome::kFailed, .category = category, .message = message};
}

TEST(KnownFailures, ParseAndFormat) {
  auto known = ParseKnownFailures(
      "# comment\n\nfunctions.test:12 wrong-value: expected 1 but got 2\n  a.test:3 load: x: y  "
      "\nb.test:4\n");
  ASSERT_TRUE(known.ok()) << known.error().message();
  ASSERT_EQ(known->size(), 3u);
  EXPECT_EQ((*known)[0].file, "functions.test");
  EXPECT_EQ((*known)[0].line, 12);
  EXPECT_EQ((*known)[0].category, "wrong-value");
  EXPECT_EQ((*known)[0].reason, "expected 1 but got 2");
  EXPECT_EQ((*known)[1].Key(), "a.test:3");
  EXPECT_EQ((*known)[1].reason, "x: y");
  EXPECT_EQ((*known)[2].category, "");
  EXPECT_FALSE(ParseKnownFailures("nocolon wrong").ok());
  EXPECT_FALSE(ParseKnownFailures("a.test:x wrong").ok());
  EXPECT_FALSE(ParseKnownFailures("a.test:0 wrong").ok());

  std::vector<ScriptReport> reports = {
      Report("a.test", {Failed(3, "range-mode/wrong-value", "line one\n  line two"),
                        EvalResult{.line = 5, .outcome = Outcome::kPassed}}),
      Report("b.test", {Failed(9, "parse", std::string(500, 'x'))})};
  const std::string text = FormatKnownFailures(reports);
  EXPECT_NE(text.find("a.test:3 range-mode/wrong-value: line one line two\n"), std::string::npos) << text;
  auto again = ParseKnownFailures(text);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[1].Key(), "b.test:9");
  EXPECT_LE((*again)[1].reason.size(), 210u);
  EXPECT_TRUE(DiffKnownFailures(*again, reports).ok());
}

TEST(KnownFailures, ReasonsDropTheContextTheKeyGives) {
  auto reason = [](std::string message) {
    return FailuresOf({Report("a.test", {Failed(1, "c", std::move(message))})})[0].reason;
  };
  EXPECT_EQ(reason("error in eval m (line 3): expected 1 for {} but got 2"), "expected 1 for {} but got 2");
  EXPECT_EQ(reason("error evaluating query \"m\" (line 3): boom"), "boom");
  EXPECT_EQ(
      reason("[@ variant m @ 1.000 at 0ms] [range mode] error in eval m @ 1.000 (line 3) range mode: x"),
      "x");
  EXPECT_EQ(reason("error evaluating query m (line 3) in range mode: boom"), "boom");
  EXPECT_EQ(reason("load (line 1): out of order sample"), "out of order sample");
  EXPECT_EQ(reason("unexpected warn annotation \"w\" found for query \"m\" (line 3)"),
            "unexpected warn annotation \"w\" found for query \"m\" (line 3)");
}

TEST(KnownFailures, RegeneratingKeepsReasonsPeopleWrote) {
  std::vector<ScriptReport> reports = {
      Report("a.test", {Failed(3, "wrong-value", "expected 1 but got 2"), Failed(5, "parse", "boom")})};
  auto keep =
      ParseKnownFailures("a.test:3 upstream-changed: the 3.16 script expects 2 here\nb.test:1 x: gone\n");
  ASSERT_TRUE(keep.ok());
  const std::string text = FormatKnownFailures(reports, *keep);
  EXPECT_NE(text.find("a.test:3 upstream-changed: the 3.16 script expects 2 here\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("a.test:5 parse: boom\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("b.test:1"), std::string::npos) << text;  // no longer failing: dropped
}

TEST(KnownFailures, Diff) {
  auto known = ParseKnownFailures("a.test:3 wrong-value: old\na.test:7 wrong-value: fixed now\n");
  ASSERT_TRUE(known.ok());
  std::vector<ScriptReport> reports = {
      Report("a.test", {Failed(3, "annotations", "a different reason is fine"),
                        EvalResult{.line = 7, .outcome = Outcome::kSkipped, .category = "native-histograms"},
                        Failed(9, "missing-series", "new")})};
  KnownFailuresDiff diff = DiffKnownFailures(*known, reports);
  EXPECT_FALSE(diff.ok());
  ASSERT_EQ(diff.new_failures.size(), 1u);
  EXPECT_EQ(diff.new_failures[0].Key(), "a.test:9");
  ASSERT_EQ(diff.no_longer_failing.size(), 1u);
  EXPECT_EQ(diff.no_longer_failing[0].Key(), "a.test:7");
}

TEST(KnownFailures, Summary) {
  std::vector<ScriptReport> reports = {
      Report("a.test", {Failed(3, "parse", "boom"), EvalResult{.line = 4}}),
      Report("bb.test", {EvalResult{.line = 1, .outcome = Outcome::kSkipped}})};
  const std::string s = FormatSummary(reports, true);
  EXPECT_NE(s.find("a.test      1 passed     1 failed     0 skipped"), std::string::npos) << s;
  EXPECT_NE(s.find("total       1 passed     1 failed     1 skipped"), std::string::npos) << s;
  EXPECT_NE(s.find("FAIL a.test:3 [parse] x\n  boom"), std::string::npos) << s;
}

}  // namespace
}  // namespace promref::promqltest
