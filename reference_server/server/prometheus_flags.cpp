#include "server/prometheus_flags.h"

namespace promref::server {

const std::vector<CompatFlag>& PrometheusCompatFlags() {
  static const std::vector<CompatFlag> kFlags = {
      {"agent", "false", true},
      {"alertmanager.drain-notification-queue-on-shutdown", "true", true},
      {"alertmanager.notification-batch-size", "256", false},
      {"alertmanager.notification-queue-capacity", "10000", false},
      {"auto-gomaxprocs", "true", true},
      {"auto-gomemlimit", "true", true},
      {"auto-gomemlimit.ratio", "0.9", false},
      {"auto-gomemlimit.refresh-interval", "0s", false},
      {"config.auto-reload", "false", true},
      {"config.auto-reload-interval", "30s", false},
      {"log.format", "logfmt", false},
      {"log.level", "info", false},
      {"query.max-concurrency", "20", false},
      {"rules.alert.for-grace-period", "10m", false},
      {"rules.alert.for-outage-tolerance", "1h", false},
      {"rules.alert.resend-delay", "1m", false},
      {"rules.max-concurrent-evals", "4", false},
      {"scrape.adjust-timestamps", "true", true},
      {"scrape.timestamp-tolerance", "2ms", false},
      {"storage.agent.checkpoint-batch-size", "1000", false},
      {"storage.agent.checkpoint-from-in-memory-series", "false", true},
      {"storage.agent.no-lockfile", "false", true},
      {"storage.agent.path", "data-agent/", false},
      {"storage.agent.retention.max-time", "4h", false},
      {"storage.agent.retention.min-time", "5m", false},
      {"storage.agent.wal-compression", "true", true},
      {"storage.agent.wal-compression-type", "snappy", false},
      {"storage.agent.wal-segment-size", "0B", false},
      {"storage.agent.wal-truncate-frequency", "0s", false},
      {"storage.remote.flush-deadline", "1m", false},
      {"storage.remote.read-concurrent-limit", "10", false},
      {"storage.remote.read-max-bytes-in-frame", "1048576", false},
      {"storage.remote.read-sample-limit", "50000000", false},
      {"storage.tsdb.allow-overlapping-compaction", "true", true},
      {"storage.tsdb.block-reload-interval", "1m", false},
      {"storage.tsdb.delay-compact-file.path", "", false},
      {"storage.tsdb.delayed-compaction.max-percent", "10", false},
      {"storage.tsdb.head-chunks-write-queue-size", "0", false},
      {"storage.tsdb.max-block-chunk-segment-size", "0B", false},
      {"storage.tsdb.no-lockfile", "false", true},
      {"storage.tsdb.samples-per-chunk", "120", false},
      {"storage.tsdb.wal-segment-size", "0B", false},
      {"web.config.file", "", false},
      {"web.console.libraries", "console_libraries", false},
      {"web.console.templates", "consoles", false},
      {"web.external-url", "", false},
      {"web.max-notifications-subscribers", "16", false},
      {"web.page-title", "Prometheus Time Series Collection and Processing Server", false},
      {"web.route-prefix", "/", false},
      {"web.search.max-limit", "10000", false},
      {"web.user-assets", "", false},
      {"write-documentation", "false", true},
  };
  return kFlags;
}

const CompatFlag* FindCompatFlag(std::string_view name) {
  for (const CompatFlag& f : PrometheusCompatFlags()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace promref::server
