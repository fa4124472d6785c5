// A rule group (Prometheus' rules.Group): rules evaluated in order, every interval, at a time
// offset within the interval that the group's name and file fix (so that groups spread out and
// a restart keeps the phase). Results are appended to storage; series a rule stops producing
// get stale markers; alerts go to the notify function.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rules/alerting_rule.h"
#include "storage/storage.h"

namespace promref::rules {

// Alerts of one rule due for sending; `expr` is the rule's query (for the generator URL).
using NotifyFunc = std::function<void(const std::string& expr, const std::vector<Alert>& alerts)>;

// What every group of a manager shares.
struct GroupDeps {
  QueryFunc query;
  storage::Storage* storage = nullptr;  // appends results; read for the `for` state
  NotifyFunc notify;                    // may be empty
  std::function<int64_t()> default_query_offset_ms = [] { return int64_t{0}; };
  std::chrono::milliseconds outage_tolerance{std::chrono::hours(1)};     // --rules.alert.for-outage-tolerance
  std::chrono::milliseconds for_grace_period{std::chrono::minutes(10)};  // --rules.alert.for-grace-period
  std::chrono::milliseconds resend_delay{std::chrono::minutes(1)};       // --rules.alert.resend-delay
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

struct GroupSpecResolved {
  std::string name;
  std::string file;
  std::chrono::milliseconds interval{60'000};
  std::optional<int64_t> query_offset_ms;
  int64_t limit = 0;
};

class Group {
 public:
  Group(GroupSpecResolved spec, std::vector<std::unique_ptr<Rule>> rules, bool should_restore,
        std::shared_ptr<const GroupDeps> deps);
  ~Group();

  const std::string& name() const { return spec_.name; }
  const std::string& file() const { return spec_.file; }
  std::chrono::milliseconds interval() const { return spec_.interval; }
  int64_t limit() const { return spec_.limit; }
  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }
  double evaluation_seconds() const;
  TimePoint last_evaluation() const;
  // Counts since start, as prometheus_rule_* reports them.
  struct Counters {
    uint64_t iterations = 0;        // scheduled evaluations, missed ones included
    uint64_t missed = 0;            // skipped because an evaluation ran late
    uint64_t rule_evaluations = 0;  // rule evaluations
    uint64_t rule_failures = 0;     // rule evaluations that failed
    uint64_t last_samples = 0;      // samples the last evaluation produced
    double last_restore_seconds = 0;
  };
  Counters counters() const;

  // The first evaluation time after `now`: the group's offset within the interval (the hash of
  // its name and file modulo the interval) after a multiple of the interval.
  TimePoint NextEvalTimestamp(TimePoint now) const;

  // Starts the evaluation thread. Stop() ends it and waits. Retire() ends the evaluations of a
  // group a reload removed: two intervals later its series get stale markers, unless Stop()
  // (shutdown) comes first.
  void Start();
  void Stop();
  void Retire();
  bool Finished() const;

  // One evaluation of every rule at `ts` (what the thread runs each interval; tests call it).
  void Eval(TimePoint ts);
  // Restores the `for` state of alerting rules from ALERTS_FOR_STATE written before a restart.
  void RestoreForState(TimePoint now);

  // Whether the group is the same as `other` in every setting and rule (a reload keeps it running).
  bool Equals(const Group& other) const;
  // Takes over the state of the group it replaces: alerts and the series written last time (so
  // they can go stale), matched by rule name and labels.
  void CopyState(Group& from);

 private:
  void Run();
  // Evaluates rule i; returns the number of samples it produced.
  size_t EvalRule(size_t i, TimePoint ts, int64_t offset_ms);
  void AppendStale(const std::vector<model::Labels>& series, int64_t t);
  int64_t QueryOffsetMs() const;

  GroupSpecResolved spec_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::shared_ptr<const GroupDeps> deps_;
  bool should_restore_;

  // Per rule, the series its last successful evaluation wrote (by encoded labels).
  std::vector<std::map<std::string, model::Labels>> previous_series_;
  std::vector<model::Labels> stale_series_;  // of rules gone in a reload, marked at the next Eval

  mutable std::mutex mu_;  // guards the timings and `stopping_`
  double evaluation_seconds_ = 0;
  Counters counters_;
  TimePoint last_evaluation_{};
  std::condition_variable cv_;
  bool stopping_ = false;
  bool retiring_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace promref::rules
