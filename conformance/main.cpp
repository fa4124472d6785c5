// promconform: a conformance harness for Prometheus-compatible endpoints.
#include <cstdio>
#include <string>
#include <vector>

#include "commands/fuzz_command.h"
#include "commands/harness_commands.h"
#include "commands/histogram_bounds_command.h"
#include "commands/promql_commands.h"
#include "commands/promqltest_command.h"
#include "commands/properties_command.h"
#include "commands/rules_command.h"

namespace {

constexpr const char* kUsage = R"(usage: promconform <command> [arguments]

commands:
  run      replay the recorded suite against a target and report (--target PROFILE|URL, --embedded)
  diff     compare a target with a live reference (--reference ... --target ...)
  record   record the suite's fixtures from a reference (default: a Prometheus 2.42 it starts)
  load     load the dataset into a target and print its base
  list     list the recorded cases
  report   rewrite reports from a JSON report
  compare  one report comparing several targets from their JSON reports
  promql parse|format|record-corpus   PromQL front end (see `promconform promql`)
  promqltest [--target T] FILE|DIR... run promqltest scripts in process or against a target
  properties --target T               PromQL laws on random queries, or a differential against --reference
  fuzz --target T                     fuzz the target's parsers through its API
  rules [--target T] [--record FILE]  rules and alerts against answers recorded from Prometheus 3.16
  record-histogram-bounds --reference prometheus-3 --out FILE   record native-histogram bucket bounds
  version  print the version

`promconform <command> --help` shows a command's options (`run --help` those of the harness).
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (args[0] == "version") {
    std::printf("promconform 0.1.0\n");
    return 0;
  }
  if (args[0] == "promql") return promconform::RunPromqlCommand(args);
  if (args[0] == "promqltest") return promconform::RunPromqltestCommand(args);
  if (args[0] == "properties") return promconform::RunPropertiesCommand(args);
  if (args[0] == "fuzz") return promconform::RunFuzzCommand(args);
  if (args[0] == "rules") return promconform::RunRulesCommand(args);
  if (args[0] == "record-histogram-bounds") return promconform::RunRecordHistogramBoundsCommand(args);
  for (const char* c : {"run", "diff", "record", "load", "list", "report", "compare"}) {
    if (args[0] == c) return promconform::RunHarnessCommand(args);
  }
  std::fputs(kUsage, stderr);
  return 2;
}
