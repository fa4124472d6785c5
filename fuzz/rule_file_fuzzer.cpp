// Fuzzes rule file loading (reference_server/rules/rule_file) with arbitrary file contents:
//  - nothing crashes, leaks or hangs, whatever the YAML;
//  - a file either loads or reports errors, each prefixed with the file name as rulefmt words it;
//  - a file that loads has only groups and rules that validation accepts: a name, exactly one of
//    record and alert, an expression.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rules/rule_file.h"
#include "rules/templates.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rule_file_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace promref::rules;
  if (size > 65536) return 0;
  RuleFileOptions o;
  o.check_template = CheckAlertTemplate;
  const auto parsed = ParseRuleFile("f.yml", std::string(reinterpret_cast<const char*>(data), size), o);
  for (const auto& e : parsed.errors) Check(e.rfind("f.yml: ", 0) == 0, "an error without the file name");
  if (!parsed.ok()) return 0;
  for (const auto& g : parsed.groups) {
    Check(!g.name.empty(), "a group without a name loaded");
    for (const auto& r : g.rules) {
      Check(r.record.empty() != r.alert.empty(), "a rule without exactly one of record and alert loaded");
      Check(!r.expr.empty(), "a rule without an expression loaded");
    }
  }
  return 0;
}
