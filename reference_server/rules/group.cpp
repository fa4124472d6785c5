#include "rules/group.h"

#include <cmath>

#include "model/sample.h"

namespace promref::rules {

namespace {

int64_t ToMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Append errors that are expected when a rule's result repeats or lags (counted, not logged, by
// Prometheus).
bool IsBenign(storage::AppendError e) {
  return e == storage::AppendError::kOutOfOrder || e == storage::AppendError::kTooOld ||
         e == storage::AppendError::kDuplicateSample;
}

// Prometheus' text of an append error, as a rule's lastError shows it.
std::string AppendErrorMessage(storage::AppendError e) {
  return std::string(storage::AppendErrorText(e));
}

}  // namespace

Group::Group(GroupSpecResolved spec, std::vector<std::unique_ptr<Rule>> rules, bool should_restore,
             std::shared_ptr<const GroupDeps> deps)
    : spec_(std::move(spec)),
      rules_(std::move(rules)),
      deps_(std::move(deps)),
      should_restore_(should_restore),
      previous_series_(rules_.size()) {}

Group::~Group() {
  Stop();
}

double Group::evaluation_seconds() const {
  std::lock_guard lock(mu_);
  return evaluation_seconds_;
}

Group::Counters Group::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

TimePoint Group::last_evaluation() const {
  std::lock_guard lock(mu_);
  return last_evaluation_;
}

TimePoint Group::NextEvalTimestamp(TimePoint now) const {
  const int64_t interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(spec_.interval).count();
  const model::Labels key{{"name", spec_.name}, {"file", spec_.file}};
  const auto offset = static_cast<int64_t>(key.Hash() % static_cast<uint64_t>(interval_ns));
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const int64_t adjusted = now_ns - offset;
  const int64_t base = adjusted - adjusted % interval_ns;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(base + offset))) +
         spec_.interval;
}

int64_t Group::QueryOffsetMs() const {
  if (spec_.query_offset_ms) return *spec_.query_offset_ms;
  return deps_->default_query_offset_ms ? deps_->default_query_offset_ms() : 0;
}

void Group::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Group::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    retiring_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Group::Retire() {
  {
    std::lock_guard lock(mu_);
    retiring_ = true;
  }
  cv_.notify_all();
}

bool Group::Finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

void Group::Run() {
  std::unique_lock lock(mu_);
  const auto stop_requested = [this] { return stopping_ || retiring_; };
  TimePoint eval_ts = NextEvalTimestamp(std::chrono::system_clock::now());
  bool restore_pending = should_restore_;
  int evaluations = 0;
  while (!cv_.wait_until(lock, eval_ts, stop_requested)) {
    // Skip the iterations a slow evaluation missed, keeping the phase.
    const auto late = std::chrono::system_clock::now() - eval_ts;
    if (late >= spec_.interval) {
      const auto missed = late / spec_.interval;
      eval_ts += missed * spec_.interval;
      counters_.missed += static_cast<uint64_t>(missed);
      counters_.iterations += static_cast<uint64_t>(missed);
    }
    ++counters_.iterations;
    lock.unlock();
    Eval(eval_ts);
    // As Prometheus: the `for` state is restored after the second evaluation, once the alerts
    // that are active now are known.
    if (restore_pending && ++evaluations == 2) {
      const auto begin = std::chrono::steady_clock::now();
      RestoreForState(std::chrono::system_clock::now());
      restore_pending = false;
      std::lock_guard counters_lock(mu_);
      counters_.last_restore_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    }
    lock.lock();
    eval_ts += spec_.interval;
  }
  if (retiring_ && !stopping_) {
    // Series of a removed group go stale two intervals after it stopped, unless the server
    // shuts down first.
    const TimePoint stopped_at = std::chrono::system_clock::now();
    std::vector<model::Labels> series;
    for (auto& prev : previous_series_) {
      for (auto& [key, labels] : prev) series.push_back(labels);
    }
    if (!cv_.wait_until(lock, stopped_at + 2 * spec_.interval, [this] { return stopping_; })) {
      lock.unlock();
      AppendStale(series, ToMs(stopped_at) - QueryOffsetMs());
      lock.lock();
    }
  }
  finished_ = true;
}

