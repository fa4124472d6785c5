// Status, targets, rules, alerts, notifications, the admin TSDB API, lifecycle and health.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "api/envelope.h"
#include "api/internal/params.h"
#include "api/prometheus_api.h"
#include "model/go_strconv.h"
#include "model/time.h"
#include "promql/parser.h"

namespace promref::api {

namespace {

Response AdminDisabled() {
  return ApiError(Error(ErrorKind::kUnavailable, "admin APIs disabled"));
}

void WriteNameValues(JsonWriter& w, const char* key, const std::vector<TsdbAdmin::NameValue>& list) {
  w.Key(key).BeginArray();
  for (const auto& nv : list) {
    w.BeginObject();
    w.Key("name").String(nv.name);
    w.Key("value").Int(static_cast<int64_t>(nv.value));
    w.EndObject();
  }
  w.EndArray();
}

void WriteNotification(JsonWriter& w, const Notification& n) {
  w.BeginObject();
  w.Key("text").String(n.text);
  w.Key("date").String(internal::Rfc3339Nano(n.date));
  w.Key("active").Bool(n.active);
  w.EndObject();
}

}  // namespace

// --- Notifications -----------------------------------------------------------------------------

std::vector<Notification> Notifications::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void Notifications::Set(const std::string& text, bool active) {
  std::vector<std::function<bool(const Notification&)>> subscribers;
  Notification changed;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(current_.begin(), current_.end(), [&](const auto& n) { return n.text == text; });
    if (active) {
      if (it != current_.end()) return;
      changed = Notification{text, std::chrono::system_clock::now(), true};
      current_.push_back(changed);
    } else {
      if (it == current_.end()) return;
      changed = *it;
      changed.active = false;
      current_.erase(it);
    }
    for (const auto& [id, fn] : subscribers_) subscribers.push_back(fn);
  }
  for (const auto& fn : subscribers) fn(changed);
}

bool Notifications::Subscribe(size_t limit, std::function<bool(const Notification&)> on_change, int* id) {
  std::lock_guard lock(mu_);
  if (subscribers_.size() >= limit) return false;
  *id = next_id_++;
  subscribers_[*id] = std::move(on_change);
  return true;
}

