#include "server/pushing.h"

#include "api/tenant.h"
#include "model/sample.h"

namespace promref::server {

TenantPushes::TenantPushes(std::function<storage::Storage*(const std::string&)> storage_for,
                           std::function<int64_t()> interval_ms)
    : storage_for_(std::move(storage_for)), interval_ms_(std::move(interval_ms)) {
  thread_ = std::thread([this] { Run(); });
}

TenantPushes::~TenantPushes() {
  Stop();
}

void TenantPushes::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

TenantPushes::Tenant* TenantPushes::For(const api::Request& req) {
  const std::string id = req.tenant ? req.tenant->id : "";
  std::lock_guard lock(mu_);
  auto& t = tenants_[id];
  if (!t) {
    t = std::make_unique<Tenant>();
    t->handlers = std::make_unique<push::PushHandlers>(&t->store);
  }
  return t.get();
}

void TenantPushes::Register(api::Router* router) {
  for (const char* pattern : {"/metrics/job/*rest", "/metrics/job@base64/*rest"}) {
    for (const char* method : {"PUT", "POST", "DELETE"}) {
      router->Handle(method, pattern,
                     [this](const api::Request& req) { return For(req)->handlers->Serve(req); });
    }
  }
  router->Handle("GET", "/api/v1/metrics",
                 [this](const api::Request& req) { return For(req)->handlers->ListGroups(req); });
}

void TenantPushes::AppendAll(int64_t t_ms) {
  std::lock_guard lock(mu_);
  for (auto& [id, tenant] : tenants_) {
    storage::Storage* storage = storage_for_(id);
    if (storage == nullptr) continue;
    auto app = storage->MakeAppender();
    std::set<std::string> round;
    for (const push::PushedSample& s : tenant->store.Samples()) {
      round.insert(std::string(s.labels.Encoded()));
      if (s.histogram) {
        (void)app->AppendHistogram(0, s.labels, t_ms, *s.histogram);
      } else {
        (void)app->Append(0, s.labels, t_ms, s.value);
      }
      (void)app->UpdateMetadata(0, s.labels, s.metadata);
    }
    for (const std::string& gone : tenant->last_round) {  // deleted or replaced since: stale
      if (round.count(gone)) continue;
      auto labels = model::Labels::FromEncoded(gone);
      if (labels.ok()) (void)app->Append(0, *labels, t_ms, model::StaleNaN());
    }
    if (app->Commit().ok()) tenant->last_round = std::move(round);
  }
}

void TenantPushes::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    const auto interval = std::chrono::milliseconds(std::max<int64_t>(interval_ms_(), 1000));
    if (cv_.wait_for(lock, interval, [&] { return stop_; })) return;
    lock.unlock();
    AppendAll(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count());
    lock.lock();
  }
}

}  // namespace promref::server
