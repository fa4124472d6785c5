#include "remote/wal_watcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "tsdb/wal/checkpoint.h"
#include "tsdb/wal/wal.h"

namespace promref::remote {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);

// A segment file read as it grows: complete records only, a partly written one waits.
class SegmentTail {
 public:
  enum class Result { kRecord, kEnd, kCorrupt };
  explicit SegmentTail(const std::string& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~SegmentTail() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  Result Next(std::string* record) {
    if (!Frame(record)) {
      Fill();
      if (!Frame(record)) return corrupt_ ? Result::kCorrupt : Result::kEnd;
    }
    return Result::kRecord;
  }

 private:
  void Fill() {
    char chunk[1 << 16];
    while (true) {
      const ssize_t n = pread(fd_, chunk, sizeof chunk, static_cast<off_t>(read_offset_));
      if (n <= 0) return;
      buf_.append(chunk, static_cast<size_t>(n));
      read_offset_ += static_cast<uint64_t>(n);
    }
  }
  bool Frame(std::string* record) {
    std::string_view rec;
    size_t size = 0;
    std::string reason;
    switch (tsdb::wal::ReadFrame(std::string_view(buf_).substr(pos_), &scratch_, &rec, &size, &reason)) {
      case tsdb::wal::FrameStatus::kIncomplete: return Compact(), false;  // still being written
      case tsdb::wal::FrameStatus::kCorrupt: corrupt_ = true; return false;
      case tsdb::wal::FrameStatus::kRecord: break;
    }
    record->assign(rec);
    pos_ += size;
    return true;
  }
  void Compact() {
    buf_.erase(0, pos_);
    pos_ = 0;
  }

  int fd_ = -1;
  uint64_t read_offset_ = 0;
  std::string buf_;
  std::string scratch_;  // a compressed record's payload, decompressed
  size_t pos_ = 0;
  bool corrupt_ = false;
};

std::vector<int> SegmentIndexes(const std::string& dir) {
  std::vector<int> out;
  auto segs = tsdb::wal::ListSegments(dir);
  if (!segs.ok()) return out;
  for (const auto& s : *segs) out.push_back(s.index);
  return out;
}

}  // namespace

WalWatcher::WalWatcher(std::string wal_dir, WalSink* sink, int64_t start_ms,
                       std::function<void(const std::string&)> log)
    : dir_(std::move(wal_dir)), sink_(sink), start_ms_(start_ms), log_(std::move(log)) {}

WalWatcher::~WalWatcher() {
  Stop();
}

void WalWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WalWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool WalWatcher::Sleep(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stop_; });
}

bool WalWatcher::Handle(std::string_view record, bool only_series) {
  using tsdb::wal::RecordType;
  switch (tsdb::wal::TypeOf(record)) {
    case RecordType::kSeries:
      series_buf_.clear();
      if (tsdb::wal::DecodeSeries(record, &series_buf_)) sink_->StoreSeries(series_buf_);
      return true;
    case RecordType::kSamples:
    case RecordType::kSamplesWithStart: {
      if (only_series) return true;
      samples_buf_.clear();
      if (!tsdb::wal::DecodeSamples(record, &samples_buf_)) return true;
      std::erase_if(samples_buf_, [&](const auto& s) { return s.t <= start_ms_; });
      return samples_buf_.empty() || sink_->AppendSamples(samples_buf_);
    }
    case RecordType::kHistograms:
    case RecordType::kHistogramsWithStart: {
      if (only_series) return true;
      histograms_buf_.clear();
      if (!tsdb::wal::DecodeHistograms(record, &histograms_buf_)) return true;
      std::erase_if(histograms_buf_, [&](const auto& h) { return h.t <= start_ms_; });
      return histograms_buf_.empty() || sink_->AppendHistograms(histograms_buf_);
    }
    case RecordType::kExemplars: {
      if (only_series) return true;
      exemplars_buf_.clear();
      if (!tsdb::wal::DecodeExemplars(record, &exemplars_buf_)) return true;
      std::erase_if(exemplars_buf_, [&](const auto& e) { return e.t <= start_ms_; });
      return exemplars_buf_.empty() || sink_->AppendExemplars(exemplars_buf_);
    }
    default: return true;  // tombstones and metadata are not sent
  }
}

bool WalWatcher::ReadCheckpoint() {
  const tsdb::wal::CheckpointRef cp = tsdb::wal::LastCheckpoint(dir_);
  if (cp.index < 0) return true;
  auto segs = tsdb::wal::ListSegments(cp.dir);
  if (!segs.ok()) return true;
  tsdb::wal::Reader reader(std::move(*segs));
  while (reader.Next()) {
    if (!Handle(reader.Record(), /*only_series=*/true)) return false;
  }
  return true;
}

bool WalWatcher::ReadSegment(int segment, bool only_series, bool tail) {
  current_segment_ = segment;
  SegmentTail file(dir_ + "/" + tsdb::wal::SegmentName(segment));
  if (!file.ok()) return true;  // truncated away meanwhile: the caller moves on
  std::string record;
  while (true) {
    switch (file.Next(&record)) {
      case SegmentTail::Result::kRecord:
        if (!Handle(record, only_series)) return false;
        continue;
      case SegmentTail::Result::kCorrupt:
        log_("WAL segment " + std::to_string(segment) + " is corrupt; skipping the rest of it");
        return true;
      case SegmentTail::Result::kEnd: break;
    }
    if (!tail) return true;
    const std::vector<int> segs = SegmentIndexes(dir_);
    if (!segs.empty() && segs.back() > segment) {
      // The TSDB moved on: what is left of this segment is complete; read it, then go on.
      while (file.Next(&record) == SegmentTail::Result::kRecord) {
        if (!Handle(record, only_series)) return false;
      }
      return true;
    }
    if (!Sleep(kPollInterval)) return false;
  }
}

void WalWatcher::Run() {
  if (!ReadCheckpoint()) return;
  std::vector<int> segs = SegmentIndexes(dir_);
  const int last = segs.empty() ? 0 : segs.back();
  int segment = segs.empty() ? 0 : segs.front();
  const tsdb::wal::CheckpointRef cp = tsdb::wal::LastCheckpoint(dir_);
  segment = std::max(segment, cp.index + 1);
  while (true) {
    if (!ReadSegment(segment, /*only_series=*/segment < last, /*tail=*/segment >= last)) return;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    // The next segment, once the TSDB has opened it (never the same one again: its records
    // were all handed over).
    while (true) {
      segs = SegmentIndexes(dir_);
      if (!segs.empty() && segs.front() > segment + 1) {
        // Truncated past us: pick up the series the checkpoint kept and carry on.
        log_("the WAL was truncated past segment " + std::to_string(segment) + "; re-reading the checkpoint");
        if (!ReadCheckpoint()) return;
      }
      if (!segs.empty() && segs.back() > segment) break;
      if (!Sleep(kPollInterval)) return;
    }
    auto next = std::upper_bound(segs.begin(), segs.end(), segment);
    segment = *next;
  }
}

}  // namespace promref::remote
