// Decoding, validation and writing of rules. Every error text and every accepted corner was
// confirmed against Prometheus 3.16 (yaml.UnmarshalStrict into []*relabel.Config, then
// Validate; yaml.Marshal for the written form), run from Go.
#include "relabel/relabel_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relabel/tests/parse_rules.h"

namespace promref::relabel {
namespace {

using testing::ParseRules;

struct ErrorCase {
  std::string yaml;
  std::string error;
  NameValidation scheme = NameValidation::kUtf8;
};

void ExpectErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto rules = ParseRules(c.yaml, c.scheme);
    ASSERT_FALSE(rules.ok());
    EXPECT_EQ(rules.error().message(), c.error);
    EXPECT_EQ(rules.error().kind(), ErrorKind::kBadData);
  }
}

RelabelConfig ParseOne(const std::string& yaml, NameValidation scheme = NameValidation::kUtf8) {
  auto rules = ParseRules(yaml, scheme);
  EXPECT_TRUE(rules.ok()) << yaml << ": " << rules.error().message();
  if (!rules.ok() || rules->size() != 1) return {};
  return rules->front();
}

std::string ToYaml(const RelabelConfig& c) {
  YAML::Emitter out;
  EmitYaml(out, c);
  return out.c_str();
}

TEST(RelabelConfigTest, Defaults) {
  auto c = ParseRelabelConfig(YAML::Load("{}"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->source_labels.empty());
  EXPECT_FALSE(c->source_labels_written);
  EXPECT_EQ(c->separator, ";");
  EXPECT_TRUE(c->regex.IsDefault());
  EXPECT_EQ(c->regex.pattern(), "(.*)");
  EXPECT_EQ(c->modulus, 0u);
  EXPECT_EQ(c->target_label, "");
  EXPECT_EQ(c->replacement, "$1");
  EXPECT_EQ(c->action, Action::kReplace);
  EXPECT_EQ(c->name_validation, NameValidation::kUnset);
}

TEST(RelabelConfigTest, ValidateFillsInTheScheme) {
  RelabelConfig c = *ParseRelabelConfig(YAML::Load("{target_label: b}"));
  ASSERT_TRUE(Validate(&c, NameValidation::kLegacy).ok());
  EXPECT_EQ(c.name_validation, NameValidation::kLegacy);
  c.name_validation = NameValidation::kUtf8;  // a rule's own scheme wins
  ASSERT_TRUE(Validate(&c, NameValidation::kLegacy).ok());
  EXPECT_EQ(c.name_validation, NameValidation::kUtf8);
}

TEST(RelabelConfigTest, NullFieldsAreZeroValues) {
  const RelabelConfig c =
      ParseOne("- source_labels: [a]\n  target_label: b\n  separator:\n  replacement: ~\n");
  EXPECT_EQ(c.separator, "");
  EXPECT_EQ(c.replacement, "");
  // A null regex is the empty one, not the default: it matches only "".
  const RelabelConfig empty_regex = ParseOne("- regex:\n  target_label: b\n");
  EXPECT_FALSE(empty_regex.regex.IsDefault());
  EXPECT_EQ(empty_regex.regex.pattern(), "");
  EXPECT_TRUE(empty_regex.regex.Matches(""));
  EXPECT_FALSE(empty_regex.regex.Matches("x"));
  // A null source label is "" and escapes the name check.
  EXPECT_EQ(ParseOne("- source_labels: [~, 1]\n  target_label: x\n").source_labels,
            (std::vector<std::string>{"", "1"}));
}

TEST(RelabelConfigTest, ActionsAreCaseInsensitive) {
  EXPECT_EQ(ParseOne("- action: REPLACE\n  target_label: b\n").action, Action::kReplace);
  EXPECT_EQ(ParseOne("- action: Labelkeep\n  regex: a\n  modulus: 0\n").action, Action::kLabelKeep);
  // Go's strings.ToLower maps the Kelvin sign to 'k'.
  EXPECT_EQ(ParseOne("- action: \"\\u212Aeep\"\n  source_labels: [a]\n").action, Action::kKeep);
}

TEST(RelabelConfigTest, ModulusAsYamlV2ReadsIt) {
  struct Case {
    std::string text;
    uint64_t want;
  };
  for (const Case& c : std::vector<Case>{{"0x10", 16},
                                         {"017", 15},
                                         {"1_000", 1000},
                                         {"1e3", 1000},
                                         {"12345678901", 12345678901},
                                         {"18446744073709551615", 18446744073709551615u},
                                         {"-1.5", 18446744073709551615u},
                                         // Go on amd64: out of int64's range is 2^63.
                                         {"-.inf", 9223372036854775808u},
                                         {"18446744073709551616", 9223372036854775808u},
                                         {"1e19", 10000000000000000000u}}) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseOne("- modulus: " + c.text + "\n  action: hashmod\n  target_label: x\n").modulus, c.want);
  }
}

