#include "rules/rule.h"

namespace promref::rules {

const char* HealthName(Health h) {
  switch (h) {
    case Health::kUnknown: return "unknown";
    case Health::kGood: return "ok";
    case Health::kBad: return "err";
  }
  return "unknown";
}

}  // namespace promref::rules
