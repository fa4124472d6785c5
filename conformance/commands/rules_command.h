// `promconform rules`: rules and alerts of a target that evaluates them (Prometheus, promref, a
// ruler behind a profile), checked against answers recorded from Prometheus 3.16 and against
// the timing laws of `for` and keep_firing_for (see rules_suite/rule_scenario.h).
//
//   promconform rules [--target embedded|PROFILE|URL] [--expected FILE] [--record FILE]
//                     [--report-dir DIR] [--report-name NAME] [--format F,...] [target options]
//   promconform rules --print-rules   (the rule file to install on a target)
//
// Launched targets (embedded promref, the prometheus-3 and prometheus profiles) get the suite's
// rule file installed; any other target must have fixtures/rules/promconform_rules.yml loaded
// already (the command says so when its rules API does not show them). The data goes in by
// remote write. --record writes the observation as the expected answers instead of judging.
// Exit codes: 0 all passed, 1 failures, 2 usage, 3 the harness could not run.
#pragma once

#include <string>
#include <vector>

namespace promconform {

// args[0] is "rules"; returns the process exit code.
int RunRulesCommand(const std::vector<std::string>& args);

}  // namespace promconform
