// `promconform fuzz`: the target's parsers fuzzed through its HTTP API (see fuzz/fuzz_runner.h).
//
//   promconform fuzz [--target URL|PROFILE|embedded] [--duration S] [--max-requests N] [--seed N]
//                    [--out DIR] [--experimental] [target options] [report options]
//
// Reports in every format (one case per finding, category fuzz/<oracle>; one passing case per
// oracle that never fired), reproducers in --out. Exit codes: 0 nothing found, 1 findings (those
// the profile declares unsupported do not count), 2 usage, 3 the harness could not run.
#pragma once

#include <string>
#include <vector>

namespace promconform {

// args[0] is "fuzz"; returns the process exit code.
int RunFuzzCommand(const std::vector<std::string>& args);

}  // namespace promconform
