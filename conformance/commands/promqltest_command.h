// `promconform promqltest ...`: runs promqltest scripts (Prometheus' PromQL test format) and
// reports per file and in total how many evaluations passed, failed and were skipped.
#pragma once

#include <string>
#include <vector>

namespace promconform {

// Runs `promqltest [flags] FILES...` (args[0] is "promqltest"); returns the process exit code:
// 0 all evaluations that ran passed (or, with --known-failures, exactly the listed ones
// failed), 1 otherwise, 2 for a usage error.
int RunPromqltestCommand(const std::vector<std::string>& args);

}  // namespace promconform
