// The rule manager (Prometheus' rules.Manager): loads rule files into groups, runs them, and on
// a reload keeps unchanged groups running, hands state over to changed ones and retires removed
// ones. A failed load changes nothing ("error loading rules, previous rule set restored").
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "promql/engine.h"
#include "promql/parser.h"
#include "rules/group.h"
#include "rules/rule_file.h"

namespace promref::rules {

struct ManagerConfig {
  std::vector<std::string> files;  // after globbing
  std::chrono::milliseconds evaluation_interval{60'000};
  model::Labels external_labels;
  std::string external_url;
  promql::ParseOptions parse;
  bool legacy_names = false;
};

class Manager {
 public:
  explicit Manager(std::shared_ptr<const GroupDeps> deps) : deps_(std::move(deps)) {}
  ~Manager();

  // Loads every file; on any error returns all of them (one per line, as Prometheus logs them)
  // and keeps the previous groups.
  Status Update(const ManagerConfig& config);
  // Groups sorted by file, then name.
  std::vector<std::shared_ptr<Group>> RuleGroups() const;
  void Stop();

  // Parses the files as Update would, without running anything (promtool check rules).
  static Result<std::vector<std::shared_ptr<Group>>> LoadGroups(const ManagerConfig& config,
                                                                bool should_restore,
                                                                std::shared_ptr<const GroupDeps> deps);

 private:
  std::shared_ptr<const GroupDeps> deps_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Group>> groups_;
  std::vector<std::shared_ptr<Group>> retired_;  // waiting to mark their series stale
  bool restored_ = false;
  bool stopped_ = false;
};

// rules.EngineQueryFunc: instant queries of `engine` over `storage`; a scalar becomes one sample
// without labels, any other non-vector result is "rule result is not a vector or scalar".
QueryFunc EngineQueryFunc(const promql::Engine* engine, storage::Storage* storage);

// Glob patterns of rule_files expanded as filepath.Glob does (no match: no files).
Result<std::vector<std::string>> GlobRuleFiles(const std::vector<std::string>& patterns);

}  // namespace promref::rules
