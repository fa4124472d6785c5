// What every rule of a group shares (Prometheus' rules.Rule): a name, an expression, labels,
// and the health and timing of its last evaluation. The two kinds live in recording_rule.h and
// alerting_rule.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "model/error.h"
#include "model/labels.h"
#include "promql/value.h"

namespace promref::rules {

// Runs an instant query at `ts_ms` and returns its vector (a scalar becomes one sample without
// labels); any other result type is the error "rule result is not a vector or scalar".
using QueryFunc = std::function<Result<promql::Vector>(const std::string& query, int64_t ts_ms)>;

enum class Health { kUnknown, kGood, kBad };
// "unknown", "ok" or "err", as the rules API shows it.
const char* HealthName(Health h);

// One rule's evaluation, as the group passes it.
struct EvalContext {
  int64_t ts_ms = 0;            // the group's evaluation time
  int64_t query_offset_ms = 0;  // the rule queries (and its samples carry) ts - offset
  const QueryFunc* query = nullptr;
  int64_t limit = 0;  // the group's limit; 0: none
};

class Rule {
 public:
  virtual ~Rule() = default;
  Rule(std::string name, std::string query, model::Labels labels)
      : name_(std::move(name)), query_(std::move(query)), labels_(std::move(labels)) {}

  const std::string& name() const { return name_; }
  // The expression as Prometheus prints it back (its String()), which is also what is queried.
  const std::string& query() const { return query_; }
  const model::Labels& labels() const { return labels_; }
  virtual bool is_alerting() const = 0;

  // The samples to append: a recording rule's output, or an alerting rule's ALERTS and
  // ALERTS_FOR_STATE series. An error leaves the rule bad with that error.
  virtual Result<promql::Vector> Eval(const EvalContext& ctx) = 0;

  struct Status {
    Health health = Health::kUnknown;
    std::string last_error;
    double evaluation_seconds = 0;
    std::chrono::system_clock::time_point last_evaluation{};  // zero: never
  };
  Status status() const {
    std::lock_guard lock(status_mu_);
    return status_;
  }
  void SetHealth(Health h, std::string last_error) {
    std::lock_guard lock(status_mu_);
    status_.health = h;
    status_.last_error = std::move(last_error);
  }
  void SetEvaluation(std::chrono::system_clock::time_point at, double seconds) {
    std::lock_guard lock(status_mu_);
    status_.last_evaluation = at;
    status_.evaluation_seconds = seconds;
  }
  // The rule's identity across reloads (name and labels), for handing over state.
  std::string Identity() const { return name_ + labels_.ToString(); }

 private:
  std::string name_;
  std::string query_;
  model::Labels labels_;
  mutable std::mutex status_mu_;
  Status status_;
};

}  // namespace promref::rules
