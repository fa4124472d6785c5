#include "relabel/relabel_config.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <utility>

#include "model/go_strconv.h"
#include "model/labels.h"
#include "relabel/go_unicode.h"
#include "relabel/go_yaml.h"

namespace promref::relabel {
namespace {

constexpr std::array<std::pair<Action, std::string_view>, 11> kActionNames = {{
    {Action::kReplace, "replace"},
    {Action::kKeep, "keep"},
    {Action::kDrop, "drop"},
    {Action::kKeepEqual, "keepequal"},
    {Action::kDropEqual, "dropequal"},
    {Action::kHashMod, "hashmod"},
    {Action::kLabelMap, "labelmap"},
    {Action::kLabelDrop, "labeldrop"},
    {Action::kLabelKeep, "labelkeep"},
    {Action::kLowercase, "lowercase"},
    {Action::kUppercase, "uppercase"},
}};

constexpr std::string_view kPlainType = "relabel.plain";  // the Go type yaml.v2 names in errors

// --- Decoding ------------------------------------------------------------------------------

// The decoding of one rule in progress. yaml.v2 collects type errors and goes on; an error
// of a field's own decoder (a bad regex, ...) ends the decoding at once, alone.
struct Decoder {
  RelabelConfig config;
  std::vector<std::string> type_errors;

