// A tenant: the data one client sees. Plain promref has one; vendor front doors (NHN Cloud
// projects, Tencent instances) map credentials to tenants, each with its own storage, so that
// no request can reach another tenant's data.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/matcher.h"
#include "storage/storage.h"

namespace promref::api {

// The TSDB operations behind /status/tsdb, /status/tsdb/blocks, /status/walreplay and the
// admin API; implemented by the TSDB adapter, absent for stores without them.
class TsdbAdmin {
 public:
  virtual ~TsdbAdmin() = default;
  struct NameValue {
    std::string name;
    uint64_t value = 0;
  };
  struct HeadStats {
    uint64_t num_series = 0;
    uint64_t num_label_pairs = 0;
    uint64_t chunk_count = 0;
    int64_t min_time = 0;
    int64_t max_time = 0;
  };
  struct TsdbStats {
    HeadStats head;
    std::vector<NameValue> series_count_by_metric_name;
    std::vector<NameValue> label_value_count_by_label_name;
    std::vector<NameValue> memory_in_bytes_by_label_name;
    std::vector<NameValue> series_count_by_label_value_pair;
  };
  struct BlockInfo {
    std::string ulid;
    int64_t min_time = 0;
    int64_t max_time = 0;
    uint64_t num_samples = 0;
    uint64_t num_series = 0;
    uint64_t num_chunks = 0;
    int compaction_level = 1;
    std::vector<std::string> compaction_sources;
    int version = 1;
  };
  struct WalReplay {
    int min = 0;
    int max = 0;
    int current = 0;
  };
  virtual TsdbStats Stats(size_t limit) = 0;
  virtual std::vector<BlockInfo> Blocks() = 0;
  virtual WalReplay WalReplayStatus() = 0;
  // Returns the snapshot's directory name.
  virtual Result<std::string> Snapshot(bool skip_head) = 0;
  virtual Status Delete(int64_t mint, int64_t maxt,
                        const std::vector<std::vector<model::Matcher>>& matcher_sets) = 0;
  virtual Status CleanTombstones() = 0;
};

struct Tenant {
  std::string id;
  storage::Storage* storage = nullptr;
  TsdbAdmin* admin = nullptr;  // null when the store has no TSDB operations
};

}  // namespace promref::api
