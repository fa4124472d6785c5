#include "otlp/name_translation.h"

#include <algorithm>
#include <map>
#include <vector>

#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::otlp {
namespace {

using model::AppendRune;
using model::kRuneError;

bool IsCompliantMetricChar(char32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == ':';
}

bool IsCompliantLabelChar(char32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// strings.FieldsFunc: the non-empty runs of runes between separators.
template <typename Sep>
std::vector<std::string> Fields(std::string_view s, Sep is_sep) {
  std::vector<std::string> out;
  std::string cur;
  bool in_field = false;
  size_t i = 0;
  while (i < s.size()) {
    const auto [r, w] = DecodeRune(s.substr(i));
    if (is_sep(r)) {
      if (in_field) out.push_back(std::move(cur));
      cur.clear();
      in_field = false;
    } else {
      cur.append(s.substr(i, w));
      in_field = true;
    }
    i += w;
  }
  if (in_field) out.push_back(std::move(cur));
  return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

bool UnderscoresOnly(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '_'; });
}

bool HasSuffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsGoSpace(char32_t r) {
  return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == 0x85 ||
         r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
         r == 0x202f || r == 0x205f || r == 0x3000;
}

// strings.TrimSpace.
std::string_view TrimSpace(std::string_view s) {
  while (!s.empty()) {
    const auto [r, w] = DecodeRune(s);
    if (!IsGoSpace(r) || (r == kRuneError && w == 1)) break;
    s.remove_prefix(w);
  }
  while (!s.empty()) {
    // The last rune: step back over continuation bytes (at most 3).
    size_t start = s.size() - 1;
    while (start > 0 && s.size() - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
      --start;
    auto [r, w] = DecodeRune(s.substr(start));
    if (start + w != s.size()) {
      r = kRuneError;
      w = 1;
    }
    if (!IsGoSpace(r)) break;
    s.remove_suffix(w);
  }
  return s;
}

std::string_view UnitOr(std::string_view unit) {
  static const std::map<std::string_view, std::string_view> kUnits = {
      {"d", "days"},
      {"h", "hours"},
      {"min", "minutes"},
      {"s", "seconds"},
      {"ms", "milliseconds"},
      {"us", "microseconds"},
      {"ns", "nanoseconds"},
      {"By", "bytes"},
      {"KiBy", "kibibytes"},
      {"MiBy", "mebibytes"},
      {"GiBy", "gibibytes"},
      {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},
      {"MBy", "megabytes"},
      {"GBy", "gigabytes"},
      {"TBy", "terabytes"},
      {"m", "meters"},
      {"V", "volts"},
      {"A", "amperes"},
      {"J", "joules"},
      {"W", "watts"},
      {"g", "grams"},
      {"Cel", "celsius"},
      {"Hz", "hertz"},
      {"1", ""},
      {"%", "percent"},
  };
  auto it = kUnits.find(unit);
  return it == kUnits.end() ? unit : it->second;
}

std::string_view PerUnitOr(std::string_view unit) {
  static const std::map<std::string_view, std::string_view> kPerUnits = {
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
      {"w", "week"},   {"mo", "month"}, {"y", "year"},
  };
  auto it = kPerUnits.find(unit);
  return it == kPerUnits.end() ? unit : it->second;
}

bool HasBraces(std::string_view s) {
  return s.find_first_of("{}") != std::string_view::npos;
}

// buildUnitSuffixes: the main unit's and the "per_" unit's names.
std::pair<std::string, std::string> UnitSuffixes(std::string_view unit) {
  std::string main, per;
  const size_t slash = unit.find('/');
  const std::string_view main_otel = TrimSpace(unit.substr(0, slash));
  if (!main_otel.empty() && !HasBraces(main_otel)) main = std::string(UnitOr(main_otel));
  if (slash != std::string_view::npos && slash + 1 < unit.size()) {
    const std::string_view per_otel = TrimSpace(unit.substr(slash + 1));
    if (!per_otel.empty() && !HasBraces(per_otel)) per = std::string(PerUnitOr(per_otel));
    if (!per.empty()) per = "per_" + per;
  }
  return {main, per};
}

std::string CollapseUnderscores(std::string_view s) {
  std::string out;
  bool prev = false;
  for (char c : s) {
    if (c == '_') {
      if (!prev) out.push_back(c);
      prev = true;
    } else {
      out.push_back(c);
      prev = false;
    }
  }
  return out;
}

// cleanUpUnit: invalid runes as '_', runs of '_' collapsed, a leading '_' dropped.
std::string CleanUpUnit(std::string_view unit) {
  std::string mapped;
  size_t i = 0;
  while (i < unit.size()) {
    const auto [r, w] = DecodeRune(unit.substr(i));
    if (IsCompliantMetricChar(r)) {
      AppendRune(&mapped, r);
    } else {
      mapped.push_back('_');
    }
    i += w;
  }
  std::string out = CollapseUnderscores(mapped);
  if (!out.empty() && out[0] == '_') out.erase(0, 1);
  return out;
}

std::vector<std::string> Without(const std::vector<std::string>& tokens, std::string_view value) {
  std::vector<std::string> out;
  for (const auto& t : tokens) {
    if (t != value) out.push_back(t);
  }
  return out;
}

std::string NormalizeName(std::string_view name, std::string_view unit, NameMetricType type) {
  std::vector<std::string> tokens = Fields(name, [](char32_t r) { return !IsCompliantMetricChar(r); });
  auto [main, per] = UnitSuffixes(unit);
  main = CleanUpUnit(main);
  per = CleanUpUnit(per);
  // addUnitTokens
  if (std::find(tokens.begin(), tokens.end(), main) != tokens.end()) main.clear();
  if (per == "per_") {
    per.clear();
  } else {
    if (HasSuffix(per, "_")) per.pop_back();
    if (std::find(tokens.begin(), tokens.end(), per) != tokens.end()) per.clear();
  }
  if (!per.empty() && HasSuffix(main, "_")) main.pop_back();
  if (!main.empty()) tokens.push_back(main);
  if (!per.empty()) tokens.push_back(per);
  if (type == NameMetricType::kMonotonicCounter) {
    tokens = Without(tokens, "total");
    tokens.push_back("total");
  }
  if (unit == "1" && type == NameMetricType::kGauge) {
    tokens = Without(tokens, "ratio");
    tokens.push_back("ratio");
  }
  std::string out = Join(tokens, "_");
  if (!out.empty() && IsDigit(out[0])) out = "_" + out;
  return out;
}

std::string TrimSuffixAndDelimiter(std::string name, std::string_view suffix) {
  if (HasSuffix(name, suffix) && name.size() > suffix.size() + 1)
    name.resize(name.size() - (suffix.size() + 1));
  return name;
}

}  // namespace

std::pair<char32_t, size_t> DecodeRune(std::string_view s) {
  if (s.empty()) return {model::kRuneError, 0};
  char32_t r = 0;
  const int width = model::DecodeRune(s, &r);
  return {r, static_cast<size_t>(width)};
}

bool StrategyEscapes(std::string_view s) {
  return s == "UnderscoreEscapingWithSuffixes" || s == "UnderscoreEscapingWithoutSuffixes";
}

bool StrategyAddsSuffixes(std::string_view s) {
  return s == "UnderscoreEscapingWithSuffixes" || s == "NoUTF8EscapingWithSuffixes";
}

Result<std::string> MetricNamer::Build(std::string_view name, std::string_view unit,
                                       NameMetricType type) const {
  if (utf8_allowed) {
    std::string out(name);
    if (!with_suffixes) return out;
    const bool ratio = unit == "1" && type == NameMetricType::kGauge;
    const bool total = type == NameMetricType::kMonotonicCounter;
    if (ratio) out = TrimSuffixAndDelimiter(out, "ratio");
    if (total) out = TrimSuffixAndDelimiter(out, "total");
    const auto [main, per] = UnitSuffixes(unit);
    if (!per.empty()) out = TrimSuffixAndDelimiter(out, per);
    if (!main.empty() && !HasSuffix(out, main)) out += "_" + main;
    // The deferred suffixes, last registered first.
    if (!per.empty()) out += "_" + per;
    if (total) out += "_total";
    if (ratio) out += "_ratio";
    return out;
  }
  std::string out;
  if (with_suffixes) {
    out = NormalizeName(name, unit, type);
  } else {
    out = Join(Fields(name, [](char32_t r) { return !IsCompliantMetricChar(r) && r != '_'; }), "_");
    if (!out.empty() && IsDigit(out[0])) out = "_" + out;
  }
  if (out.empty())
    return BadData("normalization for metric " + model::GoQuote(name) + " resulted in empty name");
  if (out != name && UnderscoresOnly(out)) {
    return BadData("normalization for metric " + model::GoQuote(name) + " resulted in invalid name " +
                   model::GoQuote(out));
  }
  return out;
}

Result<std::string> LabelNamer::Build(std::string_view label) const {
  if (label.empty()) return BadData("label name is empty");
  if (utf8_allowed) {
    if (UnderscoresOnly(label))
      return BadData("label name " + model::GoQuote(label) + " contains only underscores");
    return std::string(label);
  }
  std::string out;
  if (preserve_multiple_underscores) {
    size_t i = 0;
    while (i < label.size()) {
      const auto [r, w] = DecodeRune(label.substr(i));
      if (IsCompliantLabelChar(r)) {
        AppendRune(&out, r);
      } else {
        out.push_back('_');
      }
      i += w;
    }
  } else {
    std::string_view name = label;
    const bool reserved = name.size() >= 4 && HasPrefix(name, "__") && HasSuffix(name, "__");
    if (reserved) name = name.substr(2, name.size() - 4);
    bool prev_underscore = false;
    size_t i = 0;
    while (i < name.size()) {
      const auto [r, w] = DecodeRune(name.substr(i));
      if (IsCompliantLabelChar(r)) {
        AppendRune(&out, r);
        prev_underscore = false;
      } else if (!prev_underscore) {
        out.push_back('_');
        prev_underscore = true;
      }
      i += w;
    }
    if (reserved) out = "__" + out + "__";
  }
  if (!out.empty() && IsDigit(out[0])) {
    out = "key_" + out;
  } else if (underscore_sanitization && HasPrefix(out, "_") && !HasPrefix(out, "__")) {
    out = "key" + out;
  }
  if (UnderscoresOnly(out)) {
    return BadData("normalization for label name " + model::GoQuote(label) + " resulted in invalid name " +
                   model::GoQuote(out));
  }
  return out;
}

std::string BuildUnit(std::string_view unit, bool utf8_allowed) {
  auto [main, per] = UnitSuffixes(unit);
  if (!utf8_allowed) {
    main = CleanUpUnit(main);
    per = CleanUpUnit(per);
  }
  std::string u;
  if (!main.empty() && !per.empty()) {
    u = main + "_" + per;
  } else if (!main.empty()) {
    u = main;
  } else {
    u = per;
  }
  if (!u.empty() && u[0] == '_') u.erase(0, 1);
  if (!u.empty() && u.back() == '_') u.pop_back();
  return u;
}

}  // namespace promref::otlp
