#include "properties/laws.h"

namespace promconform::properties {

const std::vector<Law>& AllLaws() {
  static const std::vector<Law> laws = [] {
    std::vector<Law> out;
    AddEvaluationLaws(out);
    AddAggregationLaws(out);
    AddOperatorLaws(out);
    AddRangeLaws(out);
    AddLabelLaws(out);
    return out;
  }();
  return laws;
}

}  // namespace promconform::properties