TEST(RelabelConfigTest, DecodingErrors) {
  ExpectErrors({
      {"- foo: 1\n  bar: 2\n  modulus: abc\n",
       "yaml: unmarshal errors:\n  line 1: field foo not found in type relabel.plain\n"
       "  line 2: field bar not found in type relabel.plain\n  line 3: cannot unmarshal !!str `abc` into "
       "uint64"},
      {"- source_labels: [a]\n  action: replace\n  target_label: a\n  target_label: b\n",
       "yaml: unmarshal errors:\n  line 4: field target_label already set in type relabel.plain"},
      {"- source_labels: [a]\n  regex: 'a'\n  source_labels: [b]\n  regex: '('\n",
       "yaml: unmarshal errors:\n  line 3: field source_labels already set in type relabel.plain\n"
       "  line 4: field regex already set in type relabel.plain"},
      {"- modulus: [1]\n  source_labels: a\n  separator: {a: 1}\n",
       "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into uint64\n"
       "  line 2: cannot unmarshal !!str `a` into model.LabelNames\n  line 3: cannot unmarshal !!map into "
       "string"},
      {"- modulus: -1\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `-1` into uint64"},
      {"- modulus: .inf\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!float `.inf` into uint64"},
      {"- modulus: .nan\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!float `.nan` into uint64"},
      {"- modulus: 1e20\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!float `1e20` into uint64"},
      {"- modulus: '10'\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `10` into uint64"},
      {"- modulus: true\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!bool `true` into uint64"},
      {"- modulus: abcdefghijklmnop\n",
       "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `abcdefg...` into uint64"},
      {"- modulus: 12345678901x\n",
       "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `1234567...` into uint64"},
      {"- source_labels: {a: b}\n",
       "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into model.LabelNames"},
      {"- source_labels: [[a]]\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"},
      {"- action: [a]\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"},
      {"- regex: [a]\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"},
      {"- 3\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `3` into relabel.plain"},
      {"- []\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into relabel.plain"},
      // A field's own decoding error ends the decoding, and is reported alone.
      {"- foo: 1\n  regex: '(a'\n", "error parsing regexp: missing closing ): `^(?s:(a)$`"},
      {"- foo: 1\n  regex: 'a'\n  source_labels: [a, '']\n", "\"\" is not a valid label name"},
      {"- foo: 1\n  action: nope\n", "unknown relabel action \"nope\""},
      {"- action: ''\n", "unknown relabel action \"\""},
      {"- action: keepx\n", "unknown relabel action \"keepx\""},
  });
}

TEST(RelabelConfigTest, RegexErrorsAreGosAboutTheAnchoredForm) {
  ExpectErrors({
      {"- regex: 'a**'\n", "error parsing regexp: invalid nested repetition operator: `**`"},
      {"- regex: '[z-a]'\n", "error parsing regexp: invalid character class range: `z-a`"},
      {"- regex: '\\C'\n", "error parsing regexp: invalid escape sequence: `\\C`"},
      {"- regex: 'x{1001}'\n", "error parsing regexp: invalid repeat count: `{1001}`"},
      {"- regex: 'a)'\n", "error parsing regexp: unexpected ): `^(?s:a))$`"},
      {"- regex: '\\'\n", "error parsing regexp: missing closing ): `^(?s:\\)$`"},
      {"- regex: '*'\n", "error parsing regexp: missing argument to repetition operator: `*`"},
  });
  // Wrapped in `^(?s:` and `)$`, "abc)(" is valid: `^(?s:abc)()$`. Shown as written.
  const RelabelConfig c = ParseOne("- regex: 'abc)('\n  source_labels: [a]\n  target_label: b\n");
  EXPECT_EQ(c.regex.pattern(), "abc)(");
  EXPECT_TRUE(c.regex.Matches("abc"));
}

