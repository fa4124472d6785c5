// promref's command-line flags, with Prometheus' names where the concept is the same.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/error.h"

namespace promref::server {

struct Flags {
  std::string config_file;
  std::string listen_address = "0.0.0.0:9090";
  std::string tsdb_path = "data/";
  int64_t retention_time_ms = 15LL * 24 * 3600 * 1000;
  int64_t retention_size_bytes = 0;
  // --storage.tsdb.min-block-duration and --storage.tsdb.max-block-duration (hidden flags in
  // Prometheus, "for use in testing"): the head's chunk range, which also sets how far back
  // the head accepts samples (half of it), and the largest block compaction builds (0: derived).
  int64_t min_block_duration_ms = 2 * 3600 * 1000;
  int64_t max_block_duration_ms = 0;
  // --storage.tsdb.wal-compression (on by default, as in Prometheus 3) and
  // --storage.tsdb.wal-compression-type (snappy or zstd).
  bool wal_compression = true;
  std::string wal_compression_type = "snappy";
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // How often discovered target changes reach the scrape pools (as Prometheus, 5s).
  int64_t scrape_discovery_reload_interval_ms = 5000;
  int64_t query_timeout_ms = 2 * 60 * 1000;
  int64_t max_samples = 50'000'000;
  // --web.read-timeout: how long a request may take to arrive, and an idle connection may stay.
  int64_t read_timeout_ms = 5 * 60 * 1000;
  // --web.max-connections: simultaneous connections; more wait to be accepted (0: no limit).
  int max_connections = 512;
  bool enable_admin_api = false;
  bool enable_remote_write_receiver = false;
  bool enable_lifecycle = false;
  bool enable_otlp_receiver = false;  // --web.enable-otlp-receiver
  // --enable-feature=otlp-native-delta-ingestion: the OTLP receiver stores delta sums and
  // histograms as they come (otherwise it refuses them).
  bool otlp_native_delta_ingestion = false;
  // --web.remote-write-receiver.accepted-protobuf-messages (Prometheus 3.16: 1.0 and 2.0 by default)
  std::vector<std::string> remote_write_messages = {"prometheus.WriteRequest",
                                                    "io.prometheus.write.v2.Request"};
  // --web.cors.origin: the origins CORS answers name (a regex, fully anchored, `.` matching newlines).
  std::string cors_origin = ".*";
  bool rw_messages_given = false;       // parsing state: the first use replaces the default
  bool experimental_functions = false;  // --enable-feature=promql-experimental-functions
  bool binop_fill_modifiers = false;    // --enable-feature=promql-binop-fill-modifiers
  bool unquoted_utf8_names = false;     // --enable-feature=promql-unquoted-utf8-names
  bool delayed_name_removal = false;    // --enable-feature=promql-delayed-name-removal
  // --enable-feature=exemplar-storage. Off by default, as in Prometheus 3.16: exemplars are then
  // accepted (and counted by remote write 2.0) but not kept.
  bool exemplar_storage = false;
  bool st_zero_ingestion = false;     // --enable-feature=created-timestamp-zero-ingestion
  bool extra_scrape_metrics = false;  // --enable-feature=extra-scrape-metrics
  // --enable-feature=st-storage: the TSDB keeps each sample's start timestamp (remote write
  // 2.0 carries them); without it they are dropped, as in Prometheus 3.16.
  bool st_storage = false;
  // --enable-feature=use-start-timestamps: the engine reads samples' start timestamps (as
  // unknown unless st-storage keeps them).
  bool use_start_timestamps = false;
  bool in_memory = false;  // --storage.in-memory: no WAL, no blocks (tests, demos)
  bool demo = false;       // --demo: load the deterministic demo dataset at start
  bool help = false;
  bool version = false;
  std::vector<std::string> features;
  // Prometheus flags promref accepts without acting on them (prometheus_flags.h), as given.
  std::vector<std::pair<std::string, std::string>> compat_flags;

  // Flag name -> value, as /api/v1/status/flags reports them.
  std::vector<std::pair<std::string, std::string>> AsList() const;
  // "15d", or "15d or 1GiB" with a size limit.
  std::string RetentionText() const;
  // The block durations the TSDB uses, as Prometheus resolves them: a zero minimum is the
  // TSDB's default (2h); a zero maximum is 10% of the retention time, at most 31d (31d without
  // a retention time).
  int64_t MinBlockDurationMs() const;
  int64_t MaxBlockDurationMs() const;
};

// Parses `--name=value`, `--name value`, `--bool-flag` and `--no-bool-flag`.
Result<Flags> ParseFlags(int argc, const char* const* argv);
std::string FlagsUsage();

// "host:port" -> (host, port); ":9090" means all interfaces.
std::pair<std::string, int> SplitHostPort(const std::string& address);

}  // namespace promref::server
