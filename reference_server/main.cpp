// promref: a reference server for the Prometheus HTTP API on its own TSDB and PromQL engine.
//
// Flags follow Prometheus' names where the concept is the same (--config.file,
// --web.listen-address, --storage.tsdb.path, --query.lookback-delta, ...); see --help.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "api/prometheus_api.h"
#include "config/config.h"
#include "http1/server.h"
#include "server/flags.h"
#include "server/promref_server.h"

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
  http1::RaiseOpenFilesLimit();  // as a Go program does at start
  auto flags = server::ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "promref: %s\n", flags.error().message().c_str());
    return 2;
  }
  for (const auto& [name, value] : flags->compat_flags) {
    std::fprintf(stderr,
                 "promref: --%s=%s is accepted as Prometheus accepts it and has no effect in promref\n",
                 name.c_str(), value.c_str());
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
    for (const auto& w : cfg.warnings) std::fprintf(stderr, "promref: config: %s\n", w.c_str());
  }
  auto srv = server::PromrefServer::Create(*flags, std::move(cfg));
  if (!srv.ok()) {
    std::fprintf(stderr, "promref: %s\n", srv.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "promref: listening on %s (%s)\n", flags->listen_address.c_str(),
               (*srv)->base_url().c_str());
  std::signal(SIGHUP, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  (*srv)->Start();
  while (!g_stop && !(*srv)->QuitRequested()) {
    if (g_reload.exchange(false)) {
      if (Status st = (*srv)->Reload(); !st.ok()) {
        std::fprintf(stderr, "promref: reload failed: %s\n", st.error().message().c_str());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (*srv)->Stop();
  return 0;
}
