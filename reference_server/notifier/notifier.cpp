#include "notifier/notifier.h"

#include <curl/curl.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "httpclient/curl_config.h"
#include "relabel/relabel.h"

namespace promref::notifier {

namespace {

// strfmt.DateTime's JSON form: RFC 3339 with milliseconds, in UTC.
std::string DateTime(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const int64_t ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  if (ms == 0) return "0001-01-01T00:00:00.000Z";
  int64_t secs = ms / 1000;
  int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

nlohmann::json LabelSet(const model::Labels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& l : labels) out[std::string(l.name)] = std::string(l.value);
  return out;
}

// path.Join("/", prefix, "/api/v2/alerts"): slashes collapsed, "." and ".." resolved.
std::string PostPath(const std::string& prefix, const std::string& version) {
  const std::string joined = "/" + prefix + "/api/" + version + "/alerts";
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < joined.size()) {
    size_t j = joined.find('/', i);
    if (j == std::string::npos) j = joined.size();
    const std::string part = joined.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string UrlOf(const model::Labels& l) {
  return std::string(l.Get("__scheme__")) + "://" + std::string(l.Get("__address__")) +
         std::string(l.Get("__alerts_path__"));
}

// Adds external labels the alert does not have, then relabels; dropped alerts go.
std::vector<Alert> Relabel(std::vector<Alert> alerts, const std::vector<relabel::RelabelConfig>& rules,
                           const model::Labels& external_labels) {
  std::vector<Alert> out;
  for (auto& a : alerts) {
    model::LabelsBuilder b(a.labels);
    for (const auto& l : external_labels) {
      if (a.labels.Get(l.name).empty()) b.Set(l.name, l.value);
    }
    auto kept = relabel::Process(b.Build(), rules);
    if (!kept) continue;
    a.labels = std::move(*kept);
    out.push_back(std::move(a));
  }
  return out;
}

size_t DiscardBody(char*, size_t size, size_t n, void*) {
  return size * n;
}

}  // namespace

std::string EncodeAlerts(const std::vector<Alert>& alerts) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& a : alerts) {
    arr.push_back({{"annotations", LabelSet(a.annotations)},
                   {"endsAt", DateTime(a.ends_at)},
                   {"startsAt", DateTime(a.starts_at)},
                   {"generatorURL", a.generator_url},
                   {"labels", LabelSet(a.labels)}});
  }
  return arr.dump();
}

Result<std::pair<std::vector<AlertmanagerTarget>, std::vector<AlertmanagerTarget>>> ResolveAlertmanagers(
    const config::AlertmanagerConfig& c) {
  std::vector<AlertmanagerTarget> active, dropped;
  for (const auto& group : c.static_configs) {
    for (const auto& target : group.targets) {
      model::LabelsBuilder b;
      b.Set("__address__", target);
      b.Set("__scheme__", c.scheme);
      b.Set("__alerts_path__", PostPath(c.path_prefix, c.api_version));
      for (const auto& l : group.labels) {
        if (l.name != "__address__") b.Set(l.name, l.value);
      }
      const model::Labels pre = b.Build();
      auto kept = relabel::Process(pre, c.relabel_configs);
      if (!kept) {
        dropped.push_back({UrlOf(pre)});
        continue;
      }
      const std::string addr(kept->Get("__address__"));
      if (addr.find('/') != std::string::npos) {
        return Error(ErrorKind::kBadData, "\"" + addr + "\" is not a valid hostname");
      }
      active.push_back({UrlOf(*kept)});
    }
  }
  return std::make_pair(std::move(active), std::move(dropped));
}

// One Alertmanager's queue and the thread that posts it.
class Manager::SendLoop {
 public:
  SendLoop(std::string url, const config::AlertmanagerConfig& cfg, const Options& options)
      : url_(std::move(url)), cfg_(cfg), options_(options), thread_([this] { Run(); }) {}
  ~SendLoop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  const std::string& url() const { return url_; }