void Notifications::Unsubscribe(int id) {
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

Response PrometheusApi::NotificationsList(const Request&) {
  std::vector<Notification> list =
      deps_.notifications ? deps_.notifications->Current() : std::vector<Notification>{};
  return ApiSuccess([list = std::move(list)](JsonWriter& w) {
    w.BeginArray();
    for (const auto& n : list) WriteNotification(w, n);
    w.EndArray();
  });
}

Response PrometheusApi::NotificationsLive(const Request&) {
  Notifications* hub = deps_.notifications;
  if (hub == nullptr) return NoContent();
  // Reserve the subscription now so that the limit answers 204 before any stream starts.
  auto queue = std::make_shared<std::vector<Notification>>();
  auto mu = std::make_shared<std::mutex>();
  int id = -1;
  if (!hub->Subscribe(
          deps_.options.max_notification_subscribers,
          [queue, mu](const Notification& n) {
            std::lock_guard lock(*mu);
            queue->push_back(n);
            return true;
          },
          &id)) {
    return NoContent();
  }
  Response r;
  r.content_type = "text/event-stream";
  r.headers = {{"Cache-Control", "no-cache"}, {"Connection", "keep-alive"}};
  r.stream = [hub, id, queue, mu](const ChunkWriter& write) {
    auto send = [&write](const Notification& n) {
      JsonWriter w;
      WriteNotification(w, n);
      return write("data: " + w.Take() + "\n\n");
    };
    bool alive = true;
    for (const auto& n : hub->Current()) alive = alive && send(n);
    while (alive) {
      std::vector<Notification> pending;
      {
        std::lock_guard lock(*mu);
        pending.swap(*queue);
      }
      for (const auto& n : pending) alive = alive && send(n);
      // A comment line keeps the connection alive and tells us when the client left.
      if (alive && pending.empty()) alive = write(": keep-alive\n\n");
      if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    hub->Unsubscribe(id);
  };
  return r;
}

// --- Status -----------------------------------------------------------------------------------

Response PrometheusApi::StatusConfig(const Request&) {
  std::string yaml = deps_.config_yaml ? deps_.config_yaml() : "";
  return ApiSuccess(
      [yaml = std::move(yaml)](JsonWriter& w) { w.BeginObject().Key("yaml").String(yaml).EndObject(); });
}

Response PrometheusApi::StatusFlags(const Request&) {
  auto flags = deps_.flags ? deps_.flags() : std::vector<std::pair<std::string, std::string>>{};
  std::sort(flags.begin(), flags.end());
  return ApiSuccess([flags = std::move(flags)](JsonWriter& w) {
    w.BeginObject();
    for (const auto& [k, v] : flags) w.Key(k).String(v);
    w.EndObject();
  });
}

Response PrometheusApi::StatusRuntimeInfo(const Request&) {
  char cwd[4096] = "";
  if (getcwd(cwd, sizeof cwd) == nullptr) cwd[0] = '\0';
  char host[256] = "";
  gethostname(host, sizeof host);
  const auto start = deps_.start_time;
  const auto now = deps_.now();
  const std::string retention = deps_.storage_retention();
  SelfMetrics::ReloadState reload;
  reload.last_success = start;
  if (deps_.metrics != nullptr) reload = deps_.metrics->LastReload();
  return ApiSuccess([=, cwd = std::string(cwd), host = std::string(host)](JsonWriter& w) {
    w.BeginObject();
    w.Key("startTime").String(internal::Rfc3339Nano(start));
    w.Key("CWD").String(cwd);
    w.Key("hostname").String(host);
    w.Key("serverTime").String(internal::Rfc3339Nano(now));
    w.Key("reloadConfigSuccess").Bool(reload.ok);
    w.Key("lastConfigTime").String(internal::Rfc3339Nano(reload.last_success));
    w.Key("corruptionCount").Int(0);
    w.Key("goroutineCount").Int(static_cast<int64_t>(std::thread::hardware_concurrency()));
    w.Key("GOMAXPROCS").Int(static_cast<int64_t>(std::thread::hardware_concurrency()));
    w.Key("GOMEMLIMIT").Int(9223372036854775807LL);
    w.Key("GOGC").String("");
    w.Key("GODEBUG").String("");
    w.Key("storageRetention").String(retention);
    w.EndObject();
  });
}

Response PrometheusApi::StatusBuildInfo(const Request&) {
  const BuildInfo b = deps_.build_info;
  return ApiSuccess([b](JsonWriter& w) {
    w.BeginObject();
    w.Key("version").String(b.version);
    w.Key("revision").String(b.revision);
    w.Key("branch").String(b.branch);
    w.Key("buildUser").String(b.build_user);
    w.Key("buildDate").String(b.build_date);
    w.Key("goVersion").String(b.go_version);
    w.EndObject();
  });
}

Response PrometheusApi::OwnMetrics(const Request&) {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = deps_.metrics->Expose();
  return r;
}

Response PrometheusApi::StatusTsdb(const Request& req) {
  size_t limit = 10;
  if (const std::string s = req.FormValue("limit"); !s.empty()) {
    int64_t n = 0;
    bool ok = true;
    for (char c : s) ok = ok && c >= '0' && c <= '9';
    if (ok && s.size() < 18) n = std::stoll(s);
    if (!ok || n < 1) return ApiError(BadData("limit must be a positive number"));
    if (n > 10000) return ApiError(BadData("limit must not exceed 10000"));
    limit = static_cast<size_t>(n);
  }
  if (req.tenant->admin == nullptr) return ApiError(Error(ErrorKind::kUnavailable, "TSDB not ready"));
  auto stats = req.tenant->admin->Stats(limit);
  return ApiSuccess([stats = std::move(stats)](JsonWriter& w) {
    w.BeginObject();
    w.Key("headStats").BeginObject();
    w.Key("numSeries").Int(static_cast<int64_t>(stats.head.num_series));
    w.Key("numLabelPairs").Int(static_cast<int64_t>(stats.head.num_label_pairs));
    w.Key("chunkCount").Int(static_cast<int64_t>(stats.head.chunk_count));
    w.Key("minTime").Int(stats.head.min_time);
    w.Key("maxTime").Int(stats.head.max_time);
    w.EndObject();
    WriteNameValues(w, "seriesCountByMetricName", stats.series_count_by_metric_name);
    WriteNameValues(w, "labelValueCountByLabelName", stats.label_value_count_by_label_name);
    WriteNameValues(w, "memoryInBytesByLabelName", stats.memory_in_bytes_by_label_name);
    WriteNameValues(w, "seriesCountByLabelValuePair", stats.series_count_by_label_value_pair);
    w.EndObject();
  });
}

Response PrometheusApi::StatusTsdbBlocks(const Request& req) {
  if (req.tenant->admin == nullptr) return ApiError(Error(ErrorKind::kUnavailable, "TSDB not ready"));
  auto blocks = req.tenant->admin->Blocks();
  return ApiSuccess([blocks = std::move(blocks)](JsonWriter& w) {
    w.BeginObject().Key("blocks").BeginArray();
    for (const auto& b : blocks) {
      w.BeginObject();
      w.Key("ulid").String(b.ulid);
      w.Key("minTime").Int(b.min_time);
      w.Key("maxTime").Int(b.max_time);
      w.Key("stats").BeginObject();
      w.Key("numSamples").Int(static_cast<int64_t>(b.num_samples));
      w.Key("numSeries").Int(static_cast<int64_t>(b.num_series));
      w.Key("numChunks").Int(static_cast<int64_t>(b.num_chunks));
      w.EndObject();
      w.Key("compaction").BeginObject();
      w.Key("level").Int(b.compaction_level);
      w.Key("sources").BeginArray();
      for (const auto& s : b.compaction_sources) w.String(s);
      w.EndArray();
      w.EndObject();
      w.Key("version").Int(b.version);
      w.EndObject();
    }
    w.EndArray().EndObject();
  });
}

Response PrometheusApi::StatusWalReplay(const Request& req) {
  TsdbAdmin::WalReplay s;
  if (req.tenant != nullptr && req.tenant->admin != nullptr) s = req.tenant->admin->WalReplayStatus();
  return ApiSuccess([s](JsonWriter& w) {
    w.BeginObject();
    w.Key("min").Int(s.min);
    w.Key("max").Int(s.max);
    w.Key("current").Int(s.current);
    w.EndObject();
  });
}

// --- Admin TSDB API ---------------------------------------------------------------------------

Response PrometheusApi::AdminSnapshot(const Request& req) {
  if (!deps_.options.enable_admin_api) return AdminDisabled();
  bool skip_head = false;
  if (const std::string s = req.FormValue("skip_head"); !s.empty()) {
    auto b = internal::ParseBool(s);
    if (!b.ok())
      return ApiError(BadData("unable to parse boolean 'skip_head' argument: " + b.error().message()));
    skip_head = *b;
  }
  if (req.tenant->admin == nullptr) return ApiError(Error(ErrorKind::kUnavailable, "TSDB not ready"));
  auto name = req.tenant->admin->Snapshot(skip_head);
  if (!name.ok()) return ApiError(Error(ErrorKind::kInternal, "create snapshot: " + name.error().message()));
  return ApiSuccess([n = *name](JsonWriter& w) { w.BeginObject().Key("name").String(n).EndObject(); });
}

Response PrometheusApi::AdminDeleteSeries(const Request& req) {
  if (!deps_.options.enable_admin_api) return AdminDisabled();
  if (!req.HasForm("match[]")) return ApiError(BadData("no match[] parameter provided"));
  auto start = internal::ParseTimeParam(req, "start", internal::MinApiTime());
  if (!start.ok()) return ApiError(InvalidParam("start", start.error().message()));
  auto end = internal::ParseTimeParam(req, "end", internal::MaxApiTime());
  if (!end.ok()) return ApiError(InvalidParam("end", end.error().message()));
  // Unlike the read endpoints, deletion takes any selector (no non-empty matcher needed).
  std::vector<std::vector<model::Matcher>> sets;
  for (const std::string& v : req.FormValues("match[]")) {
    auto m = promql::ParseMetricSelector(v, parse_options());
    if (!m.ok()) return ApiError(InvalidParam("match[]", m.error().message()));
    sets.push_back(std::move(*m));
  }
  if (req.tenant->admin == nullptr) return ApiError(Error(ErrorKind::kUnavailable, "TSDB not ready"));
  if (Status st = req.tenant->admin->Delete(start->Millis(), end->Millis(), sets); !st.ok()) {
    return ApiError(Error(ErrorKind::kInternal, st.error().message()));
  }
  return NoContent();
}

Response PrometheusApi::AdminCleanTombstones(const Request& req) {
  if (!deps_.options.enable_admin_api) return AdminDisabled();
  if (req.tenant->admin == nullptr) return ApiError(Error(ErrorKind::kUnavailable, "TSDB not ready"));
  if (Status st = req.tenant->admin->CleanTombstones(); !st.ok()) {
    return ApiError(Error(ErrorKind::kInternal, st.error().message()));
  }
  return NoContent();
}

// --- Lifecycle and health ---------------------------------------------------------------------

Response PrometheusApi::Healthy(const Request& req) {
  // Prometheus' HEAD handlers only write the status: no body, so no Content-Type either.
  if (req.method == "HEAD") return Response{};
  return Response::Text(200, "Prometheus Server is Healthy.\n");
}

Response PrometheusApi::Ready(const Request& req) {
  if (!deps_.ready()) {
    Response r = Response::Text(503, "Service Unavailable");
    r.headers.emplace_back("X-Prometheus-Stopping", quitting_ ? "true" : "false");
    return r;
  }
  if (req.method == "HEAD") return Response{};
  return Response::Text(200, "Prometheus Server is Ready.\n");
}

Response PrometheusApi::Reload(const Request& req) {
  if (req.method == "GET") return Response::Text(405, "Only POST or PUT requests allowed");
  if (!deps_.options.enable_lifecycle) return Response::Text(403, "Lifecycle API is not enabled.");
  if (deps_.reload) {
    if (Status st = deps_.reload(); !st.ok()) {
      return Response::Text(500, "failed to reload config: " + st.error().message() + "\n");
    }
  }
  return Response{};  // 200, nothing written: no Content-Type, as from Prometheus
}

Response PrometheusApi::Quit(const Request& req) {
  if (req.method == "GET") return Response::Text(405, "Only POST or PUT requests allowed");
  if (!deps_.options.enable_lifecycle) return Response::Text(403, "Lifecycle API is not enabled.");
  if (quitting_.exchange(true)) return Response::Text(200, "Termination already in progress.");
  if (deps_.quit) deps_.quit();
  return Response::Text(200, "Requesting termination... Goodbye!");
}

Response PrometheusApi::Version(const Request&) {
  const BuildInfo& b = deps_.build_info;
  JsonWriter w;
  w.BeginObject();
  w.Key("version").String(b.version);
  w.Key("revision").String(b.revision);
  w.Key("branch").String(b.branch);
  w.Key("buildUser").String(b.build_user);
  w.Key("buildDate").String(b.build_date);
  w.Key("goVersion").String(b.go_version);
  w.EndObject();
  return Response::Text(200, w.Take());
}

}  // namespace promref::api
