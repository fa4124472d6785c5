// Rule files in Prometheus' YAML format (model/rulefmt): decoded strictly and validated as
// Prometheus 3.16 and `promtool check rules` do, with their error texts and positions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "promql/parser.h"

namespace promref::rules {

// Labels and annotations as written, sorted by name (a YAML mapping: names are unique).
using NameValues = std::vector<std::pair<std::string, std::string>>;

struct RuleSpec {
  std::string record;  // exactly one of record and alert is set in a valid file
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  NameValues labels;
  NameValues annotations;
};

struct GroupSpec {
  std::string name;
  int64_t interval_ms = 0;                 // 0: the global evaluation_interval
  std::optional<int64_t> query_offset_ms;  // unset: the global rule_query_offset
  int64_t limit = 0;                       // 0: no limit
  NameValues labels;                       // added to every rule's labels (the rule's win)
  std::vector<RuleSpec> rules;
};

struct RuleFileOptions {
  promql::ParseOptions parse;
  bool legacy_names = false;  // metric_name_validation_scheme: legacy
  // Checks that an alerting rule's label or annotation template parses; returns Prometheus'
  // error text or "" (template.Expander.ParseTest with the rule's name).
  std::function<std::string(const std::string& alert_name, const std::string& text)> check_template;
};

// Parses `content` (the text of `file`). On failure, every error Prometheus reports, each as
// its text prefixed with "<file>: " as rulefmt.ParseFile words it.
struct ParsedRuleFile {
  std::vector<GroupSpec> groups;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};
ParsedRuleFile ParseRuleFile(const std::string& file, const std::string& content,
                             const RuleFileOptions& options);
// Reads and parses a file; a read error reads as Go's ("open x: no such file or directory").
ParsedRuleFile LoadRuleFile(const std::string& file, const RuleFileOptions& options);

}  // namespace promref::rules
