// otlp: OTLPConfig of Prometheus 3.16 (the OTLP receiver's translation settings), with its
// defaults and errors.
#include <algorithm>
#include <string>
#include <vector>

#include "config/internal/otlp_section.h"
#include "config/internal/yaml_decode.h"
#include "config/internal/yaml_emit.h"
#include "model/go_strconv.h"

namespace promref::config::internal {
namespace {

std::string TrimSpace(const std::string& s) {
  const char* ws = " \t\n\v\f\r";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// sanitizeAttributes: trims each name in place; empty and repeated names are errors, every one
// of them reported (errors.Join: one per line).
void SanitizeAttributes(std::vector<std::string>* attrs, const std::string& adjective,
                        const std::string& field) {
  std::vector<std::string> seen;
  std::string errors;
  for (std::string& a : *attrs) {
    const std::string t = TrimSpace(a);
    std::string err;
    if (t.empty()) {
      err = "empty " + adjective + " OTel resource attribute";
    } else if (std::find(seen.begin(), seen.end(), t) != seen.end()) {
      err = "duplicated " + adjective + " OTel resource attribute " + model::GoQuote(t);
    }
    if (!err.empty()) {
      errors += (errors.empty() ? "" : "\n") + err;
      continue;
    }
    seen.push_back(t);
    a = t;
  }
  if (!errors.empty()) Fail("invalid '" + field + "': " + errors);
}

}  // namespace

OtlpConfig ParseOtlp(const YAML::Node& n, const GlobalConfig& global) {
  OtlpConfig c;
  if (Present(n)) {
    CheckKeys(n,
              {"promote_all_resource_attributes", "promote_resource_attributes", "ignore_resource_attributes",
               "translation_strategy", "keep_identifying_resource_attributes", "convert_histograms_to_nhcb",
               "promote_scope_metadata", "label_name_underscore_sanitization",
               "label_name_preserve_multiple_underscores"},
              "config.plain");
    c.promote_all_resource_attributes = Bool(n["promote_all_resource_attributes"], false);
    c.promote_resource_attributes = StringList(n["promote_resource_attributes"]);
    c.ignore_resource_attributes = StringList(n["ignore_resource_attributes"]);
    if (n["translation_strategy"]) c.translation_strategy = Str(n["translation_strategy"]);
    c.keep_identifying_resource_attributes = Bool(n["keep_identifying_resource_attributes"], false);
    c.convert_histograms_to_nhcb = Bool(n["convert_histograms_to_nhcb"], false);
    c.promote_scope_metadata = Bool(n["promote_scope_metadata"], false);
    if (n["label_name_underscore_sanitization"]) {
      c.label_name_underscore_sanitization = Bool(n["label_name_underscore_sanitization"], false);
    }
    if (n["label_name_preserve_multiple_underscores"]) {
      c.label_name_preserve_multiple_underscores = Bool(n["label_name_preserve_multiple_underscores"], false);
    }
    if (c.promote_all_resource_attributes) {
      if (!c.promote_resource_attributes.empty()) {
        Fail(
            "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured "
            "simultaneously");
      }
      SanitizeAttributes(&c.ignore_resource_attributes, "ignored", "ignore_resource_attributes");
    } else {
      if (!c.ignore_resource_attributes.empty()) {
        Fail(
            "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is "
            "true");
      }
      SanitizeAttributes(&c.promote_resource_attributes, "promoted", "promote_resource_attributes");
    }
  }
  // Load, after the whole document.
  const std::string& s = c.translation_strategy;
  if (s == "NoTranslation" || s == "NoUTF8EscapingWithSuffixes") {
    if (global.metric_name_validation_scheme == "legacy") {
      Fail("OTLP translation strategy " + model::GoQuote(s) + " is not allowed when UTF8 is disabled");
    }
  } else if (!s.empty() && s != "UnderscoreEscapingWithSuffixes" &&
             s != "UnderscoreEscapingWithoutSuffixes") {
    Fail("unsupported OTLP translation strategy " + model::GoQuote(s));
  }
  return c;
}

void EmitOtlp(YAML::Emitter& out, const OtlpConfig& c) {
  out << YAML::BeginMap;
  if (c.promote_all_resource_attributes)
    out << YAML::Key << "promote_all_resource_attributes" << YAML::Value << true;
  if (!c.promote_resource_attributes.empty()) {
    out << YAML::Key << "promote_resource_attributes" << YAML::Value;
    EmitStringList(out, c.promote_resource_attributes);
  }
  if (!c.ignore_resource_attributes.empty()) {
    out << YAML::Key << "ignore_resource_attributes" << YAML::Value;
    EmitStringList(out, c.ignore_resource_attributes);
  }
  EmitIfSet(out, "translation_strategy", c.translation_strategy);
  const auto flag = [&](const char* key, bool v) {
    if (v) out << YAML::Key << key << YAML::Value << true;
  };
  flag("keep_identifying_resource_attributes", c.keep_identifying_resource_attributes);
  flag("convert_histograms_to_nhcb", c.convert_histograms_to_nhcb);
  flag("promote_scope_metadata", c.promote_scope_metadata);
  flag("label_name_underscore_sanitization", c.label_name_underscore_sanitization);
  flag("label_name_preserve_multiple_underscores", c.label_name_preserve_multiple_underscores);
  out << YAML::EndMap;
}

}  // namespace promref::config::internal
