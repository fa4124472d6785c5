// Laws: properties every correct Prometheus server satisfies, checked against one target.
//
// A law takes a generated expression of its shape and a trial's parameters (evaluation times, a
// duration, a label, a constant...), asks the target what it needs and says whether the law held.
// A law never compares the target with anything but itself. It is skipped for a trial where its
// premise is not met (the expression is an error on the target, or the law's extra conditions
// do not hold): only the trials where it was checked count.
//
// Floats are compared with the profile's tolerance (ValuesEqual), widened by a tiny absolute
// margin where a law's two sides sum the same numbers in a different order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "profiles/profile.h"
#include "properties/generator.h"
#include "properties/query.h"

namespace promconform::properties {

// The parameters of one trial, drawn before the expression is checked and kept while it is shrunk.
struct Trial {
  std::string expr;       // canonical text of the generated expression
  int64_t t = 0;          // evaluation time (absolute ms)
  int64_t t2 = 0;         // another evaluation time
  int64_t d = 0;          // a duration (ms), may be negative (offsets)
  int64_t step = 0;       // a range query or subquery step (ms, whole seconds)
  int64_t range = 0;      // a range (ms)
  int k = 1;              // topk's k
  double phi = 0.5;       // a quantile
  double c = 0;           // a comparison constant
  std::string label;      // a label name from the vocabulary
  std::string cmp = ">";  // a comparison operator
};

struct Outcome {
  enum Status { kHold, kFail, kSkip };
  Status status = kHold;
  std::string detail;             // why it failed (or was skipped)
  std::string lhs, rhs;           // the two sides, one line each
  std::vector<std::string> curl;  // the requests that show it

  static Outcome Hold() { return {}; }
  static Outcome Skip(std::string why) { return {kSkip, std::move(why), "", "", {}}; }
};

struct LawContext {
  QueryClient& q;
  ValueTolerance tolerance;
  int64_t base_ms = 0;
  bool v3 = true;  // the target claims Prometheus 3.x (3.x-only syntax may be used)
};

struct Law {
  std::string name;       // "instant-equals-range-step"
  std::string statement;  // one line
  Shape shape = Shape::kVector;
  // Whether the expression suits the law (checked on generation and on every shrink step).
  std::function<bool(const promref::promql::Expr&)> accepts;
  std::function<Outcome(LawContext&, const Trial&)> check;
};

// Every law, in a fixed order (report order).
const std::vector<Law>& AllLaws();

// Law families, each in its own file.
void AddEvaluationLaws(std::vector<Law>& out);   // laws_evaluation.cpp: times, offset, @, HTTP
void AddAggregationLaws(std::vector<Law>& out);  // laws_aggregation.cpp
void AddOperatorLaws(std::vector<Law>& out);     // laws_operators.cpp: binary and set operators
void AddRangeLaws(std::vector<Law>& out);        // laws_range.cpp: range functions, subqueries
void AddLabelLaws(std::vector<Law>& out);        // laws_labels.cpp: matchers, label functions

}  // namespace promconform::properties
