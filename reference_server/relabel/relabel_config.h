// One relabeling rule: the element of relabel_configs, metric_relabel_configs,
// write_relabel_configs and alert_relabel_configs. Decoded from YAML and validated exactly as
// Prometheus 3.16 does (same defaults, same checks in the same order, same error text), and
// written back as Prometheus shows it in /api/v1/status/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "relabel/regexp.h"

namespace promref::relabel {

enum class Action {
  kUnset,  // `action:` written empty; Validate refuses it
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// "replace", "keepequal", ...; "" for kUnset.
std::string_view ActionName(Action action);

// Which label names are valid (Prometheus' model.ValidationScheme). kUnset takes the scheme
// of the configuration the rule is in; Prometheus 3.x's default is UTF-8.
enum class NameValidation { kUnset, kUtf8, kLegacy };

// Legacy: [a-zA-Z_][a-zA-Z0-9_]*. UTF-8 (and kUnset): any non-empty valid UTF-8.
bool IsValidLabelName(std::string_view name, NameValidation scheme);

struct RelabelConfig {
  std::vector<std::string> source_labels;
  // Whether source_labels was written as a list, even `[]`: labeldrop and labelkeep refuse
  // that, but not a null or left-out one (Prometheus tells a nil slice from an empty one).
  bool source_labels_written = false;
  std::string separator = ";";
  Regexp regex = Regexp::Default();
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  Action action = Action::kReplace;
  // Not in the YAML: Validate fills it in from the enclosing configuration unless set. Decides
  // which names replace may write at run time.
  NameValidation name_validation = NameValidation::kUnset;
};

// Decodes one rule as Prometheus' strict YAML decoding does, before validation: defaults for
// what is left out, zero values for what is written null, unknown and repeated fields refused.
// Errors read as Prometheus' would for a document holding this rule: yaml.v2's type errors
// together ("yaml: unmarshal errors:\n  line 2: field foo not found in type relabel.plain"),
// or the first error of a field's own decoding alone (an invalid regex, an unknown action, an
// invalid source label name). A null `node` (a `-` with nothing after it) is an error whose
// text Prometheus words per list ("empty or null target relabeling rule in scrape config"):
// callers that know the list should check for null first.
Result<RelabelConfig> ParseRelabelConfig(const YAML::Node& node);

// Prometheus' Config.Validate: the checks that need the whole rule, e.g. "relabel
// configuration for replace action requires 'target_label' value". Fills in
// config->name_validation from `scheme` when unset.
Status Validate(RelabelConfig* config, NameValidation scheme);

// Writes the rule as one YAML map the way Prometheus marshals it: separator and replacement
// always, the regex unanchored and only when written, source_labels as a flow list, the
// other fields when set.
void EmitYaml(YAML::Emitter& out, const RelabelConfig& config);

}  // namespace promref::relabel
