#include "tsdb/block/block.h"

#include <filesystem>

#include "tsdb/util/file.h"

namespace promref::tsdb {

namespace fs = std::filesystem;

namespace {

class BlockSource final : public SeriesSource {
 public:
  explicit BlockSource(std::shared_ptr<const Block> b) : b_(std::move(b)), meta_(b_->meta()) {}

  int64_t MinTime() const override { return meta_.min_time; }
  int64_t MaxTime() const override { return meta_.max_time - 1; }
  Postings Select(std::span<const model::Matcher> ms) const override {
    return PostingsForMatchers(b_->index(), ms);
  }
  void SortByLabels(Postings*) const override {}  // series are stored in label order
  Postings PostingsFor(std::string_view name, std::string_view value) const override {
    return b_->index().Get(name, value);
  }

  bool Series(uint64_t ref, int64_t mint, int64_t maxt, bool, model::Labels* labels,
              std::vector<ChunkMeta>* chunks, ChunkKeepalive*) const override {
    std::vector<ChunkMeta> all;
    if (!b_->index().Series(ref, labels, &all)) return false;
    for (ChunkMeta& m : all) {
      if (m.maxt < mint || m.mint > maxt) continue;
      // Chunk bytes are views into the map: fetching them is free, so always done.
      if (!b_->chunks().ChunkFast(m.ref, &m.enc, &m.data)) {
        m.enc = Encoding::kNone;  // iterating it reports the corruption
        m.data = {};
      }
      chunks->push_back(m);
    }
    return true;
  }

  Intervals TombstonesFor(uint64_t ref) const override { return b_->tombstones().Get(ref); }
  bool HasTombstones() const override { return !b_->tombstones().empty(); }
  std::vector<std::string> LabelNames() const override { return b_->index().LabelNames(); }
  std::vector<std::string> LabelValues(std::string_view name) const override {
    return b_->index().LabelValues(name);
  }

 private:
  std::shared_ptr<const Block> b_;
  BlockMeta meta_;
};

}  // namespace

Result<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  auto meta_json = ReadFile(dir + "/meta.json");
  if (!meta_json.ok()) return meta_json.error();
  auto meta = DecodeMeta(*meta_json);
  if (!meta.ok()) return meta.error().Prefixed(dir + ": ");
  auto index = BlockIndex::Open(dir + "/index");
  if (!index.ok()) return index.error();
  auto chunks = ChunkReader::Open(dir + "/chunks");
  if (!chunks.ok()) return chunks.error();
  std::shared_ptr<Block> b(new Block());
  b->dir_ = dir;
  b->meta_ = std::move(*meta);
  b->index_ = std::move(*index);
  b->chunks_ = std::move(*chunks);
  std::error_code ec;
  if (fs::exists(dir + "/tombstones", ec)) {
    auto raw = ReadFile(dir + "/tombstones");
    if (!raw.ok()) return raw.error();
    auto ts = Tombstones::Decode(*raw);
    if (!ts.ok()) return ts.error().Prefixed(dir + ": ");
    b->tombstones_ = std::move(*ts);
  }
  return b;
}

BlockMeta Block::meta() const {
  std::lock_guard lock(mu_);
  return meta_;
}

std::shared_ptr<const SeriesSource> Block::Source() const {
  return std::make_shared<BlockSource>(shared_from_this());
}

Result<bool> Block::Delete(int64_t mint, int64_t maxt, std::span<const model::Matcher> ms) {
  std::lock_guard lock(mu_);
  Tombstones updated = tombstones_;
  bool added = false;
  for (uint64_t ref : PostingsForMatchers(*index_, ms)) {
    model::Labels labels;
    std::vector<ChunkMeta> chunks;
    if (!index_->Series(ref, &labels, &chunks) || chunks.empty()) continue;
    const int64_t lo = std::max(mint, chunks.front().mint);
    const int64_t hi = std::min(maxt, chunks.back().maxt);
    if (lo > hi) continue;
    bool overlaps = false;
    for (const ChunkMeta& c : chunks) overlaps |= c.maxt >= lo && c.mint <= hi;
    if (!overlaps) continue;
    updated.Add(ref, {lo, hi});
    added = true;
  }
  if (!added) return false;
  if (Status s = WriteFileAtomic(dir_ + "/tombstones", updated.Encode()); !s.ok()) return s.error();
  BlockMeta m = meta_;
  m.stats.num_tombstones = 0;
  for (const auto& [ref, ivs] : updated.Snapshot()) m.stats.num_tombstones += ivs.items().size();
  if (Status s = WriteFileAtomic(dir_ + "/meta.json", EncodeMeta(m)); !s.ok()) return s.error();
  meta_ = std::move(m);
  tombstones_ = updated;
  return true;
}

uint64_t Block::Size() const {
  return DirSize(dir_);
}

}  // namespace promref::tsdb
