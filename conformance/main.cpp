// promconform: a conformance harness for Prometheus-compatible endpoints.
#include <cstdio>
#include <string>
#include <vector>

#include "commands/promql_commands.h"
#include "commands/promqltest_command.h"

namespace {

constexpr const char* kUsage = R"(usage: promconform <command> [arguments]

commands:
  promql parse|format|record-corpus   PromQL front end (see `promconform promql`)
  promqltest [flags] FILE|DIR...      run promqltest scripts (see `promconform promqltest`)
  version                             print the version
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
  std::fputs(kUsage, stderr);
  return 2;
}
