#include "config/internal/yaml_decode.h"

#include <cctype>
#include <cmath>

#include "model/time.h"
#include "relabel/go_yaml.h"

namespace promref::config::internal {
namespace {

// One pass of Base2Bytes over `orig`, with the IEC ("KiB") or the old ("KB") unit names; sets
// *error when the text does not read.
int64_t ParseBase2Bytes(const std::string& orig, bool old_names, std::string* error) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  *error = "units: invalid " + orig;
  if (s.empty()) return -1;
  static const char* kPrefixes[] = {"K", "M", "G", "T", "P", "E"};
  double total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || std::isdigit(static_cast<unsigned char>(s[0])))) return -1;
    size_t i = 0;
    double g = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) g = g * 10 + (s[i++] - '0');
    const bool pre = i > 0;
    bool post = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      double scale = 1;
      const size_t start = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        scale *= 10;
        g += (s[i++] - '0') / scale;
      }
      post = i > start;
    }
    if (!pre && !post) return -1;
    size_t j = i;
    while (j < s.size() && s[j] != '.' && !std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    const std::string unit(s.substr(i, j - i));
    s.remove_prefix(j);
    double mult = 0;
    if (unit == "B") mult = 1;
    for (int k = 0; k < 6; ++k) {
      if (unit == std::string(kPrefixes[k]) + (old_names ? "B" : "iB")) mult = std::pow(1024.0, k + 1);
    }
    if (mult == 0) {
      *error = "units: unknown unit " + unit + " in " + orig;
      return -1;
    }
    total += g * mult;
  }
  if (neg) total = -total;
  if (total > 9.2e18) {
    *error = "units: overflow parsing unit";
    return -1;
  }
  error->clear();
  return static_cast<int64_t>(total);
}

}  // namespace

void Fail(std::string message) {
  throw ConfigError{std::move(message)};
}

void FailUnmarshal(std::string issue) {
  const std::string issues[] = {std::move(issue)};
  Fail(relabel::UnmarshalErrors(issues));
}

void FailType(const YAML::Node& n, std::string_view go_type) {
  FailUnmarshal(relabel::CannotUnmarshal(n, go_type));
}

void CheckKeys(const YAML::Node& n, const std::set<std::string>& known, const std::string& type) {
  if (!n.IsMap()) FailType(n, type);
  std::set<std::string> seen;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (!known.count(key)) FailUnmarshal(relabel::FieldNotFound(kv.first, type));
    if (!seen.insert(key).second) FailUnmarshal(relabel::FieldAlreadySet(kv.first, type));
  }
}

bool Present(const YAML::Node& n) {
  return n && !relabel::IsYamlNull(n);
}

std::string Str(const YAML::Node& n) {
  if (!Present(n)) return "";
  if (!n.IsScalar()) FailType(n, "string");
  return n.Scalar();
}

bool Bool(const YAML::Node& n, bool if_null) {
  if (!Present(n)) return if_null;
  if (relabel::ResolvedYamlTag(n) != "!!bool") FailType(n, "bool");
  return n.as<bool>();
}

bool BoolUnlessAbsent(const YAML::Node& n) {
  return n ? Bool(n, false) : true;
}

uint64_t Uint(const YAML::Node& n) {
  if (!Present(n)) return 0;
  const auto v = relabel::DecodeYamlUint64(n);
  if (!v) FailType(n, "uint");
  return *v;
}

double Float(const YAML::Node& n) {
  if (!Present(n)) return 0;
  const std::string tag = relabel::ResolvedYamlTag(n);
  if (tag != "!!float" && tag != "!!int") FailType(n, "float64");
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    FailType(n, "float64");
  }
}

int64_t DurationMs(const YAML::Node& n) {
  if (!Present(n)) return 0;
  if (!n.IsScalar()) FailType(n, "string");
  auto d = model::ParseDuration(n.Scalar());
  if (!d.ok()) Fail(d.error().message());
  return *d;
}

int64_t Base2Bytes(const YAML::Node& n) {
  if (!Present(n)) return 0;
  if (!n.IsScalar()) FailType(n, "string");
  // Like units.ParseStrictBytes: the IEC names first, then the old ones.
  std::string error;
  int64_t v = ParseBase2Bytes(n.Scalar(), false, &error);
  if (!error.empty()) v = ParseBase2Bytes(n.Scalar(), true, &error);
  if (!error.empty()) Fail(error);
  return v;
}

model::Labels LabelMap(const YAML::Node& n, relabel::NameValidation scheme) {
  model::LabelsBuilder b;
  if (!Present(n)) return b.Build();
  if (!n.IsMap()) FailType(n, "model.LabelSet");
  for (const auto& kv : n) {
    const std::string name = kv.first.as<std::string>();
    if (!relabel::IsValidLabelName(name, scheme)) Fail("\"" + name + "\" is not a valid label name");
    b.Set(name, Str(kv.second));
  }
  return b.Build();
}

std::vector<std::string> StringList(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!Present(n)) return out;
  if (!n.IsSequence()) FailType(n, "[]string");
  for (const auto& v : n) out.push_back(Str(v));
  return out;
}

std::string ValidationScheme(const YAML::Node& n) {
  const std::string s = Str(n);
  if (s != "" && s != "utf8" && s != "legacy") Fail("unrecognized ValidationScheme: \"" + s + "\"");
  return s;
}

relabel::NameValidation NameValidationOf(const std::string& scheme) {
  return scheme == "legacy" ? relabel::NameValidation::kLegacy : relabel::NameValidation::kUtf8;
}

std::string ToLower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace promref::config::internal
