// An alerting rule (Prometheus' rules.AlertingRule): each series of its expression's result is
// an alert, pending until it has been active for `for`, then firing; it resolves when the
// series goes (or after keep_firing_for). Labels and annotations are templates expanded per
// alert. Its output series are ALERTS and ALERTS_FOR_STATE.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "rules/alert.h"
#include "rules/rule.h"

namespace promref::rules {

struct AlertingRuleSpec {
  std::string name;
  std::string query;  // printed expression
  std::chrono::milliseconds hold{0};
  std::chrono::milliseconds keep_firing_for{0};
  model::Labels labels;       // templates
  model::Labels annotations;  // templates
  model::Labels external_labels;
  std::string external_url;
  bool restored = false;  // false: ALERTS series wait until the group restored the `for` state
};

class AlertingRule final : public Rule {
 public:
  explicit AlertingRule(AlertingRuleSpec spec);
  bool is_alerting() const override { return true; }

  std::chrono::milliseconds hold() const { return spec_.hold; }
  std::chrono::milliseconds keep_firing_for() const { return spec_.keep_firing_for; }
  const model::Labels& annotations() const { return spec_.annotations; }

  // One evaluation: updates the alerts and returns the ALERTS and ALERTS_FOR_STATE samples
  // (none before the `for` state is restored). Errors: the query's,
  // "vector contains metrics with the same labelset after applying alert labels",
  // "exceeded limit of N with M alerts" (which also clears the alerts).
  Result<promql::Vector> Eval(const EvalContext& ctx) override;

  // The highest state of its alerts; unknown before the first evaluation.
  AlertState State() const;
  // Copies of the alerts that are not resolved (what /api/v1/alerts shows).
  std::vector<Alert> ActiveAlerts() const;
  // Marks the alerts due for sending as sent at `ts` and returns them (resolved ones included).
  std::vector<Alert> TakeAlertsToSend(TimePoint ts, std::chrono::milliseconds resend_delay,
                                      std::chrono::milliseconds interval);

  // For-state restoration after a start (Group::RestoreForState).
  // The ALERTS_FOR_STATE series matchers of this rule (its name and non-template labels).
  std::vector<std::pair<std::string, std::string>> ForStateMatchers() const;
  // Calls f on each alert (under the rule's lock).
  template <typename F>
  void ForEachAlert(F f) {
    std::lock_guard lock(mu_);
    for (auto& [h, a] : active_) f(a);
  }
  void SetRestored(bool r) {
    std::lock_guard lock(mu_);
    spec_.restored = r;
  }
  // Takes over the alerts of the same rule in a group being replaced by a reload.
  void CopyAlertsFrom(const AlertingRule& from);

 private:
  std::string Expand(const std::string& text, const promql::Sample& s, const EvalContext& ctx) const;
  promql::Sample AlertSample(const Alert& a, int64_t t) const;
  promql::Sample ForStateSample(const Alert& a, int64_t t) const;

  AlertingRuleSpec spec_;
  bool evaluated_ = false;
  mutable std::mutex mu_;
  std::map<uint64_t, Alert> active_;  // by the hash of the alert's labels
};

}  // namespace promref::rules