TEST(RelabelConfigTest, ValidationErrors) {
  ExpectErrors({
      {"- action:\n  source_labels: [a]\n  target_label: b\n", "relabel action cannot be empty"},
      {"- {}\n", "relabel configuration for replace action requires 'target_label' value"},
      {"- modulus: 1.5\n", "relabel configuration for replace action requires 'target_label' value"},
      {"- action: hashmod\n  source_labels: [a]\n  modulus: 2\n",
       "relabel configuration for hashmod action requires 'target_label' value"},
      {"- action: hashmod\n  source_labels: [a]\n  target_label: x\n",
       "relabel configuration for hashmod requires non-zero modulus"},
      {"- modulus: .5\n  action: hashmod\n  target_label: x\n",
       "relabel configuration for hashmod requires non-zero modulus"},
      {"- modulus: ~\n  action: hashmod\n  target_label: x\n",
       "relabel configuration for hashmod requires non-zero modulus"},
      {"- action: lowercase\n  source_labels: [a]\n  target_label: b\n  replacement: x\n",
       "'replacement' can not be set for lowercase action"},
      {"- action: dropequal\n  source_labels: [a]\n  target_label: b\n  replacement: x\n",
       "'replacement' can not be set for dropequal action"},
      {"- action: labelmap\n  regex: '(.*)'\n  replacement: ''\n",
       "\"\" is invalid 'replacement' for labelmap action"},
      // keepequal and dropequal take no other field, and tell a written `(.*)` from the default.
      {"- action: keepequal\n  source_labels: [a]\n  target_label: b\n  regex: (.*)\n",
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {"- action: keepequal\n  source_labels: [a]\n  target_label: b\n  regex: ''\n",
       "keepequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {"- action: dropequal\n  source_labels: [a]\n  target_label: b\n  separator: ','\n",
       "dropequal action requires only 'source_labels' and `target_label`, and no other fields"},
      {"- action: dropequal\n  source_labels: [a]\n  target_label: b\n  modulus: 2\n",
       "dropequal action requires only 'source_labels' and `target_label`, and no other fields"},
      // labeldrop and labelkeep take only a regex; a written `[]` counts, a null does not.
      {"- action: labeldrop\n  regex: a\n  source_labels: []\n",
       "labeldrop action requires only 'regex', and no other fields"},
      {"- action: labeldrop\n  regex: a\n  separator: ','\n",
       "labeldrop action requires only 'regex', and no other fields"},
      {"- action: labelkeep\n  regex: a\n  target_label: b\n",
       "labelkeep action requires only 'regex', and no other fields"},
      {"- action: labelkeep\n  regex: a\n  modulus: 1\n",
       "labelkeep action requires only 'regex', and no other fields"},
  });
}

TEST(RelabelConfigTest, LegacyNameValidation) {
  constexpr auto kLegacy = NameValidation::kLegacy;
  ExpectErrors({
      {"- source_labels: [a]\n  target_label: 'a.b'\n",
       "\"a.b\" is invalid 'target_label' for replace action", kLegacy},
      {"- source_labels: [a]\n  target_label: '${1'\n  replacement: x\n",
       "\"${1\" is invalid 'target_label' for replace action", kLegacy},
      {"- source_labels: [a]\n  target_label: 'a-$1'\n  replacement: x\n",
       "\"a-$1\" is invalid 'target_label' for replace action", kLegacy},
      {"- source_labels: [a]\n  target_label: '1$1'\n  replacement: x\n",
       "\"1$1\" is invalid 'target_label' for replace action", kLegacy},
      {"- action: lowercase\n  source_labels: [a]\n  target_label: 'a.b'\n",
       "\"a.b\" is invalid 'target_label' for lowercase action", kLegacy},
      {"- action: keepequal\n  source_labels: [a]\n  target_label: 'b$1'\n",
       "\"b$1\" is invalid 'target_label' for keepequal action", kLegacy},
      {"- action: hashmod\n  source_labels: [a]\n  modulus: 2\n  target_label: 'a$1'\n",
       "\"a$1\" is invalid 'target_label' for hashmod action", kLegacy},
      {"- action: labelmap\n  regex: '(.*)'\n  replacement: 'a-$1'\n",
       "\"a-$1\" is invalid 'replacement' for labelmap action", kLegacy},
  });
}

TEST(RelabelConfigTest, AcceptedCorners) {
  const std::vector<std::pair<std::string, NameValidation>> accepted = {
      {"- source_labels: [a]\n  target_label: '$1$a_b${c}d'\n  replacement: x\n", NameValidation::kLegacy},
      {"- source_labels: [a]\n  target_label: '${1'\n  replacement: x\n", NameValidation::kUtf8},
      {"- source_labels: [a]\n  target_label: 'a.b'\n", NameValidation::kUtf8},
      {"- action: labelmap\n  regex: '(.*)'\n  replacement: 'a-$1'\n", NameValidation::kUtf8},
      {"- action: uppercase\n  source_labels: [a]\n  target_label: b\n  replacement: $1\n",
       NameValidation::kUtf8},
      {"- action: labeldrop\n  regex: a\n  source_labels: ~\n  separator: ;\n  replacement: $1\n",
       NameValidation::kUtf8},
      // Fields an action does not use are not checked.
      {"- action: keep\n  source_labels: [a]\n  regex: x\n  target_label: 'a.$1'\n  replacement: 'a.b'\n",
       NameValidation::kLegacy},
  };
  for (const auto& [yaml, scheme] : accepted) {
    auto rules = ParseRules(yaml, scheme);
    EXPECT_TRUE(rules.ok()) << yaml << ": " << rules.error().message();
  }
}

TEST(RelabelConfigTest, WrittenAsPrometheusShowsIt) {
  struct Case {
    std::string yaml, want;
  };
  const std::vector<Case> cases = {
      {"- action: replace\n  source_labels: [a]\n  target_label: b\n",
       "source_labels: [a]\nseparator: ;\ntarget_label: b\nreplacement: $1\naction: replace"},
      {"- action: labelmap\n  regex: __meta_(.+)\n",
       "separator: ;\nregex: __meta_(.+)\nreplacement: $1\naction: labelmap"},
      {"- action: hashmod\n  source_labels: [a]\n  target_label: h\n  modulus: 10\n",
       "source_labels: [a]\nseparator: ;\nmodulus: 10\ntarget_label: h\nreplacement: $1\naction: hashmod"},
      {"- regex:\n  source_labels: [a, b]\n  target_label: b\n",
       "source_labels: [a, b]\nseparator: ;\nregex: \"\"\ntarget_label: b\nreplacement: $1\naction: replace"},
      {"- regex: 'abc)('\n  target_label: b\n",
       "separator: ;\nregex: abc)(\ntarget_label: b\nreplacement: $1\naction: replace"},
      {"- action: REPLACE\n  target_label: b\n  separator:\n  replacement:\n",
       "separator: \"\"\ntarget_label: b\nreplacement: \"\"\naction: replace"},
      // Strings that would read back as something else are quoted.
      {"- target_label: 'true'\n  replacement: 'null'\n  separator: '~'\n  regex: 'yes'\n",
       "separator: \"~\"\nregex: \"yes\"\ntarget_label: \"true\"\nreplacement: \"null\"\naction: replace"},
      {"- target_label: b\n  replacement: '0x10'\n  separator: '1.5'\n  regex: 1\n",
       "separator: \"1.5\"\nregex: \"1\"\ntarget_label: b\nreplacement: \"0x10\"\naction: replace"},
      {"- target_label: b\n  replacement: \"\\t\"\n  separator: '---'\n  regex: ',|a'\n",
       "separator: '---'\nregex: ',|a'\ntarget_label: b\nreplacement: \"\\t\"\naction: replace"},
      // Strings YAML syntax does not let be plain are single-quoted.
      {"- target_label: b\n  replacement: 'a #b'\n  separator: 'x:'\n  regex: '!a'\n",
       "separator: 'x:'\nregex: '!a'\ntarget_label: b\nreplacement: 'a #b'\naction: replace"},
      {"- target_label: b\n  replacement: '%a'\n  separator: ' a'\n  regex: 'a '\n",
       "separator: ' a'\nregex: 'a '\ntarget_label: b\nreplacement: '%a'\naction: replace"},
      {"- target_label: b\n  replacement: '|a'\n  separator: '>a'\n  regex: 'a,b'\n",
       "separator: '>a'\nregex: a,b\ntarget_label: b\nreplacement: '|a'\naction: replace"},
      {"- target_label: b\n  replacement: \"'a\"\n  separator: 'a\"b'\n  regex: \"a'b\"\n",
       "separator: a\"b\nregex: a'b\ntarget_label: b\nreplacement: '''a'\naction: replace"},
      {"- target_label: b\n  replacement: '- a'\n  separator: '? '\n  regex: ':a'\n",
       "separator: '? '\nregex: :a\ntarget_label: b\nreplacement: '- a'\naction: replace"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    EXPECT_EQ(ToYaml(ParseOne(c.yaml)), c.want);
  }
}

TEST(RelabelConfigTest, WrittenFormReadsBackTheSame) {
  const std::string yaml =
      "- source_labels: [a, 'b.c']\n  separator: ', '\n  regex: '[a]: (.*)'\n  target_label: x\n"
      "  replacement: '#$1'\n";
  const RelabelConfig c = ParseOne(yaml);
  auto back = ParseRelabelConfig(YAML::Load(ToYaml(c)));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->source_labels, c.source_labels);
  EXPECT_EQ(back->separator, c.separator);
  EXPECT_EQ(back->regex.pattern(), c.regex.pattern());
  EXPECT_EQ(back->target_label, c.target_label);
  EXPECT_EQ(back->replacement, c.replacement);
  EXPECT_EQ(back->action, c.action);
}

TEST(RelabelConfigTest, NullRule) {
  auto c = ParseRelabelConfig(YAML::Load("~"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), "empty or null relabeling rule");
}

}  // namespace
}  // namespace promref::relabel
