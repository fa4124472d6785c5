// `promconform promqltest ...`: runs promqltest scripts (Prometheus' PromQL test format) in
// process or against a remote endpoint (remote_promqltest/), and reports per file and in total
// how many evaluations passed, failed and were skipped.
#pragma once

#include <string>
#include <vector>

namespace promconform {

// Runs `promqltest [flags] FILES...` (args[0] is "promqltest"), in process or with --target
// against an endpoint; returns the process exit code: 0 all evaluations that ran passed (or,
// with --known-failures, exactly the listed ones failed; or the score meets --min-score), 1
// otherwise, 2 for a usage error, 3 when the harness could not run.
int RunPromqltestCommand(const std::vector<std::string>& args);

}  // namespace promconform
