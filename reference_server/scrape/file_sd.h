// file_sd_configs: target groups read from JSON or YAML files (Prometheus' discovery/file).
//
// Each file holds a list of groups ({targets: [...], labels: {...}}; unknown fields are
// errors). A group's source is "<file>:<index>" and its labels get `__meta_filepath`. Files
// are globbed in their last path element. Prometheus watches the files with inotify and also
// re-reads them every refresh_interval; promref polls their modification times (cheap; a
// change is seen within a poll) and re-reads on refresh_interval too. A file that fails to
// read or parse keeps the groups it had, as in Prometheus.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/error.h"
#include "scrape/target_group.h"

namespace promref::scrape {

// The groups of one file's text; `path` decides the format by its extension.
Result<std::vector<TargetGroup>> ParseTargetGroupFile(const std::string& path, const std::string& text);

class FileDiscovery {
 public:
  explicit FileDiscovery(config::FileSdConfig config) : config_(std::move(config)) {}

  // Re-reads what changed (or everything, once refresh_interval passed). Returns true when
  // the groups changed. Read errors go to *errors.
  bool Refresh(std::chrono::steady_clock::time_point now, std::vector<std::string>* errors);
  // Every group of every file, files in name order.
  std::vector<TargetGroup> Groups() const;

 private:
  struct FileState {
    int64_t mtime_ns = -1;
    int64_t size = -1;
    std::vector<TargetGroup> groups;
  };
  std::vector<std::string> ListFiles() const;

  config::FileSdConfig config_;
  std::map<std::string, FileState> files_;
  std::chrono::steady_clock::time_point last_full_{};
};

}  // namespace promref::scrape
