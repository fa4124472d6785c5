#include "tsdb/chunks/chunk.h"

#include "tsdb/chunks/decimal.h"
#include "tsdb/chunks/histogram_chunk.h"
#include "tsdb/chunks/native_histogram_chunk.h"
#include "tsdb/chunks/start_timestamps.h"
#include "tsdb/chunks/xor.h"

namespace promref::tsdb {
namespace {

class ErrIterator final : public storage::SampleIterator {
 public:
  explicit ErrIterator(std::string msg) : msg_(std::move(msg)) {}
  storage::ValueType Next() override { return storage::ValueType::kNone; }
  storage::ValueType Seek(int64_t) override { return storage::ValueType::kNone; }
  int64_t AtT() const override { return 0; }
  double AtFloat() const override { return 0; }
  const model::FloatHistogram& AtHistogram() const override { return h_; }
  Status Err() const override { return Error(ErrorKind::kInternal, msg_); }

 private:
  std::string msg_;
  model::FloatHistogram h_;
};

}  // namespace

std::unique_ptr<storage::SampleIterator> NewChunkIterator(Encoding enc, std::string_view bytes) {
  if (HasStartTimestamps(enc)) {
    std::string_view chunk, column;
    if (!SplitStartTimestamps(bytes, &chunk, &column)) {
      return std::make_unique<ErrIterator>("chunk with start timestamps has a bad length trailer");
    }
    return WithStartTimestampColumn(NewChunkIterator(BaseEncoding(enc), chunk), column);
  }
  switch (enc) {
    case Encoding::kXor: return std::make_unique<XorIterator>(bytes);
    case Encoding::kHistogram: return std::make_unique<HistogramIterator>(bytes);
    case Encoding::kDecimal: return std::make_unique<DecimalIterator>(bytes);
    case Encoding::kIntHistogram:
      return std::make_unique<HistogramChunkIterator>(model::HistogramChunkKind::kInteger, bytes);
    case Encoding::kFloatHistogram:
      return std::make_unique<HistogramChunkIterator>(model::HistogramChunkKind::kFloat, bytes);
    case Encoding::kNone: break;
  }
  return std::make_unique<ErrIterator>("unknown chunk encoding " + std::to_string(static_cast<int>(enc)));
}

}  // namespace promref::tsdb
