// `promconform properties`: laws checked against a target over random PromQL, and the same random
// expressions compared with a reference (see properties/runner.h).
//
//   promconform properties [--target URL|PROFILE|embedded] [--reference URL|PROFILE|embedded]
//                          [--seed N] [--cases N] [--filter LAW-GLOB] [--depth N] [--experimental]
//                          [--mode laws|differential|both] [--base T] [target options]
//                          [report options]
//
// Every failure is shrunk and printed as one line (the expression, both sides, curl commands).
// Reports in every format: one case per law (category properties/<law>), one per differential
// expression (properties/differential). Exit codes: 0 every law held and no difference, 1 a law
// failed, a difference was found or --min-score was not met, 2 usage, 3 the harness could not
// run (target unreachable, data never visible).
#pragma once

#include <string>
#include <vector>

namespace promconform {

// args[0] is "properties"; returns the process exit code.
int RunPropertiesCommand(const std::vector<std::string>& args);

}  // namespace promconform
