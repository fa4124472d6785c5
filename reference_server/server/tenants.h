// The tenants' storage: one store per tenant, created on first use under
// <storage.tsdb.path>/<tenant id> (the default tenant uses the path itself), so that tenants
// never share a series, a WAL or a block.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/tenant.h"
#include "server/flags.h"

namespace promref::server {

class Tenants {
 public:
  explicit Tenants(const Flags& flags) : flags_(flags) {}
  ~Tenants() { Close(); }

  // The tenant with this id, opening its storage if needed; nullptr if it cannot be opened.
  api::Tenant* Get(const std::string& id);
  void Close();

 private:
  struct Entry {
    std::unique_ptr<storage::Storage> storage;
    std::unique_ptr<api::TsdbAdmin> admin;
    api::Tenant tenant;
  };
  Flags flags_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> tenants_;
};

}  // namespace promref::server
