// A main() for fuzz targets built without libFuzzer: replays inputs through
// LLVMFuzzerTestOneInput so that the test suite (under ASan/UBSan) keeps every target compiling
// and runs it over its seed corpus.
//
// usage: <target> PATH...   each PATH is one input; with the .input extension, one JSON string
//                            per line (the format of fixtures/promql/parse_corpus.input); a
//                            directory, every file in it (a libFuzzer corpus)
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i])) {
        if (e.is_regular_file()) paths.push_back(e.path().string());
      }
    } else {
      paths.push_back(argv[i]);
    }
  }
  size_t n = 0;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 1;
    }
    if (path.size() > 6 && path.substr(path.size() - 6) == ".input") {
      for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        Run(nlohmann::json::parse(line).get<std::string>());
        ++n;
      }
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      Run(ss.str());
      ++n;
    }
  }
  std::printf("replayed %zu inputs\n", n);
  return n > 0 ? 0 : 1;  // no input means a broken seed set, not a pass
}
