#include "rules/alerting_rule.h"

#include <set>

#include "rules/templates.h"

namespace promref::rules {

namespace {

constexpr auto kResolvedRetention = std::chrono::minutes(15);
constexpr std::string_view kAlertMetricName = "ALERTS";
constexpr std::string_view kAlertForStateMetricName = "ALERTS_FOR_STATE";

TimePoint FromMs(int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace

const char* AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kUnknown: return "unknown";
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
  }
  return "unknown";
}

bool Alert::NeedsSending(TimePoint ts, std::chrono::milliseconds resend_delay) const {
  if (state == AlertState::kPending) return false;
  if (resolved_at > last_sent_at) return true;  // a resolution goes out at once
  return last_sent_at + resend_delay < ts;
}

AlertingRule::AlertingRule(AlertingRuleSpec spec)
    : Rule(spec.name, spec.query, spec.labels), spec_(std::move(spec)) {}

std::string AlertingRule::Expand(const std::string& text, const promql::Sample& s,
                                 const EvalContext& ctx) const {
  return ExpandAlertTemplate(name(), text, s, spec_.external_labels, spec_.external_url, ctx.ts_ms,
                             *ctx.query);
}

promql::Sample AlertingRule::AlertSample(const Alert& a, int64_t t) const {
  model::LabelsBuilder b(spec_.labels);
  for (const auto& l : a.labels) b.Set(l.name, l.value);
  b.Set(model::kMetricNameLabel, kAlertMetricName);
  b.Set("alertname", name());
  b.Set("alertstate", AlertStateName(a.state));
  promql::Sample s;
  s.metric = b.Build();
  s.t = t;
  s.f = 1;
  return s;
}

promql::Sample AlertingRule::ForStateSample(const Alert& a, int64_t t) const {
  model::LabelsBuilder b(spec_.labels);
  for (const auto& l : a.labels) b.Set(l.name, l.value);
  b.Set(model::kMetricNameLabel, kAlertForStateMetricName);
  b.Set("alertname", name());
  promql::Sample s;
  s.metric = b.Build();
  s.t = t;
  s.f = static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(a.active_at.time_since_epoch()).count());
  return s;
}

Result<promql::Vector> AlertingRule::Eval(const EvalContext& ctx) {
  const int64_t query_ts = ctx.ts_ms - ctx.query_offset_ms;
  auto res = (*ctx.query)(query(), query_ts);
  if (!res.ok()) return res.error();
  const TimePoint ts = FromMs(ctx.ts_ms);

  // The alerts of this evaluation, with their labels and annotations expanded.
  std::map<uint64_t, Alert> current;
  for (const auto& s : *res) {
    // Templates see the series' labels as queried ($labels.__name__ included).
    model::LabelsBuilder b(s.metric);
    b.Del(model::kMetricNameLabel);
    for (const auto& l : spec_.labels) b.Set(l.name, Expand(std::string(l.value), s, ctx));
    b.Set("alertname", name());
    model::LabelsBuilder annotations;
    for (const auto& a : spec_.annotations) annotations.Set(a.name, Expand(std::string(a.value), s, ctx));
    Alert alert;
    alert.labels = b.Build();
    alert.annotations = annotations.Build();
    alert.active_at = ts;
    alert.state = AlertState::kPending;
    alert.value = s.f;
    const uint64_t h = alert.labels.Hash();
    if (current.count(h)) {
      return Error(ErrorKind::kExecution,
                   "vector contains metrics with the same labelset after applying alert labels");
    }
    current.emplace(h, std::move(alert));
  }

  std::lock_guard lock(mu_);
  evaluated_ = true;
  for (auto& [h, a] : current) {
    auto it = active_.find(h);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    active_[h] = std::move(a);
  }

  promql::Vector out;
  int64_t active_pending = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!current.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && spec_.keep_firing_for.count() > 0) {
        if (IsZero(a.keep_firing_since)) a.keep_firing_since = ts;
        keep_firing = ts - a.keep_firing_since < spec_.keep_firing_for;
      }
      // A pending alert that goes away is forgotten; a resolved one is kept 15 minutes so that
      // the resolution is sent.
      const bool forget = a.state == AlertState::kPending ||
                          (!IsZero(a.resolved_at) && ts - a.resolved_at > kResolvedRetention);
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at = ts;
      }
      if (forget) {
        it = active_.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since = TimePoint{};
    }
    ++active_pending;
    if (a.state == AlertState::kPending && ts - a.active_at >= spec_.hold) {
      a.state = AlertState::kFiring;
      a.fired_at = ts;
    }
    if (a.state == AlertState::kFiring && ts - a.active_at < spec_.hold) {  // a restored, shorter `for`
      a.state = AlertState::kPending;
      a.fired_at = TimePoint{};
      a.last_sent_at = TimePoint{};
      a.keep_firing_since = TimePoint{};
    }
    if (spec_.restored) {
      out.push_back(AlertSample(a, query_ts));
      out.push_back(ForStateSample(a, query_ts));
    }
    ++it;
  }
  if (ctx.limit > 0 && active_pending > ctx.limit) {
    active_.clear();
    return Error(ErrorKind::kExecution, "exceeded limit of " + std::to_string(ctx.limit) + " with " +
                                            std::to_string(active_pending) + " alerts");
  }
  return out;
}

AlertState AlertingRule::State() const {
  std::lock_guard lock(mu_);
  if (!evaluated_) return AlertState::kUnknown;
  AlertState max = AlertState::kInactive;
  for (const auto& [h, a] : active_) max = std::max(max, a.state);
  return max;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (const auto& [h, a] : active_) {
    if (IsZero(a.resolved_at)) out.push_back(a);
  }
  return out;
}

std::vector<Alert> AlertingRule::TakeAlertsToSend(TimePoint ts, std::chrono::milliseconds resend_delay,
                                                  std::chrono::milliseconds interval) {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (auto& [h, a] : active_) {
    if (!a.NeedsSending(ts, resend_delay)) continue;
    a.last_sent_at = ts;
    a.valid_until = ts + 4 * std::max(interval, resend_delay);
    out.push_back(a);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> AlertingRule::ForStateMatchers() const {
  std::vector<std::pair<std::string, std::string>> out;
  model::LabelsBuilder b(spec_.labels);
  b.Set(model::kMetricNameLabel, kAlertForStateMetricName);
  b.Set("alertname", name());
  for (const auto& l : b.Build()) {
    if (l.value.find("{{") != std::string_view::npos) continue;  // a template: its value varies
    out.emplace_back(l.name, l.value);
  }
  return out;
}

void AlertingRule::CopyAlertsFrom(const AlertingRule& from) {
  std::scoped_lock lock(mu_, from.mu_);
  for (const auto& [h, a] : from.active_) active_[h] = a;
}

}  // namespace promref::rules
