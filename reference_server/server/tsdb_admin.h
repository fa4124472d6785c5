// The API's view of a tenant's TSDB (api::TsdbAdmin over tsdb::DB): status pages, snapshots
// and deletion, translated between the two layers' types so that neither depends on the other.
#pragma once

#include <string>

#include "api/tenant.h"
#include "tsdb/db.h"

namespace promref::server {

class TsdbAdminAdapter final : public api::TsdbAdmin {
 public:
  // `db` must outlive the adapter. Snapshots go to <dir>/snapshots/<name>; an empty `dir`
  // (an in-memory DB) has nowhere to put them, so Snapshot fails as unavailable.
  TsdbAdminAdapter(tsdb::DB* db, std::string dir) : db_(db), dir_(std::move(dir)) {}

  TsdbStats Stats(size_t limit) override;
  std::vector<BlockInfo> Blocks() override;
  WalReplay WalReplayStatus() override;
  Result<std::string> Snapshot(bool skip_head) override;
  Status Delete(int64_t mint, int64_t maxt,
                const std::vector<std::vector<model::Matcher>>& matcher_sets) override;
  Status CleanTombstones() override;

 private:
  tsdb::DB* db_;
  std::string dir_;
};

}  // namespace promref::server
