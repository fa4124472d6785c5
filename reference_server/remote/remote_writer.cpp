#include "remote/remote_writer.h"

#include <algorithm>
#include <chrono>

namespace promref::remote {

RemoteWriter::RemoteWriter(std::string wal_dir, std::string user_agent,
                           std::function<void(const std::string&)> log)
    : wal_dir_(std::move(wal_dir)), user_agent_(std::move(user_agent)), log_(std::move(log)) {}

RemoteWriter::~RemoteWriter() {
  Stop();
}

RemoteWriter::Endpoint RemoteWriter::Start(const config::RemoteWriteConfig& c,
                                           const model::Labels& external_labels) {
  const std::string who = c.name.empty() ? c.url : c.name;
  auto log = [log = log_, who](const std::string& line) { log("remote_write " + who + ": " + line); };
  Endpoint e;
  e.queue = std::make_unique<QueueManager>(c, external_labels, user_agent_, log);
  e.queue->Start();
  // As Prometheus: what the WAL held before the queue started is not sent again.
  const int64_t start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  e.watcher = std::make_unique<WalWatcher>(wal_dir_, e.queue.get(), start_ms, log);
  e.watcher->Start();
  return e;
}

void RemoteWriter::ApplyConfig(const std::vector<config::RemoteWriteConfig>& configs,
                               const model::Labels& external_labels) {
  std::lock_guard lock(mu_);
  const bool labels_changed = external_labels != external_labels_;
  external_labels_ = external_labels;
  std::vector<Endpoint> next;
  for (const auto& c : configs) {
    auto same = std::find_if(endpoints_.begin(), endpoints_.end(), [&](const Endpoint& e) {
      return e.queue && config::SameRemoteWriteConfig(e.queue->config(), c);
    });
    if (same != endpoints_.end() && !labels_changed) {
      next.push_back(std::move(*same));
      continue;
    }
    next.push_back(Start(c, external_labels));
  }
  for (auto& e : endpoints_) {     // the ones not carried over
    if (e.queue) e.queue->Stop();  // first: it releases a watcher waiting on a full queue
    if (e.watcher) e.watcher->Stop();
  }
  endpoints_ = std::move(next);
}

void RemoteWriter::Stop() {
  std::lock_guard lock(mu_);
  for (auto& e : endpoints_) {
    e.queue->Stop();  // first: it releases a watcher waiting on a full queue
    e.watcher->Stop();
  }
  endpoints_.clear();
}

std::vector<const QueueManager*> RemoteWriter::Queues() const {
  std::lock_guard lock(mu_);
  std::vector<const QueueManager*> out;
  for (const auto& e : endpoints_) out.push_back(e.queue.get());
  return out;
}

}  // namespace promref::remote
