// Pushgateway-style pushes per tenant: PUT/POST/DELETE /metrics/job/... (also under the front
// door's prefix and credentials) go to the requesting tenant's PushStore, and every scrape
// interval the pushed samples are written into that tenant's storage as a Prometheus job with
// honor_labels: true would scrape them from a Pushgateway; series that a DELETE (or a PUT
// without them) removed get stale markers at the next round.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api/http.h"
#include "push/push_handlers.h"
#include "push/push_store.h"
#include "storage/storage.h"

namespace promref::server {

class TenantPushes {
 public:
  // `storage_for` gives a tenant's storage; `interval_ms` the current global scrape interval.
  TenantPushes(std::function<storage::Storage*(const std::string& tenant)> storage_for,
               std::function<int64_t()> interval_ms);
  ~TenantPushes();  // Stop()

  // Adds the push routes and GET /api/v1/metrics to `router`; they serve req.tenant's store.
  void Register(api::Router* router);
  void Stop();

  // One round of appends for every tenant at `t_ms` (the background thread's work; tests).
  void AppendAll(int64_t t_ms);

 private:
  struct Tenant {
    push::PushStore store;
    std::unique_ptr<push::PushHandlers> handlers;
    std::set<std::string> last_round;  // encoded label sets written last round
  };
  Tenant* For(const api::Request& req);
  void Run();

  std::function<storage::Storage*(const std::string&)> storage_for_;
  std::function<int64_t()> interval_ms_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace promref::server