void Group::AppendStale(const std::vector<model::Labels>& series, int64_t t) {
  if (series.empty() || deps_->storage == nullptr) return;
  auto app = deps_->storage->MakeAppender();
  for (const auto& l : series) {
    auto r = app->Append(0, l, t, model::StaleNaN());
    if (!r.ok() && !IsBenign(r.error)) {
      deps_->log("Adding stale sample failed: " + l.ToString() + ": " + AppendErrorMessage(r.error));
    }
  }
  if (Status st = app->Commit(); !st.ok())
    deps_->log("Stale sample appending failed: " + st.error().message());
}

void Group::Eval(TimePoint ts) {
  const auto start = std::chrono::system_clock::now();
  const int64_t offset_ms = QueryOffsetMs();
  uint64_t samples = 0;
  for (size_t i = 0; i < rules_.size(); ++i) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    samples += EvalRule(i, ts, offset_ms);
  }
  if (!stale_series_.empty()) {
    AppendStale(stale_series_, ToMs(ts) - offset_ms);
    stale_series_.clear();
  }
  std::lock_guard lock(mu_);
  evaluation_seconds_ = std::chrono::duration<double>(std::chrono::system_clock::now() - start).count();
  last_evaluation_ = start;
  counters_.last_samples = samples;
}

size_t Group::EvalRule(size_t i, TimePoint ts, int64_t offset_ms) {
  Rule& rule = *rules_[i];
  {
    std::lock_guard lock(mu_);
    ++counters_.rule_evaluations;
  }
  const auto start = std::chrono::system_clock::now();
  EvalContext ctx{ToMs(ts), offset_ms, &deps_->query, spec_.limit};
  auto vec = rule.Eval(ctx);
  const auto finish = [&] {
    rule.SetEvaluation(start,
                       std::chrono::duration<double>(std::chrono::system_clock::now() - start).count());
  };
  if (!vec.ok()) {
    rule.SetHealth(Health::kBad, vec.error().message());
    deps_->log("Evaluating rule failed: rule " + rule.name() + ": " + vec.error().message());
    finish();
    std::lock_guard lock(mu_);
    ++counters_.rule_failures;
    return 0;
  }
  rule.SetHealth(Health::kGood, "");
  if (rule.is_alerting() && deps_->notify) {
    auto& ar = static_cast<AlertingRule&>(rule);
    auto alerts = ar.TakeAlertsToSend(ts, deps_->resend_delay, spec_.interval);
    if (!alerts.empty()) deps_->notify(rule.query(), alerts);
  }
  if (deps_->storage == nullptr) {
    finish();
    return vec->size();
  }
  auto app = deps_->storage->MakeAppender();
  std::map<std::string, model::Labels> returned;
  for (const auto& s : *vec) {
    const auto r = s.h ? app->AppendHistogram(0, s.metric, s.t, *s.h) : app->Append(0, s.metric, s.t, s.f);
    if (!r.ok()) {
      rule.SetHealth(Health::kBad, AppendErrorMessage(r.error));
      if (!IsBenign(r.error)) deps_->log("Rule evaluation result discarded: " + AppendErrorMessage(r.error));
      continue;
    }
    returned.emplace(std::string(s.metric.Encoded()), s.metric);
  }
  // Series of the last evaluation that this one did not produce go stale now.
  for (const auto& [key, labels] : previous_series_[i]) {
    if (returned.count(key)) continue;
    auto r = app->Append(0, labels, ToMs(ts) - offset_ms, model::StaleNaN());
    if (!r.ok() && !IsBenign(r.error))
      deps_->log("Adding stale sample failed: " + AppendErrorMessage(r.error));
  }
  if (Status st = app->Commit(); !st.ok()) {
    rule.SetHealth(Health::kBad, st.error().message());
    deps_->log("Rule sample appending failed: " + st.error().message());
  } else {
    previous_series_[i] = std::move(returned);
  }
  finish();
  return vec->size();
}

