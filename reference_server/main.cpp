// promref: a reference server for the Prometheus HTTP API on its own TSDB and PromQL engine.
//
// Flags follow Prometheus' names where the concept is the same (--config.file,
// --web.listen-address, --storage.tsdb.path, --query.lookback-delta, ...).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/front_door.h"
#include "api/http_server.h"
#include "api/nhn_workspace.h"
#include "api/prometheus_api.h"
#include "config/config.h"
#include "model/time.h"
#include "server/demo_data.h"
#include "server/flags.h"
#include "server/tenants.h"

namespace {

std::atomic<bool> g_reload{false};
std::atomic<bool> g_stop{false};

void OnSignal(int sig) {
  if (sig == SIGHUP) g_reload = true;
  if (sig == SIGTERM || sig == SIGINT) g_stop = true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace promref;
  auto flags = server::ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "promref: %s\n", flags.error().message().c_str());
    return 2;
  }
  if (flags->help) {
    std::fputs(server::FlagsUsage().c_str(), stdout);
    return 0;
  }
  if (flags->version) {
    std::printf("promref, version %s\n", api::BuildInfo{}.version.c_str());
    return 0;
  }

  config::Config cfg;
  if (!flags->config_file.empty()) {
    auto loaded = config::LoadConfigFile(flags->config_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "promref: error loading config from \"%s\": %s\n", flags->config_file.c_str(),
                   loaded.error().message().c_str());
      return 1;
    }
    cfg = std::move(*loaded);
  }
  std::mutex cfg_mu;

  server::Tenants tenants(*flags);

  promql::EngineOptions eopts;
  eopts.lookback_delta_ms = flags->lookback_delta_ms;
  eopts.timeout_ms = flags->query_timeout_ms;
  eopts.max_samples = flags->max_samples;
  eopts.default_subquery_step_ms = cfg.global.evaluation_interval_ms;
  eopts.enable_experimental = flags->experimental;
  eopts.enable_delayed_name_removal = flags->delayed_name_removal;
  promql::Engine engine(eopts);

  api::Notifications notifications;
  api::ApiDeps deps;
  deps.engine = &engine;
  deps.options.enable_admin_api = flags->enable_admin_api;
  deps.options.enable_remote_write_receiver = flags->enable_remote_write_receiver;
  deps.options.enable_lifecycle = flags->enable_lifecycle;
  deps.options.lookback_delta_ms = flags->lookback_delta_ms;
  deps.notifications = &notifications;
  deps.flags = [f = *flags] { return f.AsList(); };
  deps.config_yaml = [&] {
    std::lock_guard lock(cfg_mu);
    return config::ToYaml(cfg);
  };
  deps.storage_retention = [f = *flags] { return f.RetentionText(); };

  api::Router api_router;
  api::Router vendor_router;
  auto front_door_config = [](const config::Config& c) {
    api::FrontDoorConfig fd;
    fd.route_prefix = c.promref.route_prefix;
    for (const auto& t : c.promref.tenants)
      fd.tenants.push_back({t.id, t.app_keys, t.bearer_tokens, t.basic_auth});
    return fd;
  };
  std::unique_ptr<api::FrontDoor> door;
  auto reload = [&]() -> Status {
    if (flags->config_file.empty()) return {};
    auto loaded = config::LoadConfigFile(flags->config_file);
    if (!loaded.ok()) {
      notifications.Set("Configuration reload has failed.", true);
      return loaded.error();
    }
    notifications.Set("Configuration reload has failed.", false);
    std::lock_guard lock(cfg_mu);
    cfg = std::move(*loaded);
    door->Reconfigure(front_door_config(cfg));
    return {};
  };
  deps.reload = reload;
  deps.quit = [] { g_stop = true; };
  api::PrometheusApi prom_api(deps);
  prom_api.Register(api_router);
  api::NhnWorkspaceApi nhn(flags->in_memory ? "" : flags->tsdb_path, [&](const std::string& project) {
    std::vector<api::NhnServer> out;
    std::lock_guard lock(cfg_mu);
    for (const auto& t : cfg.promref.tenants) {
      if (t.id != project) continue;
      for (const auto& s : t.servers) out.push_back({s.host_id, s.host_name, s.ip, s.instance_id});
    }
    return out;
  });
  nhn.Register(vendor_router);
  door = std::make_unique<api::FrontDoor>(front_door_config(cfg), &api_router, &vendor_router,
                                          [&tenants](const std::string& id) { return tenants.Get(id); });

  if (flags->demo) {
    auto* t = tenants.Get("default");
    const auto n = server::LoadDemoData(*t->storage, std::chrono::system_clock::now());
    std::fprintf(stderr, "promref: loaded the demo dataset (%zu samples)\n", n);
  }

  api::HttpServer http([&door](api::Request& req) { return door->Handle(req); });
  const auto [host, port] = server::SplitHostPort(flags->listen_address);
  if (Status st = http.Bind(host, port); !st.ok()) {
    std::fprintf(stderr, "promref: %s\n", st.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "promref: listening on %s:%d\n", host.c_str(), http.port());
  std::signal(SIGHUP, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::thread serve([&http] { http.Run(); });
  while (!g_stop) {
    if (g_reload.exchange(false)) {
      if (Status st = reload(); !st.ok())
        std::fprintf(stderr, "promref: reload failed: %s\n", st.error().message().c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  http.Stop();
  serve.join();
  tenants.Close();
  return 0;
}