  void Add(const std::vector<Alert>& alerts) {
    std::lock_guard lock(mu_);
    size_t skip = 0;
    if (alerts.size() > options_.queue_capacity) {
      skip = alerts.size() - options_.queue_capacity;
      stats_.dropped += skip;
    }
    for (size_t i = skip; i < alerts.size(); ++i) queue_.push_back(alerts[i]);
    while (queue_.size() > options_.queue_capacity) {
      queue_.pop_front();  // the oldest go first
      ++stats_.dropped;
    }
    cv_.notify_all();
  }
  Stats stats() const {
    std::lock_guard lock(mu_);
    Stats s = stats_;
    s.queue_length = queue_.size();
    return s;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      std::vector<Alert> batch;
      while (!queue_.empty() && batch.size() < options_.max_batch_size) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      const std::string error = Post(EncodeAlerts(batch));
      lock.lock();
      if (error.empty()) {
        stats_.sent += batch.size();
      } else {
        stats_.errors += batch.size();  // alerts affected, as Prometheus counts them
        stats_.dropped += batch.size();
        options_.log("Error sending alerts: alertmanager=" + url_ + " count=" + std::to_string(batch.size()) +
                     " err=" + error);
      }
    }
  }

  // "" or why the post failed.
  std::string Post(const std::string& body) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return "curl_easy_init failed";
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("User-Agent: " + options_.user_agent).c_str());
    headers = curl_slist_append(headers, "Expect:");
    headers = httpclient::AppendConfiguredHeaders(headers, cfg_.http_client);
    httpclient::ApplyHttpClientConfig(curl, cfg_.http_client);
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg_.timeout_ms));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) return httpclient::TransportError(rc, "Post", url_);
    if (status / 100 != 2) return "bad response status " + std::to_string(status);
    return "";
  }

  const std::string url_;
  const config::AlertmanagerConfig cfg_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Alert> queue_;
  Stats stats_;
  bool stop_ = false;
  std::thread thread_;
};

// The Alertmanagers of one alerting.alertmanagers entry.
struct Manager::Set {
  config::AlertmanagerConfig cfg;
  std::vector<std::unique_ptr<SendLoop>> loops;
  std::vector<std::string> dropped;
};

Manager::Manager(Options options) : options_(std::move(options)) {
  httpclient::GlobalInit();
}

Manager::~Manager() {
  Stop();
}

Status Manager::ApplyConfig(const config::AlertingConfig& alerting, const model::Labels& external_labels) {
  std::vector<std::unique_ptr<Set>> sets;
  for (const auto& amc : alerting.alertmanagers) {
    auto resolved = ResolveAlertmanagers(amc);
    if (!resolved.ok()) return resolved.error();
    auto set = std::make_unique<Set>();
    set->cfg = amc;
    for (const auto& t : resolved->second) set->dropped.push_back(t.url);
    sets.push_back(std::move(set));
  }
  std::vector<std::unique_ptr<Set>> old;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return {};
    // Send loops of the same URL and settings carry over with their queues.
    for (size_t i = 0; i < sets.size(); ++i) {
      auto resolved = ResolveAlertmanagers(sets[i]->cfg);
      for (const auto& t : resolved->first) {
        std::unique_ptr<SendLoop> loop;
        if (i < sets_.size() && config::SameAlertmanagerConfig(sets_[i]->cfg, sets[i]->cfg)) {
          for (auto& l : sets_[i]->loops) {
            if (l && l->url() == t.url) loop = std::move(l);
          }
        }
        if (!loop) loop = std::make_unique<SendLoop>(t.url, sets[i]->cfg, options_);
        sets[i]->loops.push_back(std::move(loop));
      }
    }
    old = std::move(sets_);
    sets_ = std::move(sets);
    alerting_ = alerting;
    external_labels_ = external_labels;
  }
  return {};  // `old` stops its remaining loops here
}

void Manager::Send(std::vector<Alert> alerts) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  alerts = Relabel(std::move(alerts), alerting_.alert_relabel_configs, external_labels_);
  if (alerts.empty()) return;
  for (const auto& set : sets_) {
    std::vector<Alert> for_set = alerts;
    if (!set->cfg.alert_relabel_configs.empty()) {
      for_set = Relabel(std::move(for_set), set->cfg.alert_relabel_configs, model::Labels{});
      if (for_set.empty()) continue;
    }
    for (auto& loop : set->loops) loop->Add(for_set);
  }
}

std::vector<std::string> Manager::ActiveUrls() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& set : sets_) {
    for (const auto& l : set->loops) out.push_back(l->url());
  }
  return out;
}

std::vector<std::string> Manager::DroppedUrls() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& set : sets_) out.insert(out.end(), set->dropped.begin(), set->dropped.end());
  return out;
}

Manager::Stats Manager::stats() const {
  Stats total;
  for (const auto& [url, s] : PerAlertmanager()) {
    total.sent += s.sent;
    total.errors += s.errors;
    total.dropped += s.dropped;
    total.queue_length += s.queue_length;
  }
  return total;
}

std::vector<std::pair<std::string, Manager::Stats>> Manager::PerAlertmanager() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, Stats>> out;
  for (const auto& set : sets_) {
    for (const auto& l : set->loops) out.emplace_back(l->url(), l->stats());
  }
  return out;
}

void Manager::Stop() {
  std::vector<std::unique_ptr<Set>> sets;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    sets = std::move(sets_);
  }
}

}  // namespace promref::notifier
