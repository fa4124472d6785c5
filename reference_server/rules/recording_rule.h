// A recording rule: its expression's result, renamed to the rule's name and labelled with its
// labels, is written back as new series (Prometheus' rules.RecordingRule).
#pragma once

#include "rules/rule.h"

namespace promref::rules {

class RecordingRule final : public Rule {
 public:
  using Rule::Rule;
  bool is_alerting() const override { return false; }
  // Errors: the query's, "vector contains metrics with the same labelset after applying rule
  // labels", "exceeded limit of N with M series".
  Result<promql::Vector> Eval(const EvalContext& ctx) override;
};

}  // namespace promref::rules
