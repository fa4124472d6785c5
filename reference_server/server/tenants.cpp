#include "server/tenants.h"

#include <algorithm>

#include "model/text_encoding.h"
#include "server/tsdb_admin.h"
#include "tsdb/db.h"

namespace promref::server {
namespace {

// A tenant id as a directory name: ids made only of [A-Za-z0-9._-] (and not "." or "..") are
// used as they are; any other id is hex-encoded behind an "x-" prefix, which no plain id can
// produce ('-' after a lone 'x' is allowed, so plain ids starting "x-" are hex-encoded too).
std::string DirName(const std::string& id) {
  bool plain = !id.empty() && id != "." && id != ".." && id.rfind("x-", 0) != 0;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    plain = plain && ok;
  }
  if (plain) return id;
  return "x-" + model::HexEncode(id);
}

}  // namespace

Tenants::Entry::~Entry() = default;

std::string Tenants::DirFor(const std::string& id) const {
  if (flags_.in_memory) return "";
  std::string base = flags_.tsdb_path;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (id == kDefaultTenant) return base;
  return base + "/tenants/" + DirName(id);
}

api::Tenant* Tenants::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = tenants_.find(id);
  if (it != tenants_.end()) return &it->second->tenant;
  tsdb::Options opts;
  opts.dir = DirFor(id);
  opts.retention_time = flags_.retention_time_ms;
  opts.retention_size = static_cast<uint64_t>(flags_.retention_size_bytes);
  opts.block_range = flags_.MinBlockDurationMs();
  opts.max_block_duration = flags_.MaxBlockDurationMs();
  // Without the feature Prometheus accepts exemplars and drops them; a zero capacity does that.
  if (!flags_.exemplar_storage) opts.max_exemplars = 0;
  opts.store_start_timestamps = flags_.st_storage;
  opts.wal_compression = flags_.wal_compression ? *tsdb::wal::ParseCompression(flags_.wal_compression_type)
                                                : tsdb::wal::Compression::kNone;
  auto db = tsdb::DB::Open(opts);
  if (!db.ok()) {
    last_error_ = db.error().message();
    return nullptr;
  }
  auto e = std::make_unique<Entry>();
  e->db = std::move(*db);
  e->admin = std::make_unique<TsdbAdminAdapter>(e->db.get(), opts.dir);
  e->tenant.id = id;
  e->tenant.storage = e->db.get();
  e->tenant.admin = e->admin.get();
  api::Tenant* t = &e->tenant;
  tenants_[id] = std::move(e);
  return t;
}

std::string Tenants::LastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void Tenants::ForEach(const std::function<void(const std::string&, tsdb::DB&)>& fn) {
  std::lock_guard lock(mu_);
  for (auto& [id, e] : tenants_) fn(id, *e->db);
}

void CollectTsdbMetrics(Tenants& tenants, api::ExpositionWriter& w) {
  double series = 0, chunks = 0, blocks = 0, open = 0, chunk_bytes = 0;
  int64_t min_time = tsdb::kMaxTime, max_time = tsdb::kMinTime;
  tenants.ForEach([&](const std::string&, tsdb::DB& db) {
    ++open;
    series += static_cast<double>(db.head().NumSeries());
    chunks += static_cast<double>(db.head().NumChunks());
    blocks += static_cast<double>(db.Blocks().size());
    chunk_bytes += static_cast<double>(db.HeadChunkFilesSize());
    min_time = std::min(min_time, db.head().MinTime());
    max_time = std::max(max_time, db.head().MaxTime());
  });
  w.Family("prometheus_tsdb_head_series", "Total number of series in the head block.", "gauge");
  w.Sample("", {}, series);
  w.Family("prometheus_tsdb_head_chunks", "Total number of chunks in the head block.", "gauge");
  w.Sample("", {}, chunks);
  w.Family("prometheus_tsdb_head_chunks_storage_size_bytes", "Size of the chunks_head directory.", "gauge");
  w.Sample("", {}, chunk_bytes);
  w.Family("prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks", "gauge");
  w.Sample("", {}, blocks);
  if (max_time != tsdb::kMinTime) {
    w.Family("prometheus_tsdb_head_min_time", "Minimum time bound of the head block.", "gauge");
    w.Sample("", {}, static_cast<double>(min_time));
    w.Family("prometheus_tsdb_head_max_time", "Maximum timestamp of the head block.", "gauge");
    w.Sample("", {}, static_cast<double>(max_time));
  }
  w.Family("promref_tenants_open", "Tenants whose storage is open.", "gauge");
  w.Sample("", {}, open);
}

void Tenants::Close() {
  std::lock_guard lock(mu_);
  tenants_.clear();
}

}  // namespace promref::server
