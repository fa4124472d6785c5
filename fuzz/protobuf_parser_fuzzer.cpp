// Fuzzes the protobuf exposition parser on untrusted scrape bodies:
//  - parsing never crashes, leaks, hangs or reads outside the body, whatever the options;
//  - every series it yields has a label set the storage accepts, every HELP text is UTF-8;
//  - the float series of a body that parses, written in the text format, parse to the same
//    series, values (bit for bit) and timestamps (NaNs and NUL bytes aside, which the text
//    format cannot carry as they are);
//  - with native histograms ignored no entry carries a histogram;
//  - keeping the classic series of native histograms only adds entries: when both parses
//    succeed, the default one is a subsequence of it (exemplars aside, whose positions the
//    classic series move).
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "exposition_checks.h"
#include "ingest/protobuf_parser.h"

namespace {

using promref::ingest::Entry;
using promref::ingest::EntryKind;
using promref::ingest::ProtobufOptions;

std::vector<Entry> Parse(std::string_view input, ProtobufOptions options, std::optional<std::string>* error) {
  const std::unique_ptr<promref::ingest::Parser> parser = promref::ingest::NewProtobufParser(input, options);
  return promref::fuzz::ParseChecked(*parser, input, error);
}

bool HasNul(const promref::model::Labels& labels) {
  for (const promref::model::LabelView& l : labels) {
    if (l.name.find('\0') != std::string_view::npos || l.value.find('\0') != std::string_view::npos)
      return true;
  }
  return false;
}

bool SameSample(const Entry& a, const Entry& b) {
  if (a.kind != b.kind) return false;
  if (a.kind != EntryKind::kSeries) return a.family == b.family && a.text == b.text && a.type == b.type;
  return a.labels == b.labels && a.timestamp_ms == b.timestamp_ms &&
         a.start_timestamp_ms == b.start_timestamp_ms && a.histogram_is_integer == b.histogram_is_integer &&
         (a.histogram ? b.histogram && std::bit_cast<uint64_t>(a.histogram->sum) ==
                                           std::bit_cast<uint64_t>(b.histogram->sum)
                      : !b.histogram && std::bit_cast<uint64_t>(a.value) == std::bit_cast<uint64_t>(b.value));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;  // long bodies add nothing but time
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::optional<std::string> error;
  const std::vector<Entry> entries = Parse(input, {}, &error);
  if (!error) {
    std::vector<Entry> floats;
    for (const Entry& e : entries) {
      // NaNs keep their payload here but read back as Prometheus' one NaN from text, and the
      // text format cannot carry NUL bytes in names and values.
      if (e.kind == EntryKind::kSeries && !e.histogram && !std::isnan(e.value) && !HasNul(e.labels)) {
        floats.push_back(e);
      }
    }
    promref::fuzz::CheckTextRoundTrip(floats, input);
  }

  std::optional<std::string> ignored_error;
  for (const Entry& e : Parse(input, {.ignore_native_histograms = true}, &ignored_error)) {
    if (e.histogram || !e.histogram_exemplars.empty())
      promref::fuzz::Fail("histogram with native ones ignored", input);
  }

  std::optional<std::string> kept_error;
  const std::vector<Entry> kept = Parse(input, {.keep_classic_histograms = true}, &kept_error);
  if (!error && !kept_error) {
    size_t i = 0;
    for (const Entry& e : kept) {
      if (i < entries.size() && SameSample(entries[i], e)) ++i;
    }
    if (i != entries.size()) promref::fuzz::Fail("keeping classic histograms lost an entry", input);
  }
  return 0;
}
