// A scrape target: the labels discovery gave it, the labels it scrapes with after relabeling,
// and the state of its last scrape, as Prometheus 3.16's scrape.Target.
//
// TargetsFromGroup turns one discovered group into targets exactly as Prometheus'
// PopulateLabels does: the job's defaults as `__`-labels, relabel_configs, address and
// interval checks, `__meta_*` removed, `instance` defaulted to the address. A target whose
// public labels are empty was dropped by relabeling.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/error.h"
#include "model/labels.h"
#include "scrape/target_group.h"

namespace promref::scrape {

class MetadataStore;

enum class Health { kUnknown, kUp, kDown };
// "unknown", "up", "down": the API's spelling.
std::string_view HealthName(Health h);

// What one scrape of a target left, for /api/v1/targets.
struct ScrapeReport {
  Health health = Health::kUnknown;
  std::string last_error;
  std::chrono::system_clock::time_point last_scrape{};  // epoch: never scraped
  double last_duration_seconds = 0;
};

class Target {
 public:
  // `labels` as PopulateLabels returned them; `discovered` as PopulateDiscoveredLabels did.
  Target(model::Labels labels, model::Labels discovered, std::shared_ptr<const config::ScrapeConfig> config);

  // Every label, the `__`-prefixed ones included.
  const model::Labels& all_labels() const { return labels_; }
  // The labels its samples get: those not starting with "__".
  model::Labels PublicLabels() const;
  model::Labels DiscoveredLabels() const;
  // The scrape URL, as Go's url.URL.String() writes it: params from the config, overridden
  // by `__param_<name>` labels, encoded as url.Values.Encode (sorted, query-escaped).
  std::string Url() const;
  // Prometheus' identity of a target: fnv64a of the label hash (as %016d) and the URL.
  uint64_t Hash() const;
  // How long until this target's next scrape slot, in ns: pinned to absolute time, so that
  // every restart scrapes a target at the same phase of its interval (scrape.Target.offset).
  int64_t OffsetNanos(int64_t interval_ns, uint64_t offset_seed, int64_t now_ns) const;

  // A label's value; "" when absent.
  std::string_view Get(std::string_view name) const { return labels_.Get(name); }
  // A `__`-label read as Go's strconv.ParseBool, `def` when absent or not a boolean.
  bool BoolLabel(std::string_view name, bool def) const;

  // The job's configuration; replaced when a reload keeps the target.
  std::shared_ptr<const config::ScrapeConfig> config() const;
  void SetConfig(std::shared_ptr<const config::ScrapeConfig> config, model::Labels discovered);

  void Report(ScrapeReport report);
  ScrapeReport LastReport() const;

  // The metadata its scrapes found (set by its scrape loop; null before the first scrape).
  std::shared_ptr<MetadataStore> metadata() const;
  void SetMetadata(std::shared_ptr<MetadataStore> store);

 private:
  const model::Labels labels_;
  mutable std::mutex mu_;
  model::Labels discovered_;
  std::shared_ptr<const config::ScrapeConfig> config_;
  ScrapeReport report_;
  std::shared_ptr<MetadataStore> metadata_;
};

// The labels a target starts from before relabeling: its own, its group's (the target's
// win), then the job's defaults for those still unset (job, __scrape_interval__,
// __scrape_timeout__, __metrics_path__, __scheme__, the three histogram switches) and one
// `__param_<name>` per configured parameter.
model::Labels PopulateDiscoveredLabels(const config::ScrapeConfig& cfg, const model::Labels& target,
                                       const model::Labels& group);

// The target's labels after relabeling and checks. An empty Labels means relabeling dropped
// it. Errors as Prometheus': "no address", `"a/b" is not a valid hostname`, "error parsing
// scrape interval: ...", "scrape timeout cannot be greater than scrape interval (...)", ...
Result<model::Labels> PopulateLabels(const config::ScrapeConfig& cfg, const model::Labels& target,
                                     const model::Labels& group);

struct GroupTargets {
  std::vector<std::shared_ptr<Target>> targets;  // dropped ones have empty PublicLabels()
  std::vector<std::string> failures;             // "instance 0 in group <source>: <error>"
};
GroupTargets TargetsFromGroup(const TargetGroup& group, std::shared_ptr<const config::ScrapeConfig> cfg);

}  // namespace promref::scrape
