#include "server/promref_server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "api/front_door.h"
#include "api/http_server.h"
#include "api/nhn_workspace.h"
#include "api/prometheus_api.h"
#include "promql/engine.h"
#include "remote/remote_writer.h"
#include "server/demo_data.h"
#include "server/pushing.h"
#include "server/rule_evaluation.h"
#include "server/scraping.h"
#include "server/tenants.h"

namespace promref::server {

struct PromrefServer::Impl {
  Flags flags;
  std::mutex cfg_mu;
  config::Config cfg;
  std::unique_ptr<Tenants> tenants;
  std::unique_ptr<TenantScrapers> scrapers;
  std::unique_ptr<remote::RemoteWriter> remote_writer;  // null with an in-memory TSDB
  std::unique_ptr<TenantPushes> pushes;
  std::unique_ptr<TenantRules> rules;
  std::string external_url;

  void ApplyRemoteWrite();
  std::unique_ptr<promql::Engine> engine;
  api::Notifications notifications;
  api::SelfMetrics metrics;
  api::Router api_router;
  api::Router vendor_router;
  std::unique_ptr<api::PrometheusApi> prom_api;
  std::unique_ptr<api::NhnWorkspaceApi> nhn;
  std::unique_ptr<api::FrontDoor> door;
  std::unique_ptr<api::HttpServer> http;
  std::string host;
  std::atomic<bool> quit{false};

