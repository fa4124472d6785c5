// The `--name value` flags (and bare `--name` switches) of the benchmark programs that are not
// Google Benchmark binaries.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace promref::bench {

using FlagSetters = std::map<std::string, std::function<void(const std::string& value)>>;
using Switches = std::map<std::string, bool*>;

// Applies every `--name value` pair of argv through `setters` and sets the bool of every bare
// `--name` in `switches` (`--legacy-peers`). False (after saying which) on a flag it does not know
// or one without a value.
inline bool ParseFlags(int argc, char** argv, const FlagSetters& setters, const Switches& switches = {}) {
  for (int i = 1; i < argc; ++i) {
    if (const auto sw = switches.find(argv[i]); sw != switches.end()) {
      *sw->second = true;
      continue;
    }
    const auto it = setters.find(argv[i]);
    if (it == setters.end() || i + 1 >= argc) {
      std::fprintf(stderr, "unknown flag or missing value: %s\n", argv[i]);
      return false;
    }
    it->second(argv[++i]);
  }
  return true;
}

}  // namespace promref::bench
