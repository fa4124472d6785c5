// `promconform record-histogram-bounds`: records the bounds a real Prometheus gives the
// exponential buckets of native histograms, for the table promref's bucket bounds come from.
#pragma once

#include <string>
#include <vector>

namespace promconform {

// Runs `record-histogram-bounds ...`; returns the process exit code.
int RunRecordHistogramBoundsCommand(const std::vector<std::string>& args);

}  // namespace promconform
