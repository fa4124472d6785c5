// Fuzzes the Prometheus text format parser on untrusted scrape bodies:
//  - parsing never crashes, leaks, hangs or reads outside the body;
//  - every series it yields has a label set the storage accepts (non-empty metric name,
//    sorted unique non-empty UTF-8 names and values), every HELP text is UTF-8;
//  - the series of a body that parses, written back in the text format, parse to the same
//    series, values (bit for bit) and timestamps.
#include <cstdint>
#include <string_view>

#include "exposition_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;  // long bodies add nothing but time
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::unique_ptr<promref::ingest::Parser> parser = promref::ingest::NewTextParser(input);
  std::optional<std::string> error;
  const auto entries = promref::fuzz::ParseChecked(*parser, input, &error);
  if (!error) promref::fuzz::CheckTextRoundTrip(entries, input);
  return 0;
}