  static api::FrontDoorConfig DoorConfig(const config::Config& c, const Flags& f) {
    api::FrontDoorConfig fd;
    fd.route_prefix = c.promref.route_prefix;
    fd.cors_origin = f.cors_origin;
    for (const auto& t : c.promref.tenants)
      fd.tenants.push_back({t.id, t.app_keys, t.bearer_tokens, t.basic_auth});
    return fd;
  }
};

namespace {

// Prometheus' --web.external-url, defaulting as it does to http://<hostname>:<listen port>;
// returned without a trailing slash, as alerts' generator URLs start with it.
std::string ExternalUrl(const Flags& flags, api::ApiDeps* deps) {
  const std::string listen = flags.listen_address;
  deps->listen_port = listen.substr(listen.rfind(':') + 1);
  std::string url = "http://" + Hostname() + ":" + deps->listen_port;
  for (const auto& [name, value] : flags.compat_flags) {
    if (name == "web.external-url" && !value.empty()) url = value;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  deps->external_scheme = url.substr(0, scheme_end);
  const size_t host_end = url.find('/', scheme_end + 3);
  deps->external_host = url.substr(
      scheme_end + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme_end - 3);
  return url;
}

}  // namespace

// Remote write reads the default tenant's WAL, as Prometheus reads its own; an in-memory TSDB
// has none.
void PromrefServer::Impl::ApplyRemoteWrite() {
  Impl* s = this;
  if (s->flags.in_memory) {
    if (!s->cfg.remote_write.empty()) {
      std::fprintf(stderr,
                   "promref: remote_write is not applied with --storage.in-memory: it reads the WAL\n");
    }
    return;
  }
  if (!s->remote_writer) {
    s->remote_writer = std::make_unique<remote::RemoteWriter>(
        s->tenants->DirFor(kDefaultTenant) + "/wal", "Prometheus/" + api::BuildInfo{}.version,
        [](const std::string& line) { std::fprintf(stderr, "promref: %s\n", line.c_str()); });
  }
  s->remote_writer->ApplyConfig(s->cfg.remote_write, s->cfg.global.external_labels);
}

PromrefServer::PromrefServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PromrefServer::~PromrefServer() {
  Stop();
  if (impl_ && impl_->scrapers) impl_->scrapers->StopAll();  // no appends into closing storage
  if (impl_ && impl_->rules) impl_->rules->StopAll();
  if (impl_ && impl_->pushes) impl_->pushes->Stop();
  if (impl_ && impl_->remote_writer) impl_->remote_writer->Stop();
  if (impl_ && impl_->tenants) impl_->tenants->Close();
}

Result<std::unique_ptr<PromrefServer>> PromrefServer::Create(const Flags& flags, config::Config config) {
  auto impl = std::make_unique<Impl>();
  Impl* s = impl.get();
  s->flags = flags;
  s->cfg = std::move(config);
  s->tenants = std::make_unique<Tenants>(flags);

  promql::EngineOptions eopts;
  eopts.lookback_delta_ms = flags.lookback_delta_ms;
  eopts.timeout_ms = flags.query_timeout_ms;
  eopts.max_samples = flags.max_samples;
  eopts.default_subquery_step_ms = s->cfg.global.evaluation_interval_ms;
  eopts.enable_experimental_functions = flags.experimental_functions;
  eopts.enable_binop_fill_modifiers = flags.binop_fill_modifiers;
  eopts.enable_delayed_name_removal = flags.delayed_name_removal;
  eopts.enable_unquoted_utf8_names = flags.unquoted_utf8_names;
  eopts.use_start_timestamps = flags.use_start_timestamps;
  s->engine = std::make_unique<promql::Engine>(eopts);

  api::ApiDeps deps;
  deps.engine = s->engine.get();
  deps.options.enable_admin_api = flags.enable_admin_api;
  deps.options.enable_remote_write_receiver = flags.enable_remote_write_receiver;
  deps.options.enable_lifecycle = flags.enable_lifecycle;
  deps.options.accepted_remote_write_messages = flags.remote_write_messages;
  deps.options.lookback_delta_ms = flags.lookback_delta_ms;
  deps.options.start_timestamp_zero_ingestion = flags.st_zero_ingestion;
  deps.options.enable_otlp_receiver = flags.enable_otlp_receiver;
  deps.options.otlp_native_delta_ingestion = flags.otlp_native_delta_ingestion;
  deps.notifications = &s->notifications;
  deps.metrics = &s->metrics;
  deps.flags = [f = flags] { return f.AsList(); };
  deps.config_yaml = [s] {
    std::lock_guard lock(s->cfg_mu);
    return config::ToYaml(s->cfg);
  };
  deps.external_labels = [s] {
    std::lock_guard lock(s->cfg_mu);
    return s->cfg.global.external_labels;
  };
  deps.otlp_config = [s] {
    std::lock_guard lock(s->cfg_mu);
    return s->cfg.otlp;
  };
  deps.storage_retention = [f = flags] { return f.RetentionText(); };
  deps.scrape_manager = [s](const std::string& tenant) { return s->scrapers->Get(tenant); };
  deps.rule_manager = [s](const std::string& tenant) -> const rules::Manager* {
    return s->rules ? s->rules->Get(tenant) : nullptr;
  };
  deps.alertmanagers = [s] {
    return s->rules ? s->rules->Alertmanagers()
                    : std::pair<std::vector<std::string>, std::vector<std::string>>{};
  };
  s->external_url = ExternalUrl(flags, &deps);
  std::unique_ptr<PromrefServer> server(new PromrefServer(std::move(impl)));
  PromrefServer* self = server.get();
  deps.reload = [self] { return self->Reload(); };
  deps.quit = [s] { s->quit = true; };
  s->prom_api = std::make_unique<api::PrometheusApi>(deps);
  s->prom_api->Register(s->api_router);
  // Pushgateway's push API, per tenant, written in at the global scrape interval.
  s->pushes = std::make_unique<TenantPushes>(
      [s](const std::string& id) {
        api::Tenant* t = s->tenants->Get(id.empty() ? kDefaultTenant : id);
        return t ? t->storage : nullptr;
      },
      [s] {
        std::lock_guard lock(s->cfg_mu);
        return s->cfg.global.scrape_interval_ms;
      });
  s->pushes->Register(&s->api_router);
  s->nhn = std::make_unique<api::NhnWorkspaceApi>(
      flags.in_memory ? "" : flags.tsdb_path, [s](const std::string& project) {
        std::vector<api::NhnServer> out;
        std::lock_guard lock(s->cfg_mu);
        for (const auto& t : s->cfg.promref.tenants) {
          if (t.id != project) continue;
          for (const auto& sv : t.servers) out.push_back({sv.host_id, sv.host_name, sv.ip, sv.instance_id});
        }
        return out;
      });
  s->nhn->Register(s->vendor_router);
  // Workspace jobs are scrape jobs of their project's tenant.
  s->nhn->OnChange([s](const std::string& project, const std::vector<api::NhnWorkspaceApi::ScrapeJob>& jobs) {
    config::GlobalConfig global;
    {
      std::lock_guard lock(s->cfg_mu);
      global = s->cfg.global;
    }
    if (Status st = s->scrapers->Apply(project, WorkspaceScrapeConfigs(jobs, global), global.external_labels);
        !st.ok()) {
      std::fprintf(stderr, "promref: %s\n", st.error().message().c_str());
    }
  });
  s->door =
      std::make_unique<api::FrontDoor>(Impl::DoorConfig(s->cfg, s->flags), &s->api_router, &s->vendor_router,
                                       [s](const std::string& id) { return s->tenants->Get(id); });
  // The default tenant opens at start, as Prometheus' TSDB does: a locked or unreadable data
  // directory stops the server here, and its WAL is replayed before the first request.
  api::Tenant* default_tenant = s->tenants->Get(kDefaultTenant);
  if (default_tenant == nullptr) {
    return Error(ErrorKind::kInternal, "opening storage at \"" + s->tenants->DirFor(kDefaultTenant) +
                                           "\": " + s->tenants->LastError());
  }
  if (flags.demo) LoadDemoData(*default_tenant->storage, std::chrono::system_clock::now());
  ScrapingOptions scraping{"Prometheus/" + api::BuildInfo{}.version, flags.extra_scrape_metrics,
                           flags.scrape_discovery_reload_interval_ms, Hostname()};
  s->scrapers = std::make_unique<TenantScrapers>(s->tenants.get(), std::move(scraping));
  if (Status st = s->scrapers->Apply(kDefaultTenant, s->cfg.scrape_configs, s->cfg.global.external_labels);
      !st.ok()) {
    return st.error();
  }
  s->ApplyRemoteWrite();
  auto rule_options = RuleOptionsFromFlags(flags, s->external_url);
  if (!rule_options.ok()) return rule_options.error();
  s->rules = std::make_unique<TenantRules>(s->tenants.get(), s->engine.get(), std::move(*rule_options));
  // As Prometheus: rule files that do not load stop the start.
  if (Status st = s->rules->Apply(s->cfg); !st.ok()) {
    return Error(ErrorKind::kBadData, "error loading rules: " + st.error().message());
  }
  for (const auto& tenant : s->cfg.promref.tenants) {  // workspace jobs saved by an earlier run
    const auto jobs = WorkspaceScrapeConfigs(s->nhn->ScrapeJobs(tenant.id), s->cfg.global);
    if (Status st = s->scrapers->Apply(tenant.id, jobs, s->cfg.global.external_labels); !st.ok())
      return st.error();
  }
  s->metrics.AddCollector([s](api::ExpositionWriter& w) { CollectTsdbMetrics(*s->tenants, w); });
  s->metrics.AddCollector([s](api::ExpositionWriter& w) { s->rules->Collect(w); });
  s->http = std::make_unique<api::HttpServer>(
      [s](api::Request& req) {
        // Streamed bodies are timed until their handler returns, not until the last byte is sent.
        const auto begin = std::chrono::steady_clock::now();
        api::Response r = s->door->Handle(req);
        if (!req.route.empty()) {
          s->metrics.ObserveRequest(
              req.route, r.status,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
        }
        return r;
      },
      api::HttpServerOptions{std::chrono::milliseconds(flags.read_timeout_ms), flags.max_connections});
  const auto [host, port] = SplitHostPort(flags.listen_address);
  s->host = host;
  if (Status st = s->http->Bind(host, port); !st.ok()) return st.error();
  return server;
}

int PromrefServer::port() const {
  return impl_->http->port();
}

std::string PromrefServer::base_url() const {
  const std::string host = impl_->host == "0.0.0.0" ? "127.0.0.1" : impl_->host;
  return "http://" + host + ":" + std::to_string(port());
}

void PromrefServer::Serve() {
  impl_->http->Run();
}

void PromrefServer::Start() {
  thread_ = std::thread([this] { Serve(); });
}

void PromrefServer::Stop() {
  if (impl_ && impl_->http) impl_->http->Stop();
  if (thread_.joinable()) thread_.join();
}

bool PromrefServer::QuitRequested() const {
  return impl_->quit;
}

Status PromrefServer::Reload() {
  Impl* s = impl_.get();
  if (s->flags.config_file.empty()) return {};
  const auto failed = [s](Error e) {
    s->notifications.Set("Configuration reload has failed.", true);
    s->metrics.ObserveReload(false, std::chrono::system_clock::now());
    return e;
  };
  auto loaded = config::LoadConfigFile(s->flags.config_file);
  if (!loaded.ok()) return failed(loaded.error());
  for (const auto& w : loaded->warnings) std::fprintf(stderr, "promref: config: %s\n", w.c_str());
  std::lock_guard lock(s->cfg_mu);
  s->cfg = std::move(*loaded);
  s->door->Reconfigure(Impl::DoorConfig(s->cfg, s->flags));
  s->ApplyRemoteWrite();
  // Every part is applied, as Prometheus runs every reloader; any failure fails the reload.
  Status scrape = s->scrapers->Apply(kDefaultTenant, s->cfg.scrape_configs, s->cfg.global.external_labels);
  Status rules = s->rules->Apply(s->cfg);
  if (!rules.ok()) {
    std::fprintf(stderr, "promref: loading groups failed: %s\n", rules.error().message().c_str());
    return failed(Error(ErrorKind::kBadData, "error loading rules, previous rule set restored"));
  }
  if (!scrape.ok()) return failed(scrape.error());
  s->notifications.Set("Configuration reload has failed.", false);
  s->metrics.ObserveReload(true, std::chrono::system_clock::now());
  return {};
}

Result<std::unique_ptr<PromrefServer>> StartEmbedded(const std::vector<std::string>& extra_flags,
                                                     const std::string& config_yaml) {
  std::vector<std::string> args = {"promref", "--web.listen-address=127.0.0.1:0", "--storage.in-memory",
                                   "--web.enable-remote-write-receiver", "--web.enable-admin-api"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto flags = ParseFlags(static_cast<int>(argv.size()), argv.data());
  if (!flags.ok()) return flags.error();
  // A --config.file among the flags is read (and reloadable) when no text is given.
  auto cfg = config_yaml.empty() && !flags->config_file.empty() ? config::LoadConfigFile(flags->config_file)
                                                                : config::ParseConfig(config_yaml);
  if (!cfg.ok()) return cfg.error();
  auto server = PromrefServer::Create(*flags, std::move(*cfg));
  if (!server.ok()) return server.error();
  (*server)->Start();
  return server;
}

}  // namespace promref::server
