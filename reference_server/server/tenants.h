// The tenants' storage: one TSDB per tenant, opened on first use. The default tenant lives in
// <storage.tsdb.path> itself, as Prometheus' data does; every other tenant in
// <storage.tsdb.path>/tenants/<id>, so that tenants never share a series, a WAL or a block.
// With --storage.in-memory every tenant's TSDB is in memory only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/self_metrics.h"
#include "api/tenant.h"
#include "server/flags.h"

namespace promref::tsdb {
class DB;
}

namespace promref::server {

inline constexpr const char* kDefaultTenant = "default";

class Tenants {
 public:
  explicit Tenants(const Flags& flags) : flags_(flags) {}
  ~Tenants() { Close(); }

  // The tenant with this id, opening its storage if needed; nullptr if it cannot be opened
  // (LastError() says why).
  api::Tenant* Get(const std::string& id);
  std::string LastError() const;
  // The directory a tenant's TSDB uses ("" in memory).
  std::string DirFor(const std::string& id) const;
  // Calls `fn` for every open tenant's DB (under the tenants lock: keep it short).
  void ForEach(const std::function<void(const std::string&, tsdb::DB&)>& fn);
  void Close();

 private:
  struct Entry {
    std::unique_ptr<tsdb::DB> db;
    std::unique_ptr<api::TsdbAdmin> admin;
    api::Tenant tenant;
    ~Entry();  // defined where tsdb::DB is complete
  };
  Flags flags_;
  mutable std::mutex mu_;
  std::string last_error_;
  std::map<std::string, std::unique_ptr<Entry>> tenants_;
};

// Prometheus' TSDB gauges (prometheus_tsdb_head_series, _head_chunks, _head_min_time,
// _head_max_time, _blocks_loaded), summed (or min/max) over every open tenant: /metrics is
// served to any caller, so it never names a tenant.
void CollectTsdbMetrics(Tenants& tenants, api::ExpositionWriter& w);

}  // namespace promref::server
