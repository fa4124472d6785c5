// OTLP metric, label and unit names as Prometheus 3.16 translates them (the rules of its
// github.com/prometheus/otlptranslator module, v1.0.0): the translation strategies, unit
// suffixes ("By" -> "bytes", "1/s" -> "per_second"), "_total" and "_ratio", and the
// underscore escaping of names outside the legacy character set.
#pragma once

#include <string>
#include <string_view>

#include "model/error.h"

namespace promref::otlp {

// otlptranslator.MetricType: what the name's suffixes depend on.
enum class NameMetricType {
  kUnknown,
  kNonMonotonicCounter,
  kMonotonicCounter,
  kGauge,
  kHistogram,
  kExponentialHistogram,
  kSummary,
};

// TranslationStrategyOption.ShouldEscape / ShouldAddSuffixes. An unknown strategy (or "") does
// neither, as in Prometheus.
bool StrategyEscapes(std::string_view strategy);
bool StrategyAddsSuffixes(std::string_view strategy);

struct MetricNamer {
  bool with_suffixes = true;
  bool utf8_allowed = false;
  // MetricNamer.Build. Errors (escaping only): a name that comes out empty or all underscores.
  Result<std::string> Build(std::string_view name, std::string_view unit, NameMetricType type) const;
};

struct LabelNamer {
  bool utf8_allowed = false;
  // "_x" becomes "key_x" (reserved "__x" names are kept).
  bool underscore_sanitization = false;
  // Keep runs of underscores that escaping produces (otherwise collapsed to one).
  bool preserve_multiple_underscores = false;
  // LabelNamer.Build. Errors: an empty name, or one that is (or escapes to) only underscores.
  Result<std::string> Build(std::string_view label) const;
};

// UnitNamer.Build: the unit as Prometheus' metadata shows it ("By/s" -> "bytes_per_second").
std::string BuildUnit(std::string_view unit, bool utf8_allowed);

// Go's utf8.DecodeRuneInString: the rune at s[0] and its width; an invalid or truncated
// sequence is U+FFFD of width 1.
std::pair<char32_t, size_t> DecodeRune(std::string_view s);

}  // namespace promref::otlp
