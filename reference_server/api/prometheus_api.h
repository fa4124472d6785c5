// The Prometheus HTTP API (seeds/003): every /api/v1 endpoint, the lifecycle and health
// endpoints, /federate and /version, registered on a Router. Handlers work on the tenant the
// front door put on the request.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/self_metrics.h"
#include "api/tenant.h"
#include "config/config.h"
#include "promql/engine.h"

namespace promref::scrape {
class Manager;
}
namespace promref::rules {
class Manager;
}

namespace promref::api {

struct BuildInfo {
  std::string version = "3.16.0-promref";  // the Prometheus it follows (peers/versions)
  std::string revision = "promref";
  std::string branch = "main";
  std::string build_user = "promref";
  std::string build_date = "";
  std::string go_version = "n/a (promref is C++)";
};

struct ApiOptions {
  bool enable_admin_api = false;
  bool enable_remote_write_receiver = false;
  bool enable_lifecycle = false;
  // --web.remote-write-receiver.accepted-protobuf-messages
  std::vector<std::string> accepted_remote_write_messages = {"prometheus.WriteRequest"};
  size_t max_notification_subscribers = 16;
  size_t remote_write_max_bytes = 32 << 20;
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // --enable-feature=created-timestamp-zero-ingestion: a remote-write 2.0 sample with a start
  // timestamp is preceded by a zero sample there (Prometheus' STAsZeroSample).
  bool start_timestamp_zero_ingestion = false;
  // --web.enable-otlp-receiver: POST /api/v1/otlp/v1/metrics.
  bool enable_otlp_receiver = false;
  // --enable-feature=otlp-native-delta-ingestion: delta sums and histograms stored as they come.
  bool otlp_native_delta_ingestion = false;
};

// A notification as /api/v1/notifications shows it.
struct Notification {
  std::string text;
  std::chrono::system_clock::time_point date;
  bool active = true;
};

// Current notifications and live subscribers (/api/v1/notifications/live).
class Notifications {
 public:
  std::vector<Notification> Current() const;
  void Set(const std::string& text, bool active);
  // Registers a subscriber; false past the limit. The callback receives each change.
  bool Subscribe(size_t limit, std::function<bool(const Notification&)> on_change, int* id);
  void Unsubscribe(int id);

 private:
  mutable std::mutex mu_;
  std::vector<Notification> current_;
  std::map<int, std::function<bool(const Notification&)>> subscribers_;
  int next_id_ = 0;
};

// What the API needs from the rest of the server.
struct ApiDeps {
  const promql::Engine* engine = nullptr;
  ApiOptions options;
  BuildInfo build_info;
  std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now();
  std::function<std::string()> config_yaml;                                 // /status/config
  std::function<model::Labels()> external_labels;                           // /federate
  std::function<config::OtlpConfig()> otlp_config;                          // the OTLP receiver
  std::function<std::vector<std::pair<std::string, std::string>>()> flags;  // /status/flags
  std::function<Status()> reload;                                           // /-/reload and SIGHUP
  std::function<void()> quit;                                               // /-/quit
  std::function<bool()> ready = [] { return true; };
  std::function<std::string()> storage_retention = [] { return std::string("15d"); };
  Notifications* notifications = nullptr;
  SelfMetrics* metrics = nullptr;  // /metrics, remote-write counts and reload state; optional
  // The scrape manager of a tenant (by id), for /targets, /scrape_pools and the metadata
  // endpoints; null (or returning null) when the tenant scrapes nothing.
  std::function<const scrape::Manager*(const std::string& tenant_id)> scrape_manager;
  // The rule manager of a tenant, for /rules and /alerts; null when the tenant has no rules.
  std::function<const rules::Manager*(const std::string& tenant_id)> rule_manager;
  // The notifier's Alertmanager URLs: active, dropped (/alertmanagers).
  std::function<std::pair<std::vector<std::string>, std::vector<std::string>>()> alertmanagers;
  // --web.external-url's scheme and host ("http://myhost:9090") and the port promref listens
  // on: a target on localhost shows under the external host in `globalUrl`.
  std::string external_scheme = "http";
  std::string external_host;
  std::string listen_port;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class PrometheusApi {
 public:
  explicit PrometheusApi(ApiDeps deps) : deps_(std::move(deps)) {}

  // Registers every route under `prefix` ("" or e.g. "/prometheus").
  void Register(Router& router);

  // The remote-write receiver (also mounted by vendor front doors at their own paths).
  Response RemoteWrite(const Request& req);
  // The OTLP metrics receiver (otlp_handler.cpp).
  Response OtlpWrite(const Request& req);

 private:
  Response Query(const Request& req);
  Response QueryRange(const Request& req);
  Response FormatQuery(const Request& req);
  Response ParseQuery(const Request& req);
  Response QueryExemplars(const Request& req);
  Response Series(const Request& req);
  Response Labels(const Request& req);
  Response LabelValues(const Request& req);
  Response Metadata(const Request& req);
  Response TargetsMetadata(const Request& req);
  Response Targets(const Request& req);
  Response TargetRelabelSteps(const Request& req);
  Response ScrapePools(const Request& req);
  Response Rules(const Request& req);
  Response Alerts(const Request& req);
  Response Alertmanagers(const Request& req);
  Response StatusConfig(const Request& req);
  Response StatusFlags(const Request& req);
  Response StatusRuntimeInfo(const Request& req);
  Response StatusBuildInfo(const Request& req);
  Response OwnMetrics(const Request& req);
  Response StatusTsdb(const Request& req);
  Response StatusTsdbBlocks(const Request& req);
  Response StatusWalReplay(const Request& req);
  Response NotificationsList(const Request& req);
  Response NotificationsLive(const Request& req);
  Response AdminSnapshot(const Request& req);
  Response AdminDeleteSeries(const Request& req);
  Response AdminCleanTombstones(const Request& req);
  Response Federate(const Request& req);
  Response Healthy(const Request& req);
  Response Ready(const Request& req);
  Response Reload(const Request& req);
  Response Quit(const Request& req);
  Response Version(const Request& req);

  // The server's parser options, for queries and match[] alike (defaults without an engine, as
  // a bench that only writes has none).
  promql::ParseOptions parse_options() const {
    return deps_.engine != nullptr ? deps_.engine->options().parse_options() : promql::ParseOptions{};
  }

  ApiDeps deps_;
  std::atomic<bool> quitting_{false};
};

}  // namespace promref::api
