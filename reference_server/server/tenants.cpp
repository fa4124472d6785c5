#include "server/tenants.h"

#include "storage/mem_storage.h"

namespace promref::server {

api::Tenant* Tenants::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = tenants_.find(id);
  if (it != tenants_.end()) return &it->second->tenant;
  auto e = std::make_unique<Entry>();
  // Until the TSDB lands in the server every tenant keeps its data in memory.
  e->storage = std::make_unique<storage::MemStorage>();
  e->tenant.id = id;
  e->tenant.storage = e->storage.get();
  e->tenant.admin = e->admin.get();
  api::Tenant* t = &e->tenant;
  tenants_[id] = std::move(e);
  return t;
}

void Tenants::Close() {
  std::lock_guard lock(mu_);
  tenants_.clear();
}

}  // namespace promref::server
