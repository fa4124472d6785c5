// Follows a TSDB's write-ahead log and hands its series and samples to a remote-write queue,
// as Prometheus' wlog.Watcher does.
//
// At start it reads the last checkpoint and every segment but the newest for series records
// only (so that later samples can be labelled), then tails the newest segment, and every
// segment after it as the TSDB opens them, handing over samples and histograms newer than
// the watcher's start time. The sink may block (a full queue): the watcher then simply falls
// behind in the WAL, which holds the data meanwhile, so an endpoint that is down costs disk,
// not memory, and loses nothing the WAL still holds. When the TSDB truncates the WAL under a
// watcher that fell that far behind, it re-reads the checkpoint and goes on from the first
// segment left, as Prometheus does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tsdb/wal/records.h"

namespace promref::remote {

class WalSink {
 public:
  virtual ~WalSink() = default;
  virtual void StoreSeries(const std::vector<tsdb::wal::RefSeries>& series) = 0;
  // May block until there is room; returns false when the sink is stopping.
  virtual bool AppendSamples(const std::vector<tsdb::wal::RefSample>& samples) = 0;
  virtual bool AppendHistograms(const std::vector<tsdb::wal::RefHistogram>& histograms) = 0;
  virtual bool AppendExemplars(const std::vector<tsdb::wal::RefExemplar>& exemplars) = 0;
};

class WalWatcher {
 public:
  // `start_ms`: samples at or before it are not handed over (they were there before).
  WalWatcher(
      std::string wal_dir, WalSink* sink, int64_t start_ms,
      std::function<void(const std::string&)> log = [](const std::string&) {});
  ~WalWatcher();  // Stop()

  void Start();
  void Stop();

  // For tests and metrics: the segment being read and whether the newest one is reached.
  int CurrentSegment() const { return current_segment_.load(); }

 private:
  void Run();
  bool ReadCheckpoint();
  // Reads `segment` to its end; with `tail`, keeps waiting for more until a newer segment
  // exists. Returns false when stopping.
  bool ReadSegment(int segment, bool only_series, bool tail);
  bool Handle(std::string_view record, bool only_series);
  bool Sleep(std::chrono::milliseconds d);

  const std::string dir_;
  WalSink* const sink_;
  const int64_t start_ms_;
  std::function<void(const std::string&)> log_;
  std::atomic<int> current_segment_{-1};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  std::vector<tsdb::wal::RefSeries> series_buf_;
  std::vector<tsdb::wal::RefSample> samples_buf_;
  std::vector<tsdb::wal::RefHistogram> histograms_buf_;
  std::vector<tsdb::wal::RefExemplar> exemplars_buf_;
};

}  // namespace promref::remote
