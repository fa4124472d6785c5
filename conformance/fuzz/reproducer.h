// Reproducers: each finding written as files a person can replay against the target.
//
//   <dir>/<NNN>-<oracle>.txt   what fired, the seed and mutation, a curl command line for the
//                              (minimised) request and the answer seen; for a crash, every
//                              request of the last batch, the one left unanswered first
//   <dir>/<NNN>-<oracle>.body  a raw body (remote write) as sent, for curl --data-binary @file
//   <dir>/<NNN>-<oracle>.http  the same request as a raw HTTP/1.1 message (for nc)
//   <dir>/<NNN>-<oracle>-<k>.value  a parameter value too long for a command line
//
// And the journal: the batch about to be sent, written before sending it to an in-process
// target, whose crash takes the fuzzer down with it (<dir>/inflight-batch.txt).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_runner.h"
#include "model/error.h"
#include "target/target.h"

namespace promconform::fuzz {

// Writes finding number `index`; returns the path of its .txt file.
promref::Result<std::string> WriteReproducer(const Finding& f, size_t index, const Target& target,
                                             const std::string& dir, uint64_t seed);

// The text of a finding's reproducer (what the .txt holds), with the files it refers to written
// by WriteReproducer; `stem` is the path without extension.
std::string ReproducerText(const Finding& f, const Target& target, const std::string& stem, uint64_t seed,
                           std::vector<std::pair<std::string, std::string>>* files);

promref::Status WriteJournal(const std::vector<FuzzRequest>& batch, const Target& target,
                             const std::string& dir);

}  // namespace promconform::fuzz
