#include "server/rule_evaluation.h"

#include <cstdio>

#include "api/tenant.h"
#include "model/time.h"
#include "server/flags.h"
#include "server/tenants.h"
#include "template/template.h"

namespace promref::server {

namespace {

std::string CompatFlag(const Flags& flags, const std::string& name, const std::string& fallback) {
  std::string value = fallback;
  for (const auto& [n, v] : flags.compat_flags) {
    if (n == name) value = v;
  }
  return value;
}

Result<std::chrono::milliseconds> DurationFlag(const Flags& flags, const std::string& name,
                                               const std::string& dflt) {
  auto d = model::ParseDuration(CompatFlag(flags, name, dflt));
  if (!d.ok()) return Error(ErrorKind::kBadData, "invalid --" + name + ": " + d.error().message());
  return std::chrono::milliseconds(*d);
}

Result<size_t> SizeFlag(const Flags& flags, const std::string& name, const std::string& dflt) {
  const std::string v = CompatFlag(flags, name, dflt);
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n <= 0) return Error(ErrorKind::kBadData, "invalid --" + name + ": " + v);
  return static_cast<size_t>(n);
}

}  // namespace

Result<RuleOptions> RuleOptionsFromFlags(const Flags& flags, std::string external_url) {
  RuleOptions o;
  o.external_url = std::move(external_url);
  for (auto [name, dflt, out] : {std::tuple{"rules.alert.for-outage-tolerance", "1h", &o.outage_tolerance},
                                 std::tuple{"rules.alert.for-grace-period", "10m", &o.for_grace_period},
                                 std::tuple{"rules.alert.resend-delay", "1m", &o.resend_delay}}) {
    auto d = DurationFlag(flags, name, dflt);
    if (!d.ok()) return d.error();
    *out = *d;
  }
  auto cap = SizeFlag(flags, "alertmanager.notification-queue-capacity", "10000");
  if (!cap.ok()) return cap.error();
  auto batch = SizeFlag(flags, "alertmanager.notification-batch-size", "256");
  if (!batch.ok()) return batch.error();
  o.notification_queue_capacity = *cap;
  o.notification_batch_size = *batch;
  return o;
}

TenantRules::TenantRules(Tenants* tenants, const promql::Engine* engine, RuleOptions options)
    : tenants_(tenants), engine_(engine), options_(std::move(options)), notifier_([&] {
        notifier::Options o;
        o.queue_capacity = options_.notification_queue_capacity;
        o.max_batch_size = options_.notification_batch_size;
        o.user_agent = "Prometheus/3.16.0";
        o.log = [](const std::string& line) {
          std::fprintf(stderr, "promref: notifier: %s\n", line.c_str());
        };
        return o;
      }()) {}

Status TenantRules::ApplyTenant(const std::string& tenant, const std::vector<std::string>& patterns,
                                const config::Config& c) {
  auto files = rules::GlobRuleFiles(patterns);
  if (!files.ok()) return files.error();
  std::lock_guard lock(mu_);
  auto& manager = managers_[tenant];
  if (!manager) {
    if (files->empty()) {
      managers_.erase(tenant);
      return {};
    }
    api::Tenant* t = tenants_->Get(tenant);
    if (t == nullptr) return Error(ErrorKind::kInternal, "opening storage of tenant " + tenant);
    auto deps = std::make_shared<rules::GroupDeps>();
    deps->query = rules::EngineQueryFunc(engine_, t->storage);
    deps->storage = t->storage;
    deps->outage_tolerance = options_.outage_tolerance;
    deps->for_grace_period = options_.for_grace_period;
    deps->resend_delay = options_.resend_delay;
    deps->default_query_offset_ms = [offset = default_query_offset_ms_] { return offset->load(); };
    deps->log = [tenant](const std::string& line) {
      std::fprintf(stderr, "promref: rules[%s]: %s\n", tenant.c_str(), line.c_str());
    };
    deps->notify = [this](const std::string& expr, const std::vector<rules::Alert>& alerts) {
      std::vector<notifier::Alert> out;
      for (const auto& a : alerts) {
        notifier::Alert n;
        n.labels = a.labels;
        n.annotations = a.annotations;
        n.starts_at = a.fired_at;
        n.ends_at = rules::IsZero(a.resolved_at) ? a.valid_until : a.resolved_at;
        n.generator_url = options_.external_url + tmpl::TableLinkForExpression(expr);
        out.push_back(std::move(n));
      }
      notifier_.Send(std::move(out));
    };
    manager = std::make_unique<rules::Manager>(std::move(deps));
  }
  rules::ManagerConfig mc;
  mc.files = std::move(*files);
  mc.evaluation_interval = std::chrono::milliseconds(c.global.evaluation_interval_ms);
  mc.external_labels = c.global.external_labels;
  mc.external_url = options_.external_url;
  mc.parse = engine_->options().parse_options();
  mc.legacy_names = c.global.metric_name_validation_scheme == "legacy";
  return manager->Update(mc);
}

