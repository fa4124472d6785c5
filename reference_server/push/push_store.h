// A Pushgateway's metric store (storage/diskmetricstore.go), in memory, for one tenant.
//
// Contract:
// - Groups are keyed by their grouping key. Put replaces every family of the group, Post only
//   the families it carries, Delete removes the group (a missing group is not an error).
// - Every pushed metric gets the grouping labels (overriding a pushed label of the same name:
//   Pushgateway never refuses a conflict) and `instance=""` when it has no instance label.
// - Each successful Put/Post sets the group's push_time_seconds gauge to the push time (Unix
//   seconds, as a float) and creates push_failure_time_seconds at 0 if absent. A refused push
//   sets push_failure_time_seconds to its time (creating the group, with push_time_seconds 0,
//   when there was none) and changes nothing else.
// - A push is refused when it carries a sample timestamp, or when the exposition after it would
//   be inconsistent (gather_check.h); the error is kBadData with Pushgateway's full answer text
//   ("pushed metrics are invalid or inconsistent with existing metrics: ...").
// - Thread-safe: one mutex; every method is atomic with respect to the others.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/histogram.h"
#include "model/labels.h"
#include "push/grouping_key.h"
#include "push/metric_family.h"
#include "storage/storage.h"

namespace promref::push {

// One sample of a scrape of the gateway by a Prometheus 3.x job with honor_labels: true: the
// pushed labels (grouping labels included; empty values, such as instance="", dropped, which
// keeps the job's own instance label off), `le`/`quantile` in OpenMetrics form ("1.0").
struct PushedSample {
  model::Labels labels;
  double value = 0;
  std::optional<model::FloatHistogram> histogram;  // set for native histograms; value unused
  std::string family;                              // the family name (metadata key)
  storage::Metadata metadata;                      // family type and help
};

// One group as Pushgateway's /api/v1/metrics lists it.
struct GroupView {
  GroupingKey key;
  FamilyMap families;                              // push_time_seconds and push_failure_time_seconds included
  std::map<std::string, double> family_push_time;  // seconds, per family: when it was last pushed
};

class PushStore {
 public:
  // `now_seconds` is the push time (Unix seconds with fraction).
  Status Put(const GroupingKey& key, FamilyMap families, double now_seconds);
  Status Post(const GroupingKey& key, FamilyMap families, double now_seconds);
  void Delete(const GroupingKey& key);

  // Every pushed sample (see PushedSample), families in name order, to append at the scrape
  // time of the caller's choosing.
  std::vector<PushedSample> Samples() const;
  // The groups in grouping-key order.
  std::vector<GroupView> Groups() const;

 private:
  struct Group {
    GroupingKey key;
    FamilyMap families;
    std::map<std::string, double> pushed_at;
  };
  Status Push(const GroupingKey& key, FamilyMap families, bool replace, double now);
  std::string Check(const std::string& id, const Group& candidate) const;

  mutable std::mutex mu_;
  std::map<std::string, Group> groups_;  // by GroupingKey::Id()
};

}  // namespace promref::push
