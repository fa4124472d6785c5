#include "tsdb/chunks/start_timestamps.h"

#include "tsdb/chunks/varbit.h"

namespace promref::tsdb {

StartTimestampColumn::StartTimestampColumn(uint16_t samples) {
  // Each earlier sample had no start timestamp: a 0 entry (one zero bit) apiece.
  BitWriter w(&buf_, &free_bits_);
  for (uint16_t i = 0; i < samples; ++i) w.WriteBit(false);
}

void StartTimestampColumn::Append(int64_t st) {
  BitWriter w(&buf_, &free_bits_);
  PutVarbitInt(w, WrapSub(st, prev_));
  prev_ = st;
}

void AppendStartTimestamp(std::unique_ptr<StartTimestampColumn>* column, uint16_t before, int64_t st) {
  if (st == 0 && !*column) return;
  if (!*column) *column = std::make_unique<StartTimestampColumn>(before);
  (*column)->Append(st);
}

std::string JoinStartTimestamps(std::string_view chunk, std::string_view column) {
  std::string out;
  out.reserve(chunk.size() + column.size() + 4);
  out.append(chunk);
  out.append(column);
  const auto n = static_cast<uint32_t>(chunk.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (24 - 8 * i)));
  return out;
}

bool SplitStartTimestamps(std::string_view bytes, std::string_view* chunk, std::string_view* column) {
  if (bytes.size() < 4) return false;
  const auto* t = reinterpret_cast<const uint8_t*>(bytes.data() + bytes.size() - 4);
  const uint32_t n = (uint32_t{t[0]} << 24) | (uint32_t{t[1]} << 16) | (uint32_t{t[2]} << 8) | t[3];
  if (n > bytes.size() - 4) return false;
  *chunk = bytes.substr(0, n);
  *column = bytes.substr(n, bytes.size() - 4 - n);
  return true;
}

namespace {

class ColumnIterator final : public storage::SampleIterator {
 public:
  ColumnIterator(std::unique_ptr<storage::SampleIterator> inner, std::string_view column)
      : inner_(std::move(inner)), r_(column) {}

  storage::ValueType Next() override {
    started_ = true;
    vt_ = corrupt_ ? storage::ValueType::kNone : inner_->Next();
    if (vt_ == storage::ValueType::kNone) return vt_;
    int64_t delta = 0;
    if (!ReadVarbitInt(r_, &delta)) {
      corrupt_ = true;
      return vt_ = storage::ValueType::kNone;
    }
    st_ = WrapAdd(st_, delta);
    return vt_;
  }
  // The column is read entry by entry, so seeking steps through the chunk (at most a chunk's
  // worth of samples).
  storage::ValueType Seek(int64_t t) override {
    if (started_ && (vt_ == storage::ValueType::kNone || inner_->AtT() >= t)) return vt_;
    while (Next() != storage::ValueType::kNone && inner_->AtT() < t) {
    }
    return vt_;
  }
  int64_t AtT() const override { return inner_->AtT(); }
  double AtFloat() const override { return inner_->AtFloat(); }
  const model::FloatHistogram& AtHistogram() const override { return inner_->AtHistogram(); }
  int64_t AtStartTimestamp() const override { return st_; }
  Status Err() const override {
    if (corrupt_)
      return Error(ErrorKind::kInternal, "chunk's start timestamp column is shorter than its samples");
    return inner_->Err();
  }

 private:
  std::unique_ptr<storage::SampleIterator> inner_;
  BitReader r_;
  int64_t st_ = 0;
  storage::ValueType vt_ = storage::ValueType::kNone;
  bool started_ = false;
  bool corrupt_ = false;
};

}  // namespace

std::unique_ptr<storage::SampleIterator> WithStartTimestampColumn(
    std::unique_ptr<storage::SampleIterator> inner, std::string_view column) {
  return std::make_unique<ColumnIterator>(std::move(inner), column);
}

}  // namespace promref::tsdb