Status TenantRules::Apply(const config::Config& c) {
  default_query_offset_ms_->store(c.global.rule_query_offset_ms);
  std::vector<std::string> errors;
  if (Status st = notifier_.ApplyConfig(c.alerting, c.global.external_labels); !st.ok())
    errors.push_back(st.error().message());
  if (Status st = ApplyTenant(kDefaultTenant, c.rule_files, c); !st.ok())
    errors.push_back(st.error().message());
  for (const auto& t : c.promref.tenants) {
    if (Status st = ApplyTenant(t.id, t.rule_files, c); !st.ok()) errors.push_back(st.error().message());
  }
  if (errors.empty()) return {};
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  return Error(ErrorKind::kBadData, msg);
}

const rules::Manager* TenantRules::Get(const std::string& tenant) const {
  std::lock_guard lock(mu_);
  auto it = managers_.find(tenant);
  return it == managers_.end() ? nullptr : it->second.get();
}

std::pair<std::vector<std::string>, std::vector<std::string>> TenantRules::Alertmanagers() const {
  return {notifier_.ActiveUrls(), notifier_.DroppedUrls()};
}

void TenantRules::Collect(api::ExpositionWriter& w) const {
  const rules::Manager* m = Get(kDefaultTenant);
  const auto groups = m ? m->RuleGroups() : std::vector<std::shared_ptr<rules::Group>>{};
  struct Gauge {
    const char* name;
    const char* help;
    const char* type;
    std::function<double(const rules::Group&, const rules::Group::Counters&)> value;
  };
  const Gauge gauges[] = {
      {"prometheus_rule_evaluations_total", "The total number of rule evaluations.", "counter",
       [](const auto&, const auto& c) { return static_cast<double>(c.rule_evaluations); }},
      {"prometheus_rule_evaluation_failures_total", "The total number of rule evaluation failures.",
       "counter", [](const auto&, const auto& c) { return static_cast<double>(c.rule_failures); }},
      {"prometheus_rule_group_iterations_total",
       "The total number of scheduled rule group evaluations, whether executed or missed.", "counter",
       [](const auto&, const auto& c) { return static_cast<double>(c.iterations); }},
      {"prometheus_rule_group_iterations_missed_total",
       "The total number of rule group evaluations missed due to slow rule group evaluation.", "counter",
       [](const auto&, const auto& c) { return static_cast<double>(c.missed); }},
      {"prometheus_rule_group_interval_seconds", "The interval of a rule group.", "gauge",
       [](const auto& g, const auto&) { return std::chrono::duration<double>(g.interval()).count(); }},
      {"prometheus_rule_group_last_duration_seconds", "The duration of the last rule group evaluation.",
       "gauge", [](const auto& g, const auto&) { return g.evaluation_seconds(); }},
      {"prometheus_rule_group_last_evaluation_timestamp_seconds",
       "The timestamp of the last rule group evaluation in seconds.", "gauge",
       [](const auto& g, const auto&) {
         return std::chrono::duration<double>(g.last_evaluation().time_since_epoch()).count();
       }},
      {"prometheus_rule_group_last_evaluation_samples",
       "The number of samples returned during the last rule group evaluation.", "gauge",
       [](const auto&, const auto& c) { return static_cast<double>(c.last_samples); }},
      {"prometheus_rule_group_last_restore_duration_seconds",
       "The duration of the last alert rules alerts restoration using the `ALERTS_FOR_STATE` series.",
       "gauge", [](const auto&, const auto& c) { return c.last_restore_seconds; }},
      {"prometheus_rule_group_rules", "The number of rules.", "gauge",
       [](const auto& g, const auto&) { return static_cast<double>(g.rules().size()); }},
  };
  for (const auto& gauge : gauges) {
    w.Family(gauge.name, gauge.help, gauge.type);
    for (const auto& g : groups)
      w.Sample("", {{"rule_group", g->file() + ";" + g->name()}}, gauge.value(*g, g->counters()));
  }
  const auto per_am = notifier_.PerAlertmanager();
  w.Family("prometheus_notifications_alertmanagers_discovered",
           "The number of alertmanagers discovered and active.", "gauge");
  w.Sample("", {}, static_cast<double>(per_am.size()));
  w.Family("prometheus_notifications_queue_capacity", "The capacity of the alert notifications queue.",
           "gauge");
  w.Sample("", {}, static_cast<double>(notifier_.queue_capacity()));
  const std::pair<const char*, const char*> counters[] = {
      {"prometheus_notifications_sent_total", "Total number of alerts sent."},
      {"prometheus_notifications_errors_total", "Total number of sent alerts affected by errors."},
      {"prometheus_notifications_dropped_total",
       "Total number of alerts dropped due to errors when sending to Alertmanager."},
      {"prometheus_notifications_queue_length", "The number of alert notifications in the queue."}};
  for (const auto& [name, help] : counters) {
    const std::string n(name);
    w.Family(name, help, n.ends_with("_total") ? "counter" : "gauge");
    for (const auto& [url, s] : per_am) {
      const double v = n.find("sent") != std::string::npos      ? static_cast<double>(s.sent)
                       : n.find("errors") != std::string::npos  ? static_cast<double>(s.errors)
                       : n.find("dropped") != std::string::npos ? static_cast<double>(s.dropped)
                                                                : static_cast<double>(s.queue_length);
      w.Sample("", {{"alertmanager", url}}, v);
    }
  }
}

void TenantRules::StopAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, m] : managers_) m->Stop();
  notifier_.Stop();
}

}  // namespace promref::server
