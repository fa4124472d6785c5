// The known-failures file: the evaluations promref is known to fail, one per line,
//
//   <file>:<line> <category>: <short reason>
//
// ('#' comments and blank lines allowed). An entry is identified by <file>:<line> alone; the
// category and reason are for people (and for counting by category). A run agrees with the
// file when it fails exactly the listed evaluations: a new failure, or a listed evaluation
// that now passes (or is skipped), is a disagreement, so the number of passing evaluations
// can only go up and the file is regenerated when it does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "promqltest/runner.h"

namespace promref::promqltest {

struct KnownFailure {
  std::string file;
  int line = 0;
  std::string category;
  std::string reason;
  std::string Key() const { return file + ":" + std::to_string(line); }
};

Result<std::vector<KnownFailure>> ParseKnownFailures(std::string_view text);
Result<std::vector<KnownFailure>> ReadKnownFailuresFile(const std::string& path);

// The failures of a run, as entries (the reason is the first line of the message, shortened).
std::vector<KnownFailure> FailuresOf(const std::vector<ScriptReport>& reports);

// The whole file for a run: a header saying how to regenerate it, then one line per failure.
// A failure already listed in `keep` keeps that entry's category and reason (a person's
// explanation survives regeneration).
std::string FormatKnownFailures(const std::vector<ScriptReport>& reports,
                                const std::vector<KnownFailure>& keep = {});
// Writes FormatKnownFailures to `path`, keeping the reasons of the entries the file lists now.
Status WriteKnownFailuresFile(const std::string& path, const std::vector<ScriptReport>& reports);

struct KnownFailuresDiff {
  std::vector<KnownFailure> new_failures;       // failing now, not listed
  std::vector<KnownFailure> no_longer_failing;  // listed, but passed or skipped now
  bool ok() const { return new_failures.empty() && no_longer_failing.empty(); }
};
KnownFailuresDiff DiffKnownFailures(const std::vector<KnownFailure>& known,
                                    const std::vector<ScriptReport>& reports);

// Per-file and total passed/failed/skipped, then (with `list_failures`) each failure with its
// message, as the command and the test print them.
std::string FormatSummary(const std::vector<ScriptReport>& reports, bool list_failures);

}  // namespace promref::promqltest
