#include "relabel/go_yaml.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "model/go_strconv.h"
#include "relabel/regexp.h"

namespace promref::relabel {
namespace {

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

bool IsNullWord(std::string_view s) {
  return IsOneOf(s, {"", "~", "null", "Null", "NULL"});
}

bool IsBoolWord(std::string_view s) {
  return IsOneOf(s, {"y", "Y", "yes", "Yes", "YES", "on",  "On",  "ON",  "true",  "True",  "TRUE",
                     "n", "N", "no",  "No",  "NO",  "off", "Off", "OFF", "false", "False", "FALSE"});
}

bool IsSpecialFloatWord(std::string_view s) {
  return IsOneOf(s, {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                     "-.Inf", "-.INF"});
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// yaml.v2's shape of a float (other texts Go's ParseFloat takes, like "inf", are strings).
bool IsYamlStyleFloat(std::string_view s) {
  static const Regexp& kFloat =
      *new Regexp(*Regexp::Compile(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)"));
  return kFloat.Matches(s);
}

// strconv.ParseUint(s, 0, 64).
std::optional<uint64_t> ParseUintBase0(std::string_view s) {
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    const char prefix = static_cast<char>(s[1] | 0x20);  // lower-cased
    const bool letter = prefix == 'x' || prefix == 'o' || prefix == 'b';
    base = prefix == 'x' ? 16 : prefix == 'b' ? 2 : 8;  // a bare leading 0 is octal too
    s.remove_prefix(letter ? 2 : 1);
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// What a plain scalar's text resolves to: an int (as int64 or uint64), a float, or neither.
struct Number {
  std::string_view tag;  // "!!int" or "!!float"
  std::optional<int64_t> int_value;
  std::optional<uint64_t> uint_value;
  double float_value = 0;
};

std::optional<Number> ResolveNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (IsSpecialFloatWord(text)) {
    const bool nan = text[1] == 'n' || text[1] == 'N';  // ".nan", ".NaN", ".NAN"
    const double inf = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    return Number{"!!float", std::nullopt, std::nullopt, nan ? std::nan("") : inf};
  }
  if (text[0] == '.') {  // ".5"
    const model::ParsedFloat f = model::ParseFloat(text);
    if (f.ok()) return Number{"!!float", std::nullopt, std::nullopt, f.value};
    return std::nullopt;
  }
  if (!IsDigit(text[0]) && text[0] != '-' && text[0] != '+') return std::nullopt;
  std::string plain(text);
  std::erase(plain, '_');
  if (const model::ParsedInt i = model::ParseIntBase0(plain); i.ok()) return Number{"!!int", i.value, {}, 0};
  if (const auto u = ParseUintBase0(plain)) return Number{"!!int", std::nullopt, u, 0};
  if (IsYamlStyleFloat(plain)) {
    if (const model::ParsedFloat f = model::ParseFloat(plain); f.ok()) {
      return Number{"!!float", std::nullopt, std::nullopt, f.value};
    }
  }
  const bool negative = plain[0] == '-';
  const std::string_view prefix = negative ? "-0b" : "0b";
  if (plain.starts_with(prefix)) {
    const std::string_view bits = std::string_view(plain).substr(prefix.size());
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), v, 2);
    if (!bits.empty() && ec == std::errc() && end == bits.data() + bits.size()) {
      return Number{"!!int", negative ? -v : v, std::nullopt, 0};
    }
  }
  return std::nullopt;
}

bool IsPlain(const YAML::Node& n) {
  return n.Tag() == "?";
}

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Whether YAML syntax lets `s` be written plain (in a block). yaml-cpp does not expose its
// test, but its emitter applies it: it quotes what cannot be plain. yaml.v2 also quotes what
// starts like a document marker.
bool CanBePlain(const std::string& s) {
  if (s.starts_with("---") || s.starts_with("...")) return false;
  YAML::Emitter probe;
  probe << s;
  const std::string_view text = probe.c_str();
  return text.empty() || (text[0] != '"' && text[0] != '\'');
}

int LineOf(const YAML::Node& n) {
  return n.Mark().line + 1;
}

}  // namespace

std::string ResolvedYamlTag(const YAML::Node& n) {
  if (n.IsSequence()) return "!!seq";
  if (n.IsMap()) return "!!map";
  if (IsYamlNull(n)) return "!!null";
  constexpr std::string_view kLongTag = "tag:yaml.org,2002:";
  if (n.Tag().starts_with(kLongTag)) return "!!" + n.Tag().substr(kLongTag.size());
  if (!IsPlain(n)) return "!!str";
  const std::string& text = n.Scalar();
  if (IsBoolWord(text)) return "!!bool";
  if (const auto number = ResolveNumber(text)) return std::string(number->tag);
  return "!!str";
}

bool IsYamlNull(const YAML::Node& n) {
  return !n.IsDefined() || n.IsNull() || (n.IsScalar() && IsPlain(n) && IsNullWord(n.Scalar()));
}

std::optional<uint64_t> DecodeYamlUint64(const YAML::Node& n) {
  const std::string tag = ResolvedYamlTag(n);  // "!!int 10" counts, "'10'" does not
  if (tag != "!!int" && tag != "!!float") return std::nullopt;
  const auto number = ResolveNumber(n.Scalar());
  if (!number) return std::nullopt;
  if (number->int_value) {
    if (*number->int_value < 0) return std::nullopt;
    return static_cast<uint64_t>(*number->int_value);
  }
  if (number->uint_value) return number->uint_value;
  // yaml.v2 takes any float up to 2^64 and converts it as Go on amd64 does: below 2^63 through
  // int64 (-1.5 becomes 2^64 - 1), at or above it through int64 of f - 2^63 with the top bit
  // set; a conversion out of int64's range gives x86's "integer indefinite", 2^63 as uint64.
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kTopBit = uint64_t{1} << 63;
  auto through_int64 = [](double x) {
    return x > -kTwo63 && x < kTwo63 ? static_cast<uint64_t>(static_cast<int64_t>(x)) : kTopBit;
  };
  const double f = number->float_value;
  if (std::isnan(f) || f > 2 * kTwo63) return std::nullopt;
  return f < kTwo63 ? through_int64(f) : through_int64(f - kTwo63) | kTopBit;
}

std::string CannotUnmarshal(const YAML::Node& value, std::string_view go_type) {
  const std::string tag = ResolvedYamlTag(value);
  std::string shown;
  if (value.IsScalar()) {
    const std::string& text = value.Scalar();
    shown = " `" + (text.size() > 10 ? text.substr(0, 7) + "..." : text) + "`";
  }
  return "line " + std::to_string(LineOf(value)) + ": cannot unmarshal " + tag + shown + " into " +
         std::string(go_type);
}

std::string FieldNotFound(const YAML::Node& key, std::string_view go_type) {
  return "line " + std::to_string(LineOf(key)) + ": field " + key.Scalar() + " not found in type " +
         std::string(go_type);
}

std::string FieldAlreadySet(const YAML::Node& key, std::string_view go_type) {
  return "line " + std::to_string(LineOf(key)) + ": field " + key.Scalar() + " already set in type " +
         std::string(go_type);
}

std::string UnmarshalErrors(std::span<const std::string> issues) {
  std::string out = "yaml: unmarshal errors:";
  for (const std::string& issue : issues) out += "\n  " + issue;
  return out;
}

bool YamlNeedsQuotes(std::string_view s) {
  return IsNullWord(s) || IsBoolWord(s) || ResolveNumber(s).has_value();
}

void EmitYamlV2String(YAML::Emitter& out, const std::string& s) {
  if (YamlNeedsQuotes(s) || HasControlCharacter(s)) {
    out << YAML::DoubleQuoted;
  } else if (!CanBePlain(s)) {
    out << YAML::SingleQuoted;  // yaml-cpp falls back to double quotes where these cannot hold s
  }
  out << s;
}

}  // namespace promref::relabel
