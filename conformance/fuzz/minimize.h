// Minimising a finding: the smallest request for which the same oracle still fires.
//
// Delta debugging (Zeller's ddmin, complement steps only): remove chunks of units (halves,
// quarters, ... single units) while the test still holds, caching what was tried. Every test
// is a request to the target, so each minimisation has a budget of tests and returns the
// smallest input found within it (1-minimal when the budget suffices).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "fuzz/fuzz_request.h"

namespace promconform::fuzz {

using TextTest = std::function<bool(const std::string&)>;

// The smallest concatenation of a sub-sequence of `units` (order kept) that passes `test`,
// within `*budget` tests (decremented). `test` must hold on the concatenation of all units.
std::vector<std::string> MinimizeUnits(std::vector<std::string> units, const TextTest& test, size_t* budget);

// Text shrunk at PromQL token level (promql) and then byte by byte.
std::string MinimizeText(const std::string& text, bool promql, const TextTest& test, size_t* budget);

using RequestTest = std::function<bool(const FuzzRequest&)>;

// A request shrunk: parameters dropped where the test still holds, then each value (PromQL at
// token level, the rest byte by byte); a raw body shrunk as Snappy-compressed protobuf (the
// decompressed bytes shrunk and compressed again) when it decompresses, then byte by byte.
FuzzRequest MinimizeRequest(FuzzRequest r, const RequestTest& test, size_t* budget);

}  // namespace promconform::fuzz