  // A Go string field: any scalar's text; null is "".
  std::string String(const YAML::Node& value) {
    if (value.IsSequence() || value.IsMap()) {
      type_errors.push_back(CannotUnmarshal(value, "string"));
      return "";
    }
    return IsYamlNull(value) ? "" : value.Scalar();
  }
};

using FieldDecoder = std::optional<Error> (*)(const YAML::Node& value, Decoder& d);

std::optional<Error> DecodeSourceLabels(const YAML::Node& value, Decoder& d) {
  d.config.source_labels.clear();
  d.config.source_labels_written = false;
  if (IsYamlNull(value)) return std::nullopt;
  if (!value.IsSequence()) {
    d.type_errors.push_back(CannotUnmarshal(value, "model.LabelNames"));
    return std::nullopt;
  }
  d.config.source_labels_written = true;
  for (const YAML::Node& item : value) {
    // A null name decodes to "" without the name check; a written one must be valid UTF-8.
    const bool is_null = IsYamlNull(item);
    std::string name = d.String(item);
    if (!is_null && item.IsScalar() && !model::IsValidLabelName(name)) {
      return BadData(model::GoQuote(name) + " is not a valid label name");
    }
    d.config.source_labels.push_back(std::move(name));
  }
  return std::nullopt;
}

// separator, target_label and replacement: plain strings.
template <std::string RelabelConfig::*kField>
std::optional<Error> DecodeString(const YAML::Node& value, Decoder& d) {
  d.config.*kField = d.String(value);
  return std::nullopt;
}

std::optional<Error> DecodeRegex(const YAML::Node& value, Decoder& d) {
  // A null regex is the empty one, which matches only "".
  Result<Regexp> re = Regexp::Compile(d.String(value));
  if (!re.ok()) return re.error();
  d.config.regex = *std::move(re);
  return std::nullopt;
}

std::optional<Error> DecodeModulus(const YAML::Node& value, Decoder& d) {
  if (IsYamlNull(value)) {
    d.config.modulus = 0;
  } else if (const std::optional<uint64_t> m = DecodeYamlUint64(value)) {
    d.config.modulus = *m;
  } else {
    d.type_errors.push_back(CannotUnmarshal(value, "uint64"));
  }
  return std::nullopt;
}

std::optional<Error> DecodeAction(const YAML::Node& value, Decoder& d) {
  if (IsYamlNull(value)) {
    d.config.action = Action::kUnset;
    return std::nullopt;
  }
  if (value.IsSequence() || value.IsMap()) {
    d.type_errors.push_back(CannotUnmarshal(value, "string"));
    return std::nullopt;
  }
  const std::string& written = value.Scalar();
  const std::string lower = GoToLower(written);  // Unicode-aware, as Go's strings.ToLower
  for (const auto& [action, name] : kActionNames) {
    if (lower == name) {
      d.config.action = action;
      return std::nullopt;
    }
  }
  return BadData("unknown relabel action " + model::GoQuote(written));
}

constexpr std::array<std::pair<std::string_view, FieldDecoder>, 7> kFields = {{
    {"source_labels", DecodeSourceLabels},
    {"separator", DecodeString<&RelabelConfig::separator>},
    {"regex", DecodeRegex},
    {"modulus", DecodeModulus},
    {"target_label", DecodeString<&RelabelConfig::target_label>},
    {"replacement", DecodeString<&RelabelConfig::replacement>},
    {"action", DecodeAction},
}};

FieldDecoder FindField(std::string_view key) {
  for (const auto& [name, decoder] : kFields) {
    if (name == key) return decoder;
  }
  return nullptr;
}

// --- Validation ----------------------------------------------------------------------------

bool ContainsVariable(std::string_view s) {
  return s.find('$') != std::string_view::npos;
}

// A name that may hold `$` references to be expanded at run time. Legacy names must then be
// legacy characters and references only; UTF-8 names take anything valid.
bool IsValidNameTemplate(std::string_view name, NameValidation scheme) {
  if (scheme != NameValidation::kLegacy) return IsValidLabelName(name, scheme);
  static const Regexp& kLegacyTemplate =
      *new Regexp(*Regexp::Compile(R"((?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+)"));
  return kLegacyTemplate.Matches(name);
}

bool IsOneOf(Action a, std::initializer_list<Action> actions) {
  return std::find(actions.begin(), actions.end(), a) != actions.end();
}

std::string ForAction(const RelabelConfig& c) {
  return " for " + std::string(ActionName(c.action)) + " action";
}

Status CheckTargetLabel(const RelabelConfig& c) {
  bool valid = true;
  if (c.action == Action::kReplace) {
    valid = ContainsVariable(c.target_label) ? IsValidNameTemplate(c.target_label, c.name_validation)
                                             : IsValidLabelName(c.target_label, c.name_validation);
  } else if (IsOneOf(c.action, {Action::kLowercase, Action::kUppercase, Action::kKeepEqual,
                                Action::kDropEqual, Action::kHashMod})) {
    valid = IsValidLabelName(c.target_label, c.name_validation);
  }
  if (valid) return {};
  return BadData(model::GoQuote(c.target_label) + " is invalid 'target_label'" + ForAction(c));
}

// The fields an action does not use must keep their defaults.
Status CheckUnusedFields(const RelabelConfig& c) {
  const RelabelConfig defaults;
  const bool copies_value =
      IsOneOf(c.action, {Action::kLowercase, Action::kUppercase, Action::kKeepEqual, Action::kDropEqual});
  if (copies_value && c.replacement != defaults.replacement) {
    return BadData("'replacement' can not be set" + ForAction(c));
  }
  if (c.action == Action::kLabelMap && !IsValidNameTemplate(c.replacement, c.name_validation)) {
    return BadData(model::GoQuote(c.replacement) + " is invalid 'replacement'" + ForAction(c));
  }
  const bool common_defaults = c.modulus == defaults.modulus && c.separator == defaults.separator &&
                               c.replacement == defaults.replacement;
  if (IsOneOf(c.action, {Action::kKeepEqual, Action::kDropEqual}) &&
      !(common_defaults && c.regex.IsDefault())) {
    return BadData(std::string(ActionName(c.action)) +
                   " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  if (IsOneOf(c.action, {Action::kLabelDrop, Action::kLabelKeep}) &&
      !(common_defaults && !c.source_labels_written && c.target_label.empty())) {
    return BadData(std::string(ActionName(c.action)) + " action requires only 'regex', and no other fields");
  }
  return {};
}

// --- Writing -------------------------------------------------------------------------------

void EmitField(YAML::Emitter& out, std::string_view key, const std::string& value) {
  out << YAML::Key << std::string(key) << YAML::Value;
  EmitYamlV2String(out, value);
}

}  // namespace

std::string_view ActionName(Action action) {
  for (const auto& [a, name] : kActionNames) {
    if (a == action) return name;
  }
  return "";
}

bool IsValidLabelName(std::string_view name, NameValidation scheme) {
  return scheme == NameValidation::kLegacy ? model::IsValidLegacyLabelName(name)
                                           : model::IsValidLabelName(name);
}

Result<RelabelConfig> ParseRelabelConfig(const YAML::Node& node) {
  if (IsYamlNull(node)) return BadData("empty or null relabeling rule");
  Decoder d;
  if (!node.IsMap()) return BadData(UnmarshalErrors(std::array{CannotUnmarshal(node, kPlainType)}));
  std::set<std::string> seen;
  for (const auto& field : node) {
    const YAML::Node& key = field.first;
    const FieldDecoder decode = FindField(key.Scalar());
    if (decode == nullptr) {
      d.type_errors.push_back(FieldNotFound(key, kPlainType));
    } else if (!seen.insert(key.Scalar()).second) {
      d.type_errors.push_back(FieldAlreadySet(key, kPlainType));
    } else if (std::optional<Error> error = decode(field.second, d)) {
      return *std::move(error);
    }
  }
  if (!d.type_errors.empty()) return BadData(UnmarshalErrors(d.type_errors));
  return std::move(d.config);
}

Status Validate(RelabelConfig* config, NameValidation scheme) {
  RelabelConfig& c = *config;
  if (c.action == Action::kUnset) return BadData("relabel action cannot be empty");
  if (c.action == Action::kHashMod && c.modulus == 0) {
    return BadData("relabel configuration for hashmod requires non-zero modulus");
  }
  const bool needs_target = IsOneOf(c.action, {Action::kReplace, Action::kHashMod, Action::kLowercase,
                                               Action::kUppercase, Action::kKeepEqual, Action::kDropEqual});
  if (needs_target && c.target_label.empty()) {
    return BadData("relabel configuration" + ForAction(c) + " requires 'target_label' value");
  }
  if (c.name_validation == NameValidation::kUnset) c.name_validation = scheme;
  if (Status s = CheckTargetLabel(c); !s.ok()) return s;
  return CheckUnusedFields(c);
}

void EmitYaml(YAML::Emitter& out, const RelabelConfig& c) {
  out << YAML::BeginMap;
  if (!c.source_labels.empty()) {
    out << YAML::Key << "source_labels" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const std::string& name : c.source_labels) EmitYamlV2String(out, name);
    out << YAML::EndSeq;
  }
  EmitField(out, "separator", c.separator);
  if (!c.regex.IsDefault()) EmitField(out, "regex", c.regex.pattern());
  if (c.modulus != 0) out << YAML::Key << "modulus" << YAML::Value << c.modulus;
  if (!c.target_label.empty()) EmitField(out, "target_label", c.target_label);
  EmitField(out, "replacement", c.replacement);
  if (c.action != Action::kUnset) EmitField(out, "action", std::string(ActionName(c.action)));
  out << YAML::EndMap;
}

}  // namespace promref::relabel
