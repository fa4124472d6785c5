// The `--name value` flags of the benchmark programs that are not Google Benchmark binaries.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace promref::bench {

using FlagSetters = std::map<std::string, std::function<void(const std::string& value)>>;

// Applies every `--name value` pair of argv through `setters`. False (after saying which) on a
// flag it does not know or one without a value.
inline bool ParseFlags(int argc, char** argv, const FlagSetters& setters) {
  for (int i = 1; i < argc; i += 2) {
    const auto it = setters.find(argv[i]);
    if (it == setters.end() || i + 1 >= argc) {
      std::fprintf(stderr, "unknown flag or missing value: %s\n", argv[i]);
      return false;
    }
    it->second(argv[i + 1]);
  }
  return true;
}

}  // namespace promref::bench
