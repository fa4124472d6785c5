// Scraping under load, promref against Prometheus 3.x (the pinned module build) in one run
// (issue 13): both scrape the same in-process exporter, N targets x S series at the same
// interval, at the same time. Reported per server, over a window of W scrape intervals after a
// warm-up: CPU (utime+stime from /proc/<pid>/stat) per scraped sample, resident memory per
// series in the head, and the scrape durations (p50/p99/max of scrape_duration_seconds over the
// window); then the ratios promref / Prometheus. The target: at most Prometheus' CPU per sample
// and memory per series.
//
//   exporter    one cpp-httplib server (a pool of 64 threads) answering /t/<i>/metrics for
//               i in [0, N) with S counters bench_metric_total{target,series,shard}; the body is
//               pre-rendered per target but for the values, which grow on every request (so the
//               TSDB compresses them as it would real counters). Every response closes its
//               connection: with keep-alive each of the 2N scrape connections would hold one of
//               the pool's threads between scrapes. The exporter counts the requests of each
//               server (told apart by a `server` URL parameter, the only difference between
//               the two configurations) as a check on what the servers report.
//   config      one job, a static_configs group per target with labels
//               {__metrics_path__: /t/<i>/metrics, instance: t<i>} (all targets share one
//               address, so the instance label keeps their `up` series apart).
//   samples     sum(sum_over_time(scrape_samples_scraped[window])) at the window's end, as each
//               server reports it; series: count of bench_metric_total, up and scrape_*.
//
// usage: scrape_vs_prometheus [--targets N] [--series S] [--interval SECONDS] [--window W]
//                             [--warmup W] [--compression true|false] [--promref PATH]
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/peer_bench_util.h"
#include "http1/server.h"

#define CPPHTTPLIB_LISTEN_BACKLOG 1024
#include <httplib.h>

