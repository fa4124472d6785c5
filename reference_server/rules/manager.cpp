#include "rules/manager.h"

#include <glob.h>

#include <algorithm>
#include <map>

#include "promql/printer.h"
#include "rules/recording_rule.h"
#include "rules/templates.h"

namespace promref::rules {

namespace {

// Group labels first, the rule's own replace them (rules.FromMaps).
model::Labels MergeLabels(const NameValues& group, const NameValues& rule) {
  model::LabelsBuilder b;
  for (const auto& [k, v] : group) b.Set(k, v);
  for (const auto& [k, v] : rule) b.Set(k, v);
  return b.Build();
}

model::Labels ToLabels(const NameValues& nv) {
  model::LabelsBuilder b;
  for (const auto& [k, v] : nv) b.Set(k, v);
  return b.Build();
}

std::unique_ptr<Rule> MakeRule(const RuleSpec& r, const NameValues& group_labels, const ManagerConfig& c,
                               bool restored) {
  auto expr = promql::ParseExpr(r.expr, c.parse);
  const std::string query = expr.ok() ? promql::ToString(**expr) : r.expr;
  if (r.alert.empty())
    return std::make_unique<RecordingRule>(r.record, query, MergeLabels(group_labels, r.labels));
  AlertingRuleSpec spec;
  spec.name = r.alert;
  spec.query = query;
  spec.hold = std::chrono::milliseconds(r.for_ms);
  spec.keep_firing_for = std::chrono::milliseconds(r.keep_firing_for_ms);
  spec.labels = MergeLabels(group_labels, r.labels);
  spec.annotations = ToLabels(r.annotations);
  spec.external_labels = c.external_labels;
  spec.external_url = c.external_url;
  spec.restored = restored;
  return std::make_unique<AlertingRule>(std::move(spec));
}

}  // namespace

QueryFunc EngineQueryFunc(const promql::Engine* engine, storage::Storage* storage) {
  return [engine, storage](const std::string& q, int64_t ts) -> Result<promql::Vector> {
    auto r = engine->InstantQuery(*storage, q, ts);
    if (!r.status.ok()) return r.status.error();
    if (r.value.type == promql::ResultType::kScalar) {
      promql::Sample s;
      s.t = r.value.t;
      s.f = r.value.scalar;
      return promql::Vector{std::move(s)};
    }
    if (r.value.type != promql::ResultType::kVector) {
      return Error(ErrorKind::kExecution, "rule result is not a vector or scalar");
    }
    return std::move(r.value.vector);
  };
}

Result<std::vector<std::string>> GlobRuleFiles(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  for (const auto& pat : patterns) {
    glob_t g{};
    const int rc = ::glob(pat.c_str(), GLOB_NOSORT, nullptr, &g);
    if (rc == 0) {
      std::vector<std::string> found(g.gl_pathv, g.gl_pathv + g.gl_pathc);
      std::sort(found.begin(), found.end());  // filepath.Glob's order
      files.insert(files.end(), found.begin(), found.end());
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      return Error(ErrorKind::kBadData,
                   "error retrieving rule files for " + pat + ": syntax error in pattern");
    }
  }
  return files;
}

Result<std::vector<std::shared_ptr<Group>>> Manager::LoadGroups(const ManagerConfig& c, bool should_restore,
                                                                std::shared_ptr<const GroupDeps> deps) {
  RuleFileOptions opts;
  opts.parse = c.parse;
  opts.legacy_names = c.legacy_names;
  opts.check_template = CheckAlertTemplate;
  std::vector<std::shared_ptr<Group>> groups;
  std::vector<std::string> errors;
  for (const auto& file : c.files) {
    auto parsed = LoadRuleFile(file, opts);
    if (!parsed.ok()) {
      errors.insert(errors.end(), parsed.errors.begin(), parsed.errors.end());
      break;  // Prometheus stops at the first file with errors
    }
    for (const auto& g : parsed.groups) {
      std::vector<std::unique_ptr<Rule>> rules;
      for (const auto& r : g.rules) rules.push_back(MakeRule(r, g.labels, c, !should_restore));
      GroupSpecResolved spec{g.name, file,
                             g.interval_ms ? std::chrono::milliseconds(g.interval_ms) : c.evaluation_interval,
                             g.query_offset_ms, g.limit};
      groups.push_back(std::make_shared<Group>(std::move(spec), std::move(rules), should_restore, deps));
    }
  }
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return Error(ErrorKind::kBadData, msg);
  }
  return groups;
}

Manager::~Manager() {
  Stop();
}

Status Manager::Update(const ManagerConfig& c) {
  std::lock_guard lock(mu_);
  if (stopped_) return {};
  auto loaded = LoadGroups(c, !restored_, deps_);
  if (!loaded.ok()) return loaded.error();
  restored_ = true;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Group>> old;
  for (auto& g : groups_) old[{g->file(), g->name()}] = g;
  std::vector<std::shared_ptr<Group>> next;
  for (auto& g : *loaded) {
    auto it = old.find({g->file(), g->name()});
    if (it != old.end() && it->second->Equals(*g)) {
      next.push_back(it->second);  // unchanged: keeps running with its state
      old.erase(it);
      continue;
    }
    if (it != old.end()) {
      it->second->Stop();
      g->CopyState(*it->second);
      old.erase(it);
    }
    g->Start();
    next.push_back(g);
  }
  for (auto& [key, g] : old) {
    g->Retire();
    retired_.push_back(g);
  }
  retired_.erase(
      std::remove_if(retired_.begin(), retired_.end(), [](const auto& g) { return g->Finished(); }),
      retired_.end());
  std::sort(next.begin(), next.end(), [](const auto& a, const auto& b) {
    return std::tie(a->file(), a->name()) < std::tie(b->file(), b->name());
  });
  groups_ = std::move(next);
  return {};
}

std::vector<std::shared_ptr<Group>> Manager::RuleGroups() const {
  std::lock_guard lock(mu_);
  return groups_;
}

void Manager::Stop() {
  std::vector<std::shared_ptr<Group>> all;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    all = groups_;
    all.insert(all.end(), retired_.begin(), retired_.end());
  }
  for (auto& g : all) g->Stop();
}

}  // namespace promref::rules
