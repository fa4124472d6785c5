// A main() for fuzz targets built without libFuzzer: replays inputs through
// LLVMFuzzerTestOneInput so that the test suite (under ASan/UBSan) keeps every target compiling
// and runs it over its seed corpus.
//
// usage: <target> FILE...   each FILE is one input, or, with the .input extension, one JSON
//                            string per line (the format of fixtures/promql/parse_corpus.input)
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
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
  return 0;
}
