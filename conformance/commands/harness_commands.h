// The harness commands: record, run, diff, load, list, report.
//
//   promconform record [--reference URL|PROFILE] [--fixtures DIR]
//       Loads the dataset into the reference (default: a Prometheus 2.42 it starts itself),
//       asks it every case of the suite and writes the fixtures (requests plus normalised
//       answers, with the reference's version).
//   promconform run --target PROFILE|URL|embedded [--fixtures DIR] [report options]
//       Replays the fixtures against a target and reports.
//   promconform diff --reference URL|PROFILE|embedded --target URL|PROFILE|embedded [report options]
//       Asks both live and compares their answers.
//   promconform load --target PROFILE|URL [--base T]
//       Loads the dataset (for targets whose profile says remote_write: none, do it once this
//       way or by other means, then pass the printed base with --base or dataset_base).
//   promconform list [--fixtures DIR] [--filter GLOB]
//   promconform report --input RESULTS.json [--report-dir DIR] [--report-name NAME] [--format ...]
//
// Report options: --report-dir DIR (default ./promconform-reports), --report-name NAME (default
// the profile's name), --format text,json,junit,markdown,html|all (default all),
// --min-score FRACTION (exit 1 below it), --baseline RESULTS.json (exit 1 on any regression),
// --filter GLOB (over case ids and categories; repeatable), --claims VERSION, --concurrency N,
// --no-progress, --embedded (shorthand for --target embedded).
// Exit codes: 0 done (and gates met), 1 a gate failed, 2 usage, 3 the harness could not run.
#pragma once

#include <string>
#include <vector>

namespace promconform {

int RunHarnessCommand(const std::vector<std::string>& args);

}  // namespace promconform
