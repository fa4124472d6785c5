#include "server/flags.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>

#include "model/time.h"
#include "server/prometheus_flags.h"

namespace promref::server {
namespace {

Result<int64_t> Bytes(const std::string& s) {
  // Prometheus' units: B, KB, MB, GB, TB, PB, EB (powers of 1024).
  static const std::vector<std::pair<std::string, int64_t>> kUnits = {
      {"EB", 1LL << 60}, {"PB", 1LL << 50}, {"TB", 1LL << 40}, {"GB", 1LL << 30},
      {"MB", 1LL << 20}, {"KB", 1LL << 10}, {"B", 1}};
  for (const auto& [unit, mult] : kUnits) {
    if (s.size() > unit.size() && s.substr(s.size() - unit.size()) == unit) {
      const std::string num = s.substr(0, s.size() - unit.size());
      char* end = nullptr;
      const long long v = std::strtoll(num.c_str(), &end, 10);
      if (end == num.c_str() || *end != '\0' || v < 0) break;
      return static_cast<int64_t>(v) * mult;
    }
  }
  return BadData("invalid size: " + s);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Flags::AsList() const {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string features_text;
  for (const auto& f : features) features_text += (features_text.empty() ? "" : ",") + f;
  std::string rw_text;
  for (const auto& m : remote_write_messages) rw_text += (rw_text.empty() ? "" : ",") + m;
  std::vector<std::pair<std::string, std::string>> own = {
      {"config.file", config_file},
      {"web.listen-address", listen_address},
      {"storage.tsdb.path", tsdb_path},
      {"storage.tsdb.retention.time", model::FormatDuration(retention_time_ms)},
      {"storage.tsdb.retention.size", std::to_string(retention_size_bytes) + "B"},
      {"storage.tsdb.min-block-duration", model::FormatDuration(min_block_duration_ms)},
      // Prometheus lists the maximum after deriving it from the retention time.
      {"storage.tsdb.max-block-duration", model::FormatDuration(MaxBlockDurationMs())},
      {"storage.tsdb.wal-compression", b(wal_compression)},
      {"storage.tsdb.wal-compression-type", wal_compression_type},
      {"query.lookback-delta", model::FormatDuration(lookback_delta_ms)},
      {"scrape.discovery-reload-interval", model::FormatDuration(scrape_discovery_reload_interval_ms)},
      {"query.timeout", model::FormatDuration(query_timeout_ms)},
      {"query.max-samples", std::to_string(max_samples)},
      {"web.read-timeout", model::FormatDuration(read_timeout_ms)},
      {"web.max-connections", std::to_string(max_connections)},
      {"web.enable-admin-api", b(enable_admin_api)},
      {"web.enable-remote-write-receiver", b(enable_remote_write_receiver)},
      {"web.enable-lifecycle", b(enable_lifecycle)},
      {"web.enable-otlp-receiver", b(enable_otlp_receiver)},
      {"web.remote-write-receiver.accepted-protobuf-messages", rw_text},
      {"enable-feature", features_text},
      {"web.cors.origin", cors_origin},
  };
  // Prometheus lists every flag it has: the ones promref only accepts too, as given or defaulted.
  std::map<std::string, std::string> all;
  for (const CompatFlag& c : PrometheusCompatFlags()) all[std::string(c.name)] = std::string(c.default_value);
  for (const auto& [k, v] : compat_flags) all[k] = v;
  for (auto& [k, v] : own) all[k] = std::move(v);
  return {all.begin(), all.end()};
}

std::string Flags::RetentionText() const {
  std::string s = model::FormatDuration(retention_time_ms);
  if (retention_size_bytes > 0) s += " or " + std::to_string(retention_size_bytes) + "B";
  return s;
}

int64_t Flags::MinBlockDurationMs() const {
  return min_block_duration_ms > 0 ? min_block_duration_ms : 2 * 3600 * 1000;
}

int64_t Flags::MaxBlockDurationMs() const {
  if (max_block_duration_ms != 0) return max_block_duration_ms;
  const int64_t max = 31LL * 24 * 3600 * 1000;
  if (retention_time_ms != 0 && retention_time_ms / 10 < max) return retention_time_ms / 10;
  return max;
}

std::string FlagsUsage() {
  return R"(usage: promref [flags]

  --config.file=FILE                       configuration file (Prometheus' format, plus a promref section)
  --web.listen-address=ADDR                address to listen on (default 0.0.0.0:9090)
  --storage.tsdb.path=DIR                  data directory (default data/)
  --storage.tsdb.retention.time=DURATION   how long to keep samples (default 15d)
  --storage.tsdb.retention.size=SIZE       maximum bytes of blocks (e.g. 512MB; default unlimited)
  --storage.in-memory                      keep everything in memory (no WAL, no blocks)
  --[no-]storage.tsdb.wal-compression      compress WAL records (default on)
  --storage.tsdb.wal-compression-type=TYPE snappy (default) or zstd
  --query.lookback-delta=DURATION          lookback for instant selectors (default 5m)
  --scrape.discovery-reload-interval=DURATION  how often target changes reach scrape pools (default 5s)
  --query.timeout=DURATION                 maximum query time (default 2m)
  --query.max-samples=N                    maximum samples a query may load (default 50000000)
  --web.read-timeout=DURATION              time a request may take to arrive; idle connections
                                           close after it too (default 5m)
  --web.max-connections=N                  simultaneous connections; more wait to be accepted
                                           (default 512; 0: no limit)
  --web.enable-admin-api                   enable /api/v1/admin/tsdb/*
  --web.enable-remote-write-receiver       enable POST /api/v1/write
  --web.enable-lifecycle                   enable /-/reload and /-/quit
  --web.enable-otlp-receiver               enable POST /api/v1/otlp/v1/metrics (OTLP metrics, protobuf or JSON)
  --web.remote-write-receiver.accepted-protobuf-messages=LIST
                                           prometheus.WriteRequest and/or io.prometheus.write.v2.Request
                                           (remote write 2.0); default both, as Prometheus 3.16
  --web.cors.origin=REGEX                  origins CORS answers name (fully anchored; default .*)
  --enable-feature=LIST                    promql-experimental-functions, promql-duration-expr,
                                           promql-binop-fill-modifiers, promql-extended-range-selectors,
                                           promql-unquoted-utf8-names,
                                           promql-delayed-name-removal, exemplar-storage (keep
                                           exemplars: 100000, as Prometheus' default limit),
                                           created-timestamp-zero-ingestion (a zero sample at
                                           each remote-write 2.0 start timestamp),
                                           st-storage (the TSDB keeps remote-write 2.0 start
                                           timestamps), use-start-timestamps (PromQL reads them),
                                           otlp-native-delta-ingestion (the OTLP receiver stores
                                           delta sums and histograms as they come)
  --demo                                   load a deterministic demo dataset at start

Every other flag of Prometheus 3.16 (--log.level, --web.external-url, --storage.tsdb.head-chunks-write-queue-size...)
is accepted, listed by /api/v1/status/flags, and has no effect; promref says so at start.
  --version, --help
)";
}

namespace {

// A flag setter that parses a Prometheus duration ("5m", "1h30m") into milliseconds.
std::function<Status(const std::string&)> DurationInto(int64_t* ms) {
  return [ms](const std::string& v) -> Status {
    auto d = model::ParseDuration(v);
    if (!d.ok()) return d.error();
    *ms = *d;
    return {};
  };
}

}  // namespace

Result<Flags> ParseFlags(int argc, const char* const* argv) {
  Flags f;
  std::map<std::string, std::function<Status(const std::string&)>> valued = {
      {"config.file",
       [&](const std::string& v) {
         f.config_file = v;
         return Status();
       }},
      {"web.listen-address",
       [&](const std::string& v) {
         f.listen_address = v;
         return Status();
       }},
      {"storage.tsdb.path",
       [&](const std::string& v) {
         f.tsdb_path = v;
         return Status();
       }},
      {"storage.tsdb.retention.time", DurationInto(&f.retention_time_ms)},
      {"storage.tsdb.retention.size",
       [&](const std::string& v) -> Status {
         auto b = Bytes(v);
         if (!b.ok()) return b.error();
         f.retention_size_bytes = *b;
         return {};
       }},
      {"storage.tsdb.min-block-duration", DurationInto(&f.min_block_duration_ms)},
      {"storage.tsdb.max-block-duration", DurationInto(&f.max_block_duration_ms)},
      {"storage.tsdb.wal-compression-type",
       [&](const std::string& v) -> Status {
         if (v != "snappy" && v != "zstd")
           return BadData("enum value must be one of snappy,zstd, got '" + v + "'");
         f.wal_compression_type = v;
         return {};
       }},
      {"query.lookback-delta", DurationInto(&f.lookback_delta_ms)},
      {"scrape.discovery-reload-interval", DurationInto(&f.scrape_discovery_reload_interval_ms)},
      {"query.timeout", DurationInto(&f.query_timeout_ms)},
      {"web.read-timeout", DurationInto(&f.read_timeout_ms)},
      {"web.max-connections",
       [&](const std::string& v) -> Status {
         char* end = nullptr;
         const long n = std::strtol(v.c_str(), &end, 10);
         if (v.empty() || *end != '\0' || n < 0 || n > INT32_MAX)
           return BadData("invalid --web.max-connections: " + v);
         f.max_connections = static_cast<int>(n);
         return {};
       }},
      {"query.max-samples",
       [&](const std::string& v) -> Status {
         char* end = nullptr;
         f.max_samples = std::strtoll(v.c_str(), &end, 10);
         if (v.empty() || *end != '\0') return BadData("invalid --query.max-samples: " + v);
         return {};
       }},
      {"web.remote-write-receiver.accepted-protobuf-messages",
       [&](const std::string& v) -> Status {
         // Repeatable in Prometheus (kingpin enum list); a comma-separated list is accepted too.
         if (!f.rw_messages_given) f.remote_write_messages.clear();
         f.rw_messages_given = true;
         size_t start = 0;
         while (start <= v.size()) {
           const size_t comma = v.find(',', start);
           const std::string m =
               v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
           if (m != "prometheus.WriteRequest" && m != "io.prometheus.write.v2.Request") {
             return BadData(
                 "enum value must be one of prometheus.WriteRequest,io.prometheus.write.v2.Request, got '" +
                 m + "'");
           }
           if (std::find(f.remote_write_messages.begin(), f.remote_write_messages.end(), m) ==
               f.remote_write_messages.end()) {
             f.remote_write_messages.push_back(m);
           }
           if (comma == std::string::npos) break;
           start = comma + 1;
         }
         return {};
       }},
      {"web.cors.origin",
       [&](const std::string& v) -> Status {
         const RE2 re("^(?s:" + v + ")$", RE2::Quiet);
         if (!re.ok()) return BadData("could not compile CORS regex string \"" + v + "\": " + re.error());
         f.cors_origin = v;
         return {};
       }},
      {"enable-feature",
       [&](const std::string& v) -> Status {
         size_t start = 0;
         while (start <= v.size()) {
           const size_t comma = v.find(',', start);
           const std::string feat =
               v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
           if (!feat.empty()) {
             f.features.push_back(feat);
             if (feat == "promql-delayed-name-removal") {
               f.delayed_name_removal = true;
             } else if (feat == "exemplar-storage") {
               f.exemplar_storage = true;
             } else if (feat == "extra-scrape-metrics") {
               f.extra_scrape_metrics = true;
             } else if (feat == "created-timestamp-zero-ingestion") {
               f.st_zero_ingestion = true;
             } else if (feat == "st-storage") {
               f.st_storage = true;
             } else if (feat == "use-start-timestamps") {
               f.use_start_timestamps = true;
             } else if (feat == "promql-experimental-functions") {
               f.experimental_functions = true;
             } else if (feat == "promql-binop-fill-modifiers") {
               f.binop_fill_modifiers = true;
             } else if (feat == "promql-unquoted-utf8-names") {
               f.unquoted_utf8_names = true;
             } else if (feat == "otlp-native-delta-ingestion") {
               f.otlp_native_delta_ingestion = true;
             }
             // promql-duration-expr and promql-extended-range-selectors are accepted and do
             // nothing, as in Prometheus 3.16, where that syntax is always on.
           }
           if (comma == std::string::npos) break;
           start = comma + 1;
         }
         return {};
       }},
  };
  std::map<std::string, bool*> booleans = {
      {"web.enable-admin-api", &f.enable_admin_api},
      {"web.enable-remote-write-receiver", &f.enable_remote_write_receiver},
      {"web.enable-lifecycle", &f.enable_lifecycle},
      {"web.enable-otlp-receiver", &f.enable_otlp_receiver},
      {"storage.in-memory", &f.in_memory},
      {"storage.tsdb.wal-compression", &f.wal_compression},
      {"demo", &f.demo},
      {"help", &f.help},
      {"version", &f.version},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (arg.rfind("--", 0) != 0) return BadData("unexpected argument " + arg);
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (auto it = booleans.find(name); it != booleans.end()) {
      *it->second = !has_value || value == "true" || value == "1";
      continue;
    }
    if (name.rfind("no-", 0) == 0) {
      if (auto it = booleans.find(name.substr(3)); it != booleans.end()) {
        *it->second = false;
        continue;
      }
    }
    auto it = valued.find(name);
    if (it == valued.end()) {
      // A Prometheus flag promref does not act on: accepted and listed, as Prometheus would.
      const bool negated = name.rfind("no-", 0) == 0;
      const CompatFlag* compat = FindCompatFlag(negated ? name.substr(3) : name);
      if (compat == nullptr || (negated && !compat->boolean))
        return BadData("unknown long flag '--" + name + "'");
      if (compat->boolean) {
        const bool on = !negated && (!has_value || value == "true" || value == "1");
        f.compat_flags.emplace_back(std::string(compat->name), on ? "true" : "false");
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) return BadData("expected argument for flag '--" + name + "'");
        value = argv[++i];
      }
      f.compat_flags.emplace_back(name, value);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) return BadData("expected argument for flag '--" + name + "'");
      value = argv[++i];
    }
    if (Status st = it->second(value); !st.ok()) return st.error().Prefixed("--" + name + ": ");
  }
  return f;
}

std::pair<std::string, int> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, 9090};
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, std::atoi(address.substr(colon + 1).c_str())};
}

}  // namespace promref::server