void Group::RestoreForState(TimePoint now) {
  if (deps_->storage == nullptr) return;
  const int64_t maxt = ToMs(now);
  const int64_t mint = ToMs(now - deps_->outage_tolerance);
  auto q = deps_->storage->MakeQuerier(mint, maxt);
  if (!q.ok()) {
    deps_->log("Failed to get Querier: " + q.error().message());
    return;
  }
  for (auto& rule : rules_) {
    if (!rule->is_alerting()) continue;
    auto& ar = static_cast<AlertingRule&>(*rule);
    std::vector<model::Matcher> matchers;
    for (const auto& [name, value] : ar.ForStateMatchers()) {
      if (auto m = model::Matcher::Make(model::MatchType::kEqual, name, value); m.ok())
        matchers.push_back(*m);
    }
    // The last sample of each ALERTS_FOR_STATE series, by its labels without __name__.
    std::map<std::string, std::pair<int64_t, double>> last;
    auto set = (*q)->Select(false, storage::SelectHints{mint, maxt}, matchers);
    while (set->Next()) {
      const auto& series = set->At();
      auto it = series.Iterator();
      int64_t t = 0;
      double v = 0;
      bool any = false;
      for (auto vt = it->Next(); vt == storage::ValueType::kFloat; vt = it->Next()) {
        t = it->AtT();
        v = it->AtFloat();
        any = true;
      }
      if (any) {
        last[series.labels()
                 .Filter([](std::string_view n) { return n != model::kMetricNameLabel; })
                 .ToString()] = {t, v};
      }
    }
    if (!last.empty()) {
      const auto hold = ar.hold();
      ar.ForEachAlert([&](Alert& a) {
        auto it = last.find(a.labels.ToString());
        if (it == last.end() || model::IsStaleNaN(it->second.second)) return;
        const TimePoint down_at{std::chrono::seconds(it->second.first / 1000)};
        TimePoint restored{std::chrono::seconds(static_cast<int64_t>(it->second.second))};
        const auto pending_left = hold - (down_at - restored);
        if (pending_left <= TimePoint::duration::zero()) {
          // Already past `for`: fires at once.
        } else if (hold < deps_->for_grace_period) {
          return;  // short `for`: it simply starts over
        } else if (pending_left < deps_->for_grace_period) {
          restored = now + deps_->for_grace_period - hold;
        } else {
          restored += now - down_at;  // the time spent down does not count
        }
        a.active_at = restored;
      });
    }
    ar.SetRestored(true);
  }
}

bool Group::Equals(const Group& other) const {
  if (spec_.name != other.spec_.name || spec_.file != other.spec_.file ||
      spec_.interval != other.spec_.interval || spec_.limit != other.spec_.limit ||
      spec_.query_offset_ms != other.spec_.query_offset_ms || rules_.size() != other.rules_.size()) {
    return false;
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& a = *rules_[i];
    const Rule& b = *other.rules_[i];
    if (a.is_alerting() != b.is_alerting() || a.name() != b.name() || a.query() != b.query() ||
        !(a.labels() == b.labels())) {
      return false;
    }
    if (a.is_alerting()) {
      const auto& x = static_cast<const AlertingRule&>(a);
      const auto& y = static_cast<const AlertingRule&>(b);
      if (x.hold() != y.hold() || x.keep_firing_for() != y.keep_firing_for() ||
          !(x.annotations() == y.annotations()))
        return false;
    }
  }
  return true;
}

void Group::CopyState(Group& from) {
  {
    std::scoped_lock lock(mu_, from.mu_);
    evaluation_seconds_ = from.evaluation_seconds_;
    last_evaluation_ = from.last_evaluation_;
  }
  std::map<std::string, std::vector<size_t>> by_identity;
  for (size_t fi = 0; fi < from.rules_.size(); ++fi) by_identity[from.rules_[fi]->Identity()].push_back(fi);
  for (size_t i = 0; i < rules_.size(); ++i) {
    auto& indexes = by_identity[rules_[i]->Identity()];
    if (indexes.empty()) continue;
    const size_t fi = indexes.front();
    indexes.erase(indexes.begin());
    previous_series_[i] = from.previous_series_[fi];
    if (rules_[i]->is_alerting() && from.rules_[fi]->is_alerting()) {
      static_cast<AlertingRule&>(*rules_[i]).CopyAlertsFrom(static_cast<AlertingRule&>(*from.rules_[fi]));
    }
  }
  stale_series_ = from.stale_series_;
  // Rules of the old group without a counterpart: their series go stale.
  for (const auto& [identity, indexes] : by_identity) {
    for (size_t fi : indexes) {
      for (const auto& [key, labels] : from.previous_series_[fi]) stale_series_.push_back(labels);
    }
  }
}

}  // namespace promref::rules
