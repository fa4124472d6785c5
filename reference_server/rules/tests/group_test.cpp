// Rule groups over an in-memory store and the real engine: what recording and alerting rules
// write, alert state transitions, templates, staleness, limits and `for` state restoration.
#include "rules/group.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/sample.h"
#include "promql/engine.h"
#include "rules/manager.h"
#include "rules/recording_rule.h"
#include "storage/mem_storage.h"

namespace promref::rules {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int64_t kBase = 1'700'000'000'000;  // ms

TimePoint At(int64_t ms) {
  return TimePoint(milliseconds(ms));
}

class GroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deps_ = std::make_shared<GroupDeps>();
    deps_->storage = &storage_;
    deps_->query = EngineQueryFunc(&engine_, &storage_);
    deps_->notify = [this](const std::string& expr, const std::vector<Alert>& alerts) {
      for (const auto& a : alerts) notified_.push_back({expr, a});
    };
  }

  void Write(const model::Labels& l, int64_t t, double v) {
    auto app = storage_.MakeAppender();
    ASSERT_TRUE(app->Append(0, l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }

  // The value of `query` at `t`, keyed by labels.
  std::map<std::string, double> Query(const std::string& q, int64_t t) {
    std::map<std::string, double> out;
    auto r = engine_.InstantQuery(storage_, q, t);
    EXPECT_TRUE(r.status.ok()) << (r.status.ok() ? "" : r.status.error().message());
    for (const auto& s : r.value.vector) out[s.metric.ToString()] = s.f;
    return out;
  }

  std::unique_ptr<Group> MakeGroup(std::vector<std::unique_ptr<Rule>> rules, int64_t limit = 0,
                                   bool should_restore = false) {
    return std::make_unique<Group>(GroupSpecResolved{"g", "f.yml", seconds(10), std::nullopt, limit},
                                   std::move(rules), should_restore, deps_);
  }

  static std::unique_ptr<AlertingRule> Alerting(const std::string& name, const std::string& expr,
                                                milliseconds hold, model::Labels labels = {},
                                                model::Labels annotations = {},
                                                milliseconds keep = milliseconds(0), bool restored = true) {
    AlertingRuleSpec s;
    s.name = name;
    s.query = expr;
    s.hold = hold;
    s.keep_firing_for = keep;
    s.labels = std::move(labels);
    s.annotations = std::move(annotations);
    s.external_labels = model::Labels{{"cluster", "eu"}};
    s.external_url = "http://promref:9090";
    s.restored = restored;
    return std::make_unique<AlertingRule>(std::move(s));
  }

  storage::MemStorage storage_;
  promql::Engine engine_;
  std::shared_ptr<GroupDeps> deps_;
  std::vector<std::pair<std::string, Alert>> notified_;
};

TEST_F(GroupTest, RecordingRuleWritesRenamedSeriesAndMarksVanishedOnesStale) {
  Write({{"__name__", "up"}, {"job", "a"}, {"instance", "1"}}, kBase, 1);
  Write({{"__name__", "up"}, {"job", "b"}, {"instance", "2"}}, kBase, 0);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(
      std::make_unique<RecordingRule>("job:up:sum", "sum by (job) (up)", model::Labels{{"team", "x"}}));
  auto g = MakeGroup(std::move(rules));
  g->Eval(At(kBase + 10'000));
  EXPECT_EQ(Query("job:up:sum", kBase + 10'000),
            (std::map<std::string, double>{{R"({__name__="job:up:sum", job="a", team="x"})", 1},
                                           {R"({__name__="job:up:sum", job="b", team="x"})", 0}}));
  EXPECT_EQ(g->rules()[0]->status().health, Health::kGood);
  // job b's input goes stale: its output is marked stale at the next evaluation.
  Write({{"__name__", "up"}, {"job", "b"}, {"instance", "2"}}, kBase + 15'000, model::StaleNaN());
  Write({{"__name__", "up"}, {"job", "a"}, {"instance", "1"}}, kBase + 15'000, 1);
  g->Eval(At(kBase + 20'000));
  EXPECT_EQ(Query("job:up:sum", kBase + 20'000),
            (std::map<std::string, double>{{R"({__name__="job:up:sum", job="a", team="x"})", 1}}));
}

TEST_F(GroupTest, RuleErrorsMakeTheRuleBadAndKeepOthersRunning) {
  Write({{"__name__", "up"}, {"job", "a"}, {"instance", "1"}}, kBase, 1);
  Write({{"__name__", "up"}, {"job", "a"}, {"instance", "2"}}, kBase, 1);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<RecordingRule>("dup", "up", model::Labels{{"instance", "same"}}));
  rules.push_back(std::make_unique<RecordingRule>("matrix", "up[5m]", model::Labels{}));
  rules.push_back(std::make_unique<RecordingRule>("fine", "up", model::Labels{}));
  auto g = MakeGroup(std::move(rules), /*limit=*/1);
  g->Eval(At(kBase + 10'000));
  EXPECT_EQ(g->rules()[0]->status().last_error,
            "vector contains metrics with the same labelset after applying rule labels");
  EXPECT_EQ(g->rules()[1]->status().last_error, "rule result is not a vector or scalar");
  EXPECT_EQ(g->rules()[2]->status().last_error, "exceeded limit of 1 with 2 series");
  for (const auto& r : g->rules()) EXPECT_EQ(r->status().health, Health::kBad);
}

TEST_F(GroupTest, AlertGoesPendingFiringResolvedWithAlertsSeriesAndNotifications) {
  const model::Labels up{{"__name__", "up"}, {"job", "a"}, {"instance", "1"}};
  Write(up, kBase, 0);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Alerting(
      "Down", "up == 0", seconds(20), model::Labels{{"severity", "page"}},
      model::Labels{{"summary", "{{ $labels.instance }} of {{ $externalLabels.cluster }} is {{ $value }}"}}));
  auto g = MakeGroup(std::move(rules));
  auto& rule = static_cast<AlertingRule&>(*g->rules()[0]);
  EXPECT_EQ(rule.State(), AlertState::kUnknown);

  g->Eval(At(kBase + 10'000));
  EXPECT_EQ(rule.State(), AlertState::kPending);
  auto alerts = rule.ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].labels.ToString(), R"({alertname="Down", instance="1", job="a", severity="page"})");
  EXPECT_EQ(alerts[0].annotations.ToString(), R"({summary="1 of eu is 0"})");
  EXPECT_EQ(
      Query("ALERTS", kBase + 10'000),
      (std::map<std::string, double>{
          {R"({__name__="ALERTS", alertname="Down", alertstate="pending", instance="1", job="a", severity="page"})",
           1}}));
  EXPECT_EQ(Query("ALERTS_FOR_STATE", kBase + 10'000).begin()->second, (kBase + 10'000) / 1000);
  EXPECT_TRUE(notified_.empty());  // pending alerts are not sent

  Write(up, kBase + 20'000, 0);
  g->Eval(At(kBase + 30'000));  // active for 20s: fires
  EXPECT_EQ(rule.State(), AlertState::kFiring);
  ASSERT_EQ(notified_.size(), 1u);
  EXPECT_EQ(notified_[0].first, "up == 0");
  EXPECT_EQ(notified_[0].second.fired_at, At(kBase + 30'000));
  EXPECT_EQ(notified_[0].second.valid_until, At(kBase + 30'000) + 4 * minutes(1));
  EXPECT_EQ(Query("ALERTS{alertstate=\"pending\"}", kBase + 30'000).size(), 0u);  // went stale
  EXPECT_EQ(Query("ALERTS{alertstate=\"firing\"}", kBase + 30'000).size(), 1u);

  g->Eval(At(kBase + 40'000));  // no resend before the resend delay
  EXPECT_EQ(notified_.size(), 1u);

  Write(up, kBase + 45'000, 1);
  g->Eval(At(kBase + 50'000));  // resolved: sent at once with its resolution time
  EXPECT_EQ(rule.State(), AlertState::kInactive);
  ASSERT_EQ(notified_.size(), 2u);
  EXPECT_EQ(notified_[1].second.resolved_at, At(kBase + 50'000));
  EXPECT_TRUE(rule.ActiveAlerts().empty());
  EXPECT_TRUE(Query("ALERTS", kBase + 50'000).empty());
}

TEST_F(GroupTest, KeepFiringForHoldsAResolvedAlert) {
  const model::Labels up{{"__name__", "up"}, {"job", "a"}};
  Write(up, kBase, 0);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Alerting("Down", "up == 0", seconds(0), {}, {}, seconds(15)));
  auto g = MakeGroup(std::move(rules));
  auto& rule = static_cast<AlertingRule&>(*g->rules()[0]);
  g->Eval(At(kBase + 10'000));
  EXPECT_EQ(rule.State(), AlertState::kFiring);
  Write(up, kBase + 15'000, 1);
  g->Eval(At(kBase + 20'000));  // gone, but keeps firing for 15s
  ASSERT_EQ(rule.ActiveAlerts().size(), 1u);
  EXPECT_EQ(rule.ActiveAlerts()[0].state, AlertState::kFiring);
  EXPECT_EQ(rule.ActiveAlerts()[0].keep_firing_since, At(kBase + 20'000));
  g->Eval(At(kBase + 30'000));
  EXPECT_EQ(rule.State(), AlertState::kFiring);
  g->Eval(At(kBase + 40'000));  // 20s since: resolved
  EXPECT_EQ(rule.State(), AlertState::kInactive);
}

TEST_F(GroupTest, AlertLimitClearsAlerts) {
  Write({{"__name__", "up"}, {"i", "1"}}, kBase, 0);
  Write({{"__name__", "up"}, {"i", "2"}}, kBase, 0);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Alerting("Down", "up == 0", seconds(0)));
  auto g = MakeGroup(std::move(rules), 1);
  g->Eval(At(kBase + 10'000));
  EXPECT_EQ(g->rules()[0]->status().last_error, "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(static_cast<AlertingRule&>(*g->rules()[0]).ActiveAlerts().empty());
}

TEST_F(GroupTest, RestoresForStateAfterARestart) {
  const model::Labels up{{"__name__", "up"}, {"job", "a"}};
  // Before the "restart": the alert became active at kBase/1000 s and the server went down at
  // kBase + 60s, 4 minutes into a 10-minute `for`.
  const int64_t active_since = kBase / 1000;
  const model::Labels for_state{{"__name__", "ALERTS_FOR_STATE"}, {"alertname", "Down"}, {"job", "a"}};
  for (int64_t t = kBase; t <= kBase + 240'000; t += 60'000) {
    Write(for_state, t, static_cast<double>(active_since));
    Write(up, t, 0);
  }
  const int64_t now = kBase + 600'000;  // back up after 6 minutes
  Write(up, now - 5'000, 0);
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(Alerting("Down", "up == 0", minutes(30), {}, {}, milliseconds(0), /*restored=*/false));
  auto g = MakeGroup(std::move(rules), 0, /*should_restore=*/true);
  auto& rule = static_cast<AlertingRule&>(*g->rules()[0]);
  g->Eval(At(now));
  EXPECT_TRUE(Query("ALERTS", now).empty());  // nothing written before restoration
  g->RestoreForState(At(now));
  ASSERT_EQ(rule.ActiveAlerts().size(), 1u);
  // Pending for 4 minutes before going down; the 6 minutes down do not count.
  EXPECT_EQ(rule.ActiveAlerts()[0].active_at, At(now - 240'000));
}

TEST_F(GroupTest, EvaluationTimesFollowTheGroupsOffset) {
  auto g = MakeGroup({});
  const TimePoint now = At(kBase + 1234);
  const TimePoint next = g->NextEvalTimestamp(now);
  EXPECT_GT(next, now);
  EXPECT_LE(next, now + seconds(20));
  // The same phase from any starting point.
  const TimePoint later = g->NextEvalTimestamp(now + seconds(37));
  EXPECT_EQ((later - next) % seconds(10), TimePoint::duration::zero());
}

}  // namespace
}  // namespace promref::rules
