// Rules and alerts of promref's tenants: the default tenant evaluates the configuration's
// rule_files, a vendor tenant its own `promref.tenants[].rule_files`. Each tenant's rules query
// and write only that tenant's storage; all alerts go through one notifier to the configured
// Alertmanagers (with the generator URL under --web.external-url).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/self_metrics.h"
#include "config/config.h"
#include "notifier/notifier.h"
#include "promql/engine.h"
#include "rules/manager.h"

namespace promref::server {

class Tenants;
struct Flags;

// The rule and notifier settings of Prometheus' flags (--rules.alert.*, --alertmanager.*).
struct RuleOptions {
  std::chrono::milliseconds outage_tolerance{std::chrono::hours(1)};
  std::chrono::milliseconds for_grace_period{std::chrono::minutes(10)};
  std::chrono::milliseconds resend_delay{std::chrono::minutes(1)};
  size_t notification_queue_capacity = 10'000;
  size_t notification_batch_size = 256;
  std::string external_url;  // --web.external-url (default http://<hostname>:<port>)
};
Result<RuleOptions> RuleOptionsFromFlags(const Flags& flags, std::string external_url);

class TenantRules {
 public:
  TenantRules(Tenants* tenants, const promql::Engine* engine, RuleOptions options);
  ~TenantRules() { StopAll(); }

  // Loads the rule files of every tenant of `config` and the notifier's Alertmanagers. On an
  // error nothing changes for the tenant that failed; the error lists every problem.
  Status Apply(const config::Config& config);
  const rules::Manager* Get(const std::string& tenant) const;
  std::pair<std::vector<std::string>, std::vector<std::string>> Alertmanagers() const;
  void StopAll();
  // prometheus_rule_group_* of the default tenant's groups and prometheus_notifications_*.
  void Collect(api::ExpositionWriter& w) const;

 private:
  Status ApplyTenant(const std::string& tenant, const std::vector<std::string>& patterns,
                     const config::Config& c);

  Tenants* tenants_;
  const promql::Engine* engine_;
  const RuleOptions options_;
  notifier::Manager notifier_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<rules::Manager>> managers_;
  std::string default_offset_tenant_;
  std::shared_ptr<std::atomic<int64_t>> default_query_offset_ms_ = std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace promref::server
