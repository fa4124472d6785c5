// The notifier (Prometheus' notifier package): alerts from the rule manager go to every
// configured Alertmanager over its API v2, as Prometheus sends them. External labels are added
// and alert_relabel_configs applied before queueing; each Alertmanager set may relabel again;
// each Alertmanager has its own queue (capacity --alertmanager.notification-queue-capacity,
// oldest dropped first) and sender thread, which posts batches of at most
// --alertmanager.notification-batch-size alerts with the set's timeout. A failed post is
// dropped, not retried: the rule manager resends active alerts every resend delay.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "model/labels.h"

namespace promref::notifier {

struct Alert {
  model::Labels labels;
  model::Labels annotations;
  std::chrono::system_clock::time_point starts_at{};
  std::chrono::system_clock::time_point ends_at{};
  std::string generator_url;
};

// The JSON body of a POST to /api/v2/alerts (models.PostableAlerts).
std::string EncodeAlerts(const std::vector<Alert>& alerts);

struct Options {
  size_t queue_capacity = 10'000;
  size_t max_batch_size = 256;
  std::string user_agent = "Prometheus";
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

// One Alertmanager after discovery and relabeling: the URL alerts are posted to.
struct AlertmanagerTarget {
  std::string url;
};

// The Alertmanagers a config section yields (AlertmanagerFromGroup over its static configs):
// active ones, and those the relabeling dropped (shown as their labels' URL). An address with a
// '/' after relabeling is an error.
Result<std::pair<std::vector<AlertmanagerTarget>, std::vector<AlertmanagerTarget>>> ResolveAlertmanagers(
    const config::AlertmanagerConfig& c);

class Manager {
 public:
  explicit Manager(Options options);
  ~Manager();

  // Applies `alerting` (an error leaves the previous configuration).
  Status ApplyConfig(const config::AlertingConfig& alerting, const model::Labels& external_labels);
  void Send(std::vector<Alert> alerts);
  std::vector<std::string> ActiveUrls() const;
  std::vector<std::string> DroppedUrls() const;
  void Stop();

  // Counts as Prometheus exports them (prometheus_notifications_*: alerts sent, alerts of failed
  // posts, alerts dropped), per Alertmanager URL and summed.
  struct Stats {
    uint64_t sent = 0, errors = 0, dropped = 0;
    size_t queue_length = 0;
  };
  Stats stats() const;
  std::vector<std::pair<std::string, Stats>> PerAlertmanager() const;
  size_t queue_capacity() const { return options_.queue_capacity; }

 private:
  class SendLoop;
  struct Set;
  Options options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Set>> sets_;
  config::AlertingConfig alerting_;
  model::Labels external_labels_;
  bool stopped_ = false;
};

}  // namespace promref::notifier
