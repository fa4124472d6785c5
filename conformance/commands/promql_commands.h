// `promconform promql ...`: parse, format and record-corpus.
#pragma once

#include <string>
#include <vector>

namespace promconform {

// Runs `promql <subcommand> ...`; returns the process exit code.
int RunPromqlCommand(const std::vector<std::string>& args);

}  // namespace promconform
