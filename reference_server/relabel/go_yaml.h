// How Go's yaml.v2, which Prometheus decodes its configuration with (strictly), reads the
// YAML that yaml-cpp parsed: the tag it resolves a scalar to, how it decodes an integer, and
// the wording of its type errors, so that a rule's decoding errors read as Prometheus'.
// Lines are 1-based, as yaml.v2 reports them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace promref::relabel {

// "!!null", "!!bool", "!!int", "!!float", "!!str", "!!seq" or "!!map": a quoted scalar is a
// string; a plain one is whatever its text reads as ("yes" is a bool, "0x10" an int).
std::string ResolvedYamlTag(const YAML::Node& n);

// A node yaml.v2 decodes as null (absent, `~`, `null`, an empty value): Go leaves the zero value.
bool IsYamlNull(const YAML::Node& n);

// A scalar decoded into a Go uint64 as yaml.v2 does on amd64 (Prometheus' release platform):
// integers in any base (underscores ignored) that fit, floats up to 2^64 converted as Go
// converts them there. nullopt for anything else.
std::optional<uint64_t> DecodeYamlUint64(const YAML::Node& n);

// "line 3: cannot unmarshal !!str `abc` into uint64" (long values are cut as yaml.v2 cuts them).
std::string CannotUnmarshal(const YAML::Node& value, std::string_view go_type);
// "line 2: field foo not found in type relabel.plain", for a key node.
std::string FieldNotFound(const YAML::Node& key, std::string_view go_type);
// "line 4: field target_label already set in type relabel.plain", for a key node.
std::string FieldAlreadySet(const YAML::Node& key, std::string_view go_type);

// The error yaml.v2 returns for the type errors of a document: "yaml: unmarshal errors:\n
// line 1: ...\n  line 2: ...".
std::string UnmarshalErrors(std::span<const std::string> issues);

// Whether `s` would read back as something other than a string ("1", "true", "", "~"), which
// yaml.v2 double-quotes when writing it.
bool YamlNeedsQuotes(std::string_view s);

// Writes a string scalar in the style yaml.v2 picks: double quotes when YamlNeedsQuotes or for
// control characters, single quotes when YAML syntax forbids it plain ("[a]", " a", "x:"),
// plain otherwise. (yaml.v2 writes a multi-line string as a `|-` block, and may quote a name
// in a flow list differently; this double-quotes those, which reads back the same.)
void EmitYamlV2String(YAML::Emitter& out, const std::string& s);

}  // namespace promref::relabel