namespace promref::bench {
namespace {

struct Args {
  int targets = 1000;
  int series = 1000;
  int interval_s = 15;
  int window = 4;  // scrape intervals measured
  int warmup = 2;  // scrape intervals waited after every target is up, before measuring
  bool compression = true;
  std::string promref = PROMREF_BINARY;
};

// The exporter: N targets of S counters each, on one port.
class Exporter {
 public:
  Exporter(int targets, int series) : counters_(static_cast<size_t>(targets)) {
    prefixes_.resize(static_cast<size_t>(targets));
    for (int i = 0; i < targets; ++i) {
      auto& p = prefixes_[static_cast<size_t>(i)];
      for (int j = 0; j < series; ++j) {
        p.push_back("bench_metric_total{target=\"" + std::to_string(i) + "\",series=\"" + std::to_string(j) +
                    "\",shard=\"" + std::to_string(j % 10) + "\"} ");
      }
    }
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.set_keep_alive_max_count(1);
    server_.Get(R"(/t/(\d+)/metrics)", [this](const httplib::Request& req, httplib::Response& res) {
      const size_t i = std::stoul(req.matches[1].str());
      if (i >= prefixes_.size()) {
        res.status = 404;
        return;
      }
      const std::string from = req.get_param_value("server");
      {
        std::lock_guard lock(mu_);
        ++requests_[from];
      }
      res.set_content(Render(i), "text/plain; version=0.0.4; charset=utf-8");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Exporter() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  uint64_t Requests(const std::string& server) {
    std::lock_guard lock(mu_);
    return requests_[server];
  }

 private:
  // Counters that grow by 1..5 (by series) per request, plus 1 on every third for odd series.
  std::string Render(size_t i) {
    const uint64_t c = ++counters_[i];
    std::string body = "# HELP bench_metric_total A benchmark counter.\n# TYPE bench_metric_total counter\n";
    body.reserve(prefixes_[i].size() * (prefixes_[i].empty() ? 0 : prefixes_[i].back().size() + 12) + 100);
    char buf[24];
    for (size_t j = 0; j < prefixes_[i].size(); ++j) {
      const uint64_t v = c * (1 + j % 5) + (c / 3) * (j % 2);
      body += prefixes_[i][j];
      body.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
      body += '\n';
    }
    return body;
  }

  std::vector<std::vector<std::string>> prefixes_;
  std::vector<std::atomic<uint64_t>> counters_;
  std::mutex mu_;
  std::map<std::string, uint64_t> requests_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string ScrapeConfig(const Args& a, int port, const std::string& server) {
  std::string cfg = "global:\n  scrape_interval: " + std::to_string(a.interval_s) +
                    "s\n  scrape_timeout: " + std::to_string(std::max(1, a.interval_s * 2 / 3)) +
                    "s\n  evaluation_interval: " + std::to_string(a.interval_s) +
                    "s\nscrape_configs:\n  - job_name: bench\n    enable_compression: " +
                    (a.compression ? "true" : "false") + "\n    params:\n      server: [" + server +
                    "]\n    static_configs:\n";
  for (int i = 0; i < a.targets; ++i) {
    cfg += "      - targets: ['127.0.0.1:" + std::to_string(port) +
           "']\n        labels: {__metrics_path__: /t/" + std::to_string(i) + "/metrics, instance: t" +
           std::to_string(i) + "}\n";
  }
  return cfg;
}

std::string Secs(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

// The result of an instant query at `time_ms` (now when 0), or null after printing why.
nlohmann::json Query(const BenchServer& s, const std::string& query, int64_t time_ms = 0) {
  HttpClient client({.timeout_ms = 300000});
  std::vector<std::pair<std::string, std::string>> params = {{"query", query}};
  if (time_ms > 0) params.emplace_back("time", Secs(time_ms));
  const HttpResponse r = client.Get(s.peer->base_url() + "/api/v1/query?" + promconform::FormEncode(params));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!r.answered() || j.is_discarded() || j.value("status", "") != "success") {
    std::fprintf(stderr, "%s: query %s failed: %s HTTP %ld %s\n", s.tag.c_str(), query.c_str(),
                 r.transport_error.c_str(), r.status, r.body.substr(0, 300).c_str());
    return nullptr;
  }
  return j["data"]["result"];
}

// The value of a one-element vector result (an empty vector is 0; a failed query -1).
double Scalar(const BenchServer& s, const std::string& query, int64_t time_ms = 0) {
  const nlohmann::json r = Query(s, query, time_ms);
  if (r.is_null()) return -1;
  if (!r.is_array() || r.empty()) return 0;
  return std::stod(r[0]["value"][1].get<std::string>());
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Server : BenchServer {
  std::string param;  // the `server` URL parameter of its scrapes
  uint64_t rss_start_bytes = 0;
  uint64_t rss0 = 0;  // right after start-up, before its first scrape mostly
  uint64_t cpu0 = 0;
  uint64_t req0 = 0;
  double cpu_seconds = 0;
  double rss = 0;
  double samples = 0;
  double scrapes = 0;
  double series = 0;
  double exporter_scrapes = 0;
  std::vector<double> durations;
  double up_end = 0;
};

}  // namespace
}  // namespace promref::bench

int main(int argc, char** argv) {
  using namespace promref::bench;
  Args a;
  if (!ParseFlags(
          argc, argv,
          {{"--promref", [&](const std::string& v) { a.promref = v; }},
           {"--targets", [&](const std::string& v) { a.targets = std::stoi(v); }},
           {"--series", [&](const std::string& v) { a.series = std::stoi(v); }},
           {"--interval", [&](const std::string& v) { a.interval_s = std::stoi(v); }},
           {"--window", [&](const std::string& v) { a.window = std::stoi(v); }},
           {"--warmup", [&](const std::string& v) { a.warmup = std::stoi(v); }},
           {"--compression", [&](const std::string& v) { a.compression = v == "true" || v == "1"; }}})) {
    return 2;
  }
  promref::http1::RaiseOpenFilesLimit();
  std::printf("exporter: %d targets x %d series, rendering...\n", a.targets, a.series);
  std::fflush(stdout);
  Exporter exporter(a.targets, a.series);
  if (exporter.port() <= 0) {
    std::fprintf(stderr, "exporter: cannot bind\n");
    return 1;
  }

  auto specs = BenchServerSpecs(a.promref, false);
  specs.resize(2);  // promref and Prometheus 3.x
  specs[0].spec.args.push_back("--config.file={dir}/prometheus.yml");
  const char* params[] = {"promref", "prometheus"};
  for (size_t i = 0; i < 2; ++i)
    specs[i].spec.files["prometheus.yml"] = ScrapeConfig(a, exporter.port(), params[i]);
  if (!BinariesPresent(specs)) return 1;
  std::vector<Server> servers(2);
  for (size_t i = 0; i < 2; ++i) {
    if (!StartServer(specs[i], servers[i])) return 1;
    servers[i].param = params[i];
    servers[i].rss0 = RssBytes(servers[i].peer->pid());
  }
  PrintServers(servers);
  std::printf("%d targets x %d series every %ds (%.0f samples/s per server), gzip %s; window %d intervals\n",
              a.targets, a.series, a.interval_s, static_cast<double>(a.targets) * a.series / a.interval_s,
              a.compression ? "on" : "off", a.window);
  std::fflush(stdout);

  // Warm-up: every target up on both, then `warmup` more intervals so that all series exist.
  const auto up_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3 * a.interval_s + 180);
  for (;;) {
    bool all = true;
    std::string state;
    for (Server& s : servers) {
      const double up = Scalar(s, "count(up == 1)");
      all = all && up == a.targets;
      state += " " + s.tag + "=" + std::to_string(static_cast<int64_t>(up));
    }
    if (all) break;
    if (std::chrono::steady_clock::now() > up_deadline) {
      std::printf("not every target came up:%s (of %d); measuring anyway\n", state.c_str(), a.targets);
      break;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  std::printf("all targets up; warming up %d more intervals\n", a.warmup);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(a.warmup * a.interval_s));

  // The window.
  const int64_t window_ms = static_cast<int64_t>(a.window) * a.interval_s * 1000;
  const int64_t t_start = NowMs();
  for (Server& s : servers) {
    s.cpu0 = CpuMicros(s.peer->pid());
    s.req0 = exporter.Requests(s.param);
    s.rss_start_bytes = RssBytes(s.peer->pid());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(window_ms));
  const int64_t t_end = t_start + window_ms;
  for (Server& s : servers) {
    s.cpu_seconds = static_cast<double>(CpuMicros(s.peer->pid()) - s.cpu0) / 1e6;
    s.exporter_scrapes = static_cast<double>(exporter.Requests(s.param) - s.req0);
    s.rss = static_cast<double>(RssBytes(s.peer->pid()));
  }
  // Scrapes that started before t_end are appended a moment later.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const std::string range = "[" + std::to_string(window_ms / 1000) + "s]";
  for (Server& s : servers) {
    s.samples = Scalar(s, "sum(sum_over_time(scrape_samples_scraped" + range + "))", t_end);
    s.scrapes = Scalar(s, "sum(count_over_time(scrape_samples_scraped" + range + "))", t_end);
    s.series = Scalar(s, "count({__name__=~\"bench_metric_total|up|scrape_.+\"})", t_end);
    const nlohmann::json d = Query(s, "scrape_duration_seconds" + range, t_end);
    if (d.is_array()) {
      for (const auto& e : d) {
        for (const auto& v : e["values"]) s.durations.push_back(std::stod(v[1].get<std::string>()));
      }
    }
    s.up_end = Scalar(s, "count(up == 1)");
  }

  std::printf("\n%-10s %9s %10s %10s %12s %10s %10s %11s %9s %9s %9s %7s\n", "server", "cpu s", "scrapes",
              "exp.scr", "samples", "cpu us/smp", "series", "rss MiB", "B/series", "p50 ms", "p99 ms",
              "max ms");
  for (const Server& s : servers) {
    std::printf("%-10s %9.2f %10.0f %10.0f %12.0f %10.3f %10.0f %11.1f %9.0f %9.1f %9.1f %7.1f\n",
                s.tag.c_str(), s.cpu_seconds, s.scrapes, s.exporter_scrapes, s.samples,
                s.samples > 0 ? s.cpu_seconds * 1e6 / s.samples : 0, s.series, s.rss / 1048576.0,
                s.series > 0 ? s.rss / s.series : 0, Percentile(s.durations, 0.5) * 1000,
                Percentile(s.durations, 0.99) * 1000, Percentile(s.durations, 1.0) * 1000);
  }
  std::printf("(rss at start-up: ");
  for (const Server& s : servers)
    std::printf("%s %.1f MiB  ", s.tag.c_str(), static_cast<double>(s.rss0) / 1048576.0);
  std::printf("; at window start: ");
  for (const Server& s : servers)
    std::printf("%s %.1f MiB  ", s.tag.c_str(), static_cast<double>(s.rss_start_bytes) / 1048576.0);
  std::printf(")\n");
  bool ok = true;
  for (const Server& s : servers) {
    if (s.up_end != a.targets) {
      ok = false;
      std::printf("%s: only %.0f of %d targets up at the end\n", s.tag.c_str(), s.up_end, a.targets);
      const nlohmann::json down = Query(s, "up == 0");
      if (down.is_array()) {
        for (size_t i = 0; i < std::min<size_t>(down.size(), 10); ++i)
          std::printf("  down: %s\n", down[i]["metric"].dump().c_str());
      }
    }
  }
  const Server& p = servers[0];
  const Server& q = servers[1];
  const double cpu_ratio = (p.cpu_seconds / p.samples) / (q.cpu_seconds / q.samples);
  const double mem_ratio = (p.rss / p.series) / (q.rss / q.series);
  std::printf(
      "promref/%s: cpu per scraped sample %.2f, rss per series %.2f, scrape p50 %.2f, p99 %.2f; all up: %s\n",
      q.tag.c_str(), cpu_ratio, mem_ratio, Percentile(p.durations, 0.5) / Percentile(q.durations, 0.5),
      Percentile(p.durations, 0.99) / Percentile(q.durations, 0.99), ok ? "yes" : "NO");
  return ok ? 0 : 1;
}
