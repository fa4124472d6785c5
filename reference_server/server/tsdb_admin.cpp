#include "server/tsdb_admin.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace promref::server {
namespace {

std::vector<api::TsdbAdmin::NameValue> ToNameValues(const std::vector<tsdb::LabelStat>& in) {
  std::vector<api::TsdbAdmin::NameValue> out;
  out.reserve(in.size());
  for (const auto& s : in) out.push_back({s.name, s.value});
  return out;
}

// Prometheus names snapshots "<UTC time as 20060102T150405Z>-<16 hex digits>".
std::string SnapshotName() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32 | rd()) & 0x7fffffffffffffffULL;
  char name[64];
  std::snprintf(name, sizeof name, "%s-%016llx", when, static_cast<unsigned long long>(r));
  return name;
}

}  // namespace

api::TsdbAdmin::TsdbStats TsdbAdminAdapter::Stats(size_t limit) {
  const tsdb::HeadStats h = db_->Stats(limit);
  TsdbStats out;
  out.head = {h.num_series, h.num_label_pairs, h.chunk_count, h.min_time, h.max_time};
  out.series_count_by_metric_name = ToNameValues(h.series_count_by_metric_name);
  out.label_value_count_by_label_name = ToNameValues(h.label_value_count_by_label_name);
  out.memory_in_bytes_by_label_name = ToNameValues(h.memory_in_bytes_by_label_name);
  out.series_count_by_label_value_pair = ToNameValues(h.series_count_by_label_value_pair);
  return out;
}

std::vector<api::TsdbAdmin::BlockInfo> TsdbAdminAdapter::Blocks() {
  std::vector<BlockInfo> out;
  for (const tsdb::BlockMeta& m : db_->Blocks()) {
    BlockInfo b;
    b.ulid = m.ulid;
    b.min_time = m.min_time;
    b.max_time = m.max_time;
    b.num_samples = m.stats.num_samples;
    b.num_series = m.stats.num_series;
    b.num_chunks = m.stats.num_chunks;
    b.compaction_level = m.level;
    b.compaction_sources = m.sources;
    b.version = m.version;
    out.push_back(std::move(b));
  }
  return out;
}

api::TsdbAdmin::WalReplay TsdbAdminAdapter::WalReplayStatus() {
  const tsdb::WalReplayStatus w = db_->WalReplay();
  return {w.min, w.max, w.current};
}

Result<std::string> TsdbAdminAdapter::Snapshot(bool skip_head) {
  if (dir_.empty())
    return Error(ErrorKind::kUnavailable, "snapshots need on-disk storage (--storage.in-memory is set)");
  const std::string name = SnapshotName();
  if (Status s = db_->Snapshot(dir_ + "/snapshots/" + name, !skip_head); !s.ok()) return s.error();
  return name;
}

Status TsdbAdminAdapter::Delete(int64_t mint, int64_t maxt,
                                const std::vector<std::vector<model::Matcher>>& matcher_sets) {
  for (const auto& set : matcher_sets) {
    if (Status s = db_->Delete(mint, maxt, set); !s.ok()) return s;
  }
  return {};
}

Status TsdbAdminAdapter::CleanTombstones() {
  return db_->CleanTombstones();
}

}  // namespace promref::server
