#include "api/self_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include "model/go_strconv.h"

namespace promref::api {
namespace {

// Label values escape backslash, double quote and newline; HELP text escapes backslash and
// newline only (the text format's rules).
void AppendEscaped(std::string* out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

double Seconds(std::chrono::system_clock::time_point t) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
         1000.0;
}

}  // namespace

void ExpositionWriter::Family(std::string_view name, std::string_view help, std::string_view type) {
  current_name_ = std::string(name);
  current_ = &families_[current_name_];
  current_->clear();
  current_->append("# HELP ").append(name).append(" ");
  AppendEscaped(current_, help, false);
  current_->append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void ExpositionWriter::Sample(std::string_view suffix, const Labels& labels, double value) {
  if (current_ == nullptr) return;
  std::string& out = *current_;
  out.append(current_name_).append(suffix);
  if (!labels.empty()) {
    out.push_back('{');
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out.push_back(',');
      out.append(labels[i].first).append("=\"");
      AppendEscaped(&out, labels[i].second, true);
      out.push_back('"');
    }
    out.push_back('}');
  }
  out.push_back(' ');
  out.append(model::FormatFloat(value, 'g'));
  out.push_back('\n');
}

std::string ExpositionWriter::Text() const {
  std::string out;
  for (const auto& [name, lines] : families_) out.append(lines);
  return out;
}

SelfMetrics::SelfMetrics() {
  reload_.last_success = std::chrono::system_clock::now();
}

const std::vector<double>& SelfMetrics::DurationBuckets() {
  static const std::vector<double> kBuckets = {0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120};
  return kBuckets;
}

void SelfMetrics::ObserveRequest(const std::string& handler, int code, double seconds) {
  const auto& bounds = DurationBuckets();
  std::lock_guard lock(mu_);
  ++requests_[{handler, code}];
  Histogram& h = durations_[handler];
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void SelfMetrics::ObserveReload(bool ok, std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mu_);
  reload_.ok = ok;
  if (ok) reload_.last_success = when;
}

SelfMetrics::ReloadState SelfMetrics::LastReload() const {
  std::lock_guard lock(mu_);
  return reload_;
}

void SelfMetrics::ObserveRemoteWrite(uint64_t samples, uint64_t histograms, uint64_t exemplars) {
  rw_samples_ += samples;
  rw_histograms_ += histograms;
  rw_exemplars_ += exemplars;
}

void SelfMetrics::AddCollector(Collector c) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(c));
}

std::string SelfMetrics::Expose() const {
  ExpositionWriter w;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    w.Family("prometheus_http_requests_total", "Counter of HTTP requests.", "counter");
    for (const auto& [key, n] : requests_) {
      w.Sample("", {{"code", std::to_string(key.second)}, {"handler", key.first}}, static_cast<double>(n));
    }
    w.Family("prometheus_http_request_duration_seconds", "Histogram of latencies for HTTP requests.",
             "histogram");
    const auto& bounds = DurationBuckets();
    for (const auto& [handler, h] : durations_) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < bounds.size(); ++i) {
        cumulative += h.buckets[i];
        w.Sample("_bucket", {{"handler", handler}, {"le", model::FormatFloat(bounds[i], 'g')}},
                 static_cast<double>(cumulative));
      }
      w.Sample("_bucket", {{"handler", handler}, {"le", "+Inf"}}, static_cast<double>(h.count));
      w.Sample("_sum", {{"handler", handler}}, h.sum);
      w.Sample("_count", {{"handler", handler}}, static_cast<double>(h.count));
    }
    w.Family("prometheus_config_last_reload_successful",
             "Whether the last configuration reload attempt was successful.", "gauge");
    w.Sample("", {}, reload_.ok ? 1 : 0);
    w.Family("prometheus_config_last_reload_success_timestamp_seconds",
             "Timestamp of the last successful configuration reload.", "gauge");
    w.Sample("", {}, std::floor(Seconds(reload_.last_success)));
    collectors = collectors_;
  }
  w.Family("promref_remote_write_received_total",
           "Samples, histograms and exemplars stored by the remote-write receiver, by type.", "counter");
  w.Sample("", {{"type", "exemplar"}}, static_cast<double>(rw_exemplars_.load()));
  w.Sample("", {{"type", "histogram"}}, static_cast<double>(rw_histograms_.load()));
  w.Sample("", {{"type", "sample"}}, static_cast<double>(rw_samples_.load()));
  for (const Collector& c : collectors) c(w);
  CollectProcessMetrics(w);
  return w.Text();
}

void CollectProcessMetrics(ExpositionWriter& w) {
  // /proc/self/stat: the command name (field 2) may hold spaces, so fields are counted from
  // the last ')'. utime/stime are fields 14/15, starttime 22, vsize 23, rss 24.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream in(stat.substr(close + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(in)),
                               std::istream_iterator<std::string>());
    // f[0] is field 3 (state).
    auto field = [&](int n) { return static_cast<size_t>(n - 3) < f.size() ? std::stod(f[n - 3]) : 0.0; };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    w.Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter");
    w.Sample("", {}, (field(14) + field(15)) / ticks);
    w.Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
    w.Sample("", {}, field(23));
    w.Family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
    w.Sample("", {}, field(24) * page);
    // Start time is in ticks since boot; boot time is /proc/stat's btime.
    std::ifstream proc_stat("/proc/stat");
    std::string line;
    double btime = 0;
    while (std::getline(proc_stat, line)) {
      if (line.rfind("btime ", 0) == 0) btime = std::stod(line.substr(6));
    }
    w.Family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge");
    w.Sample("", {}, btime + field(22) / ticks);
  }
  size_t fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++fds;
    }
    closedir(d);
    if (fds > 0) --fds;  // the descriptor opendir itself holds
  }
  w.Family("process_open_fds", "Number of open file descriptors.", "gauge");
  w.Sample("", {}, static_cast<double>(fds));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    w.Family("process_max_fds", "Maximum number of open file descriptors.", "gauge");
    w.Sample("", {}, static_cast<double>(lim.rlim_cur));
  }
}

}  // namespace promref::api
