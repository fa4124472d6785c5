// Process, action by action. Every expectation was confirmed against Prometheus 3.16's
// relabel.ProcessBuilder (the model/relabel package of the pinned module, run from Go).
#include "relabel/relabel.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "relabel/tests/parse_rules.h"

namespace promref::relabel {
namespace {

using model::Labels;
using testing::ParseRules;

struct Case {
  std::string name;
  std::string yaml;  // the rules
  Labels input;
  std::optional<Labels> want;  // nullopt: dropped
  NameValidation scheme = NameValidation::kUtf8;
};

std::string Show(const std::optional<Labels>& labels) {
  return labels ? labels->ToString() : "dropped";
}

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto rules = ParseRules(c.yaml, c.scheme);
    ASSERT_TRUE(rules.ok()) << rules.error().message();
    EXPECT_EQ(Show(Process(c.input, *rules)), Show(c.want));
  }
}

TEST(ProcessTest, Replace) {
  RunCases({
      {"defaults copy the source",
       "- source_labels: [a]\n  target_label: b\n",
       {{"a", "x"}},
       Labels{{"a", "x"}, {"b", "x"}}},
      {"sources joined by ';', a missing one is empty",
       "- source_labels: [a, b]\n  target_label: c\n",
       {{"a", "x"}},
       Labels{{"a", "x"}, {"c", "x;"}}},
      {"separator and groups",
       "- source_labels: [a, b]\n  separator: '-'\n  regex: '(.*)-(.*)'\n  target_label: c\n  replacement: "
       "'$2$1'\n",
       {{"a", "x"}, {"b", "y"}},
       Labels{{"a", "x"}, {"b", "y"}, {"c", "yx"}}},
      {"the regex is anchored: no match, no change",
       "- source_labels: [a]\n  target_label: b\n  regex: x\n  replacement: y\n",
       {{"a", "xx"}},
       Labels{{"a", "xx"}}},
      {"dot matches a newline",
       "- source_labels: [a]\n  target_label: b\n  regex: '.*'\n  replacement: y\n",
       {{"a", "x\ny"}},
       Labels{{"a", "x\ny"}, {"b", "y"}}},
      {"$ is the end of the text only",
       "- source_labels: [a]\n  target_label: x\n  regex: 'a$'\n  replacement: y\n",
       {{"a", "a\n"}},
       Labels{{"a", "a\n"}}},
      {"flags inside the regex",
       "- source_labels: [a]\n  target_label: b\n  regex: '(?i)FOO(.*)'\n",
       {{"a", "foobar"}},
       Labels{{"a", "foobar"}, {"b", "bar"}}},
      {"a constant without sources",
       "- target_label: new\n  replacement: fixed\n",
       {{"a", "x"}},
       Labels{{"a", "x"}, {"new", "fixed"}}},
      {"an empty result deletes the target",
       "- target_label: new\n  replacement: ''\n",
       {{"new", "x"}},
       Labels{}},
      {"the empty value does not match 'x'",
       "- regex: x\n  target_label: new\n  replacement: fixed\n",
       {{"a", "x"}},
       Labels{{"a", "x"}}},
      {"a deleted label reads as empty to later rules",
       "- source_labels: [a]\n  target_label: a\n  replacement: ''\n"
       "- source_labels: [a]\n  target_label: z\n  regex: ''\n  replacement: after\n",
       {{"a", "foo"}},
       Labels{{"z", "after"}}},
      {"$0 and $$",
       "- source_labels: [a]\n  target_label: b\n  regex: '.*'\n  replacement: '$0 $$1 $$$0'\n",
       {{"a", "5"}},
       Labels{{"a", "5"}, {"b", "5 $1 $5"}}},
      {"a group that took no part is empty",
       "- source_labels: [a]\n  regex: (a)|(b)\n  target_label: out\n  replacement: '<$1|$2>'\n",
       {{"a", "b"}},
       Labels{{"a", "b"}, {"out", "<|b>"}}},
      {"Go's (?<name>) groups",
       "- source_labels: [a]\n  regex: (?<n>.)\n  target_label: out\n  replacement: '$n'\n",
       {{"a", "z"}},
       Labels{{"a", "z"}, {"out", "z"}}},
      {"the target is a template",
       "- source_labels: [a]\n  target_label: '$1'\n  replacement: v\n",
       {{"a", "foo"}},
       Labels{{"a", "foo"}, {"foo", "v"}}},
      {"a template target may expand to a UTF-8 name",
       "- source_labels: [a]\n  target_label: '${1}'\n  replacement: v\n",
       {{"a", "x y"}},
       Labels{{"a", "x y"}, {"x y", "v"}}},
      {"an invalid expanded target is skipped (legacy)",
       "- source_labels: [a]\n  target_label: '${1}'\n  replacement: v\n",
       {{"a", "x y"}},
       Labels{{"a", "x y"}},
       NameValidation::kLegacy},
      {"a target starting with a digit is skipped (legacy)",
       "- source_labels: [a]\n  target_label: '$1'\n  replacement: v\n",
       {{"a", "1foo"}},
       Labels{{"a", "1foo"}},
       NameValidation::kLegacy},
      {"... but written under UTF-8",
       "- source_labels: [a]\n  target_label: '$1'\n  replacement: v\n",
       {{"a", "1foo"}},
       Labels{{"1foo", "v"}, {"a", "1foo"}}},
      {"references to missing groups expand to nothing",
       "- source_labels: [a]\n  target_label: '$1$a_b${c}d'\n  replacement: x\n",
       {{"a", "z"}},
       Labels{{"a", "z"}, {"zd", "x"}},
       NameValidation::kLegacy},
      {"an empty source with a template target",
       "- source_labels: [a]\n  target_label: '${1}_x'\n  replacement: v\n",
       {},
       Labels{{"_x", "v"}}},
      {"the Blackbox exporter pattern",
       "- source_labels: [__address__]\n  target_label: __param_target\n"
       "- source_labels: [__param_target]\n  target_label: instance\n"
       "- target_label: __address__\n  replacement: 127.0.0.1:9115\n",
       {{"__address__", "https://example.com"}, {"job", "blackbox"}},
       Labels{{"__address__", "127.0.0.1:9115"},
              {"__param_target", "https://example.com"},
              {"instance", "https://example.com"},
              {"job", "blackbox"}}},
  });
}

// regexp.Expand's reading of `$` references, through the replacement of a replace rule.
TEST(ProcessTest, ReplacementTemplates) {
  struct Template {
    std::string regex, value, replacement, want;
  };
  const std::vector<Template> cases = {
      {"(?P<x>.)(.)(.*)", "abcdef",
       "[$1][${1}][$1x][${1}x][$x][${x}][$$][$][${][${}][$0][$01][${2}${3}][$2$3][$10][${x]",
       "[a][a][][ax][a][a][$][$][${][${}][abcdef][][bcdef][bcdef][][${x]"},
      // Names run over Unicode letters and digits: "$1١" and "$1é" name no group.
      {"(a)(b)", "ab", "<$1\u0661|$1\u00e9|${1}\u00e9|$2_|${2}_|${1 }|$\u20ac>",
       "<||a\u00e9||b_|${1 }|$\u20ac>"},
      // An all-digit name is a number unless it has a leading zero; then it is a name.
      {"(?P<123>a)(?P<0123>b)", "ab", "<$123|$0123|$1|$2>", "<|b|a|b>"},
      {"(.*)", "x", "$", "$"},
      {"(.*)", "x", "${1}$", "x$"},
  };
  for (const Template& t : cases) {
    SCOPED_TRACE(t.replacement);
    const std::string yaml = "- source_labels: [a]\n  target_label: out\n  regex: '" + t.regex +
                             "'\n  replacement: '" + t.replacement + "'\n";
    auto rules = ParseRules(yaml);
    ASSERT_TRUE(rules.ok()) << rules.error().message();
    const auto out = Process(Labels{{"a", t.value}}, *rules);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->Get("out"), t.want);
  }
}

TEST(ProcessTest, KeepAndDrop) {
  RunCases({
      {"keep on a match",
       "- source_labels: [a]\n  regex: x\n  action: keep\n",
       {{"a", "x"}},
       Labels{{"a", "x"}}},
      {"keep drops on no match (anchored)",
       "- source_labels: [a]\n  regex: x\n  action: keep\n",
       {{"a", "xx"}},
       std::nullopt},
      {"keep: a missing source is the empty value",
       "- source_labels: [a]\n  regex: 'x|'\n  action: keep\n",
       {{"c", "x"}},
       Labels{{"c", "x"}}},
      {"drop on a match",
       "- source_labels: [__name__]\n  regex: 'go_.*'\n  action: drop\n",
       {{"__name__", "go_goroutines"}, {"job", "x"}},
       std::nullopt},
      {"drop keeps the rest",
       "- source_labels: [__name__]\n  regex: 'go_.*'\n  action: drop\n",
       {{"__name__", "process_cpu_seconds_total"}, {"job", "x"}},
       Labels{{"__name__", "process_cpu_seconds_total"}, {"job", "x"}}},
      {"a drop ends the processing",
       "- source_labels: [a]\n  regex: x\n  action: drop\n- target_label: b\n  replacement: never\n",
       {{"a", "x"}},
       std::nullopt},
  });
}

TEST(ProcessTest, KeepEqualAndDropEqual) {
  RunCases({
      {"keepequal keeps equal values",
       "- source_labels: [__meta_port]\n  target_label: port\n  action: keepequal\n",
       {{"__meta_port", "9100"}, {"port", "9100"}},
       Labels{{"__meta_port", "9100"}, {"port", "9100"}}},
      {"keepequal drops different values",
       "- source_labels: [__meta_port]\n  target_label: port\n  action: keepequal\n",
       {{"__meta_port", "9100"}, {"port", "9101"}},
       std::nullopt},
      {"keepequal: both missing are equal",
       "- source_labels: [a]\n  target_label: b\n  action: keepequal\n",
       {{"c", "x"}},
       Labels{{"c", "x"}}},
      {"dropequal drops equal values",
       "- source_labels: [a]\n  target_label: b\n  action: dropequal\n",
       {{"a", "x"}, {"b", "x"}},
       std::nullopt},
      {"dropequal: both missing are equal",
       "- source_labels: [a]\n  target_label: b\n  action: dropequal\n",
       {{"c", "x"}},
       std::nullopt},
      {"dropequal keeps different values",
       "- source_labels: [a]\n  target_label: b\n  action: dropequal\n",
       {{"a", "x"}, {"b", "y"}},
       Labels{{"a", "x"}, {"b", "y"}}},
  });
}

TEST(ProcessTest, HashMod) {
  const std::string shard_one =
      "- source_labels: [__address__]\n  modulus: 4\n  target_label: __tmp_hash\n  action: hashmod\n"
      "- source_labels: [__tmp_hash]\n  regex: 1\n  action: keep\n";
  RunCases({
      {"md5 of the value",
       "- source_labels: [a]\n  target_label: h\n  modulus: 10\n  action: hashmod\n",
       {{"a", "foo"}},
       Labels{{"a", "foo"}, {"h", "6"}}},
      {"a large modulus",
       "- source_labels: [a]\n  target_label: h\n  modulus: 1000000007\n  action: hashmod\n",
       {{"a", "foo"}},
       Labels{{"a", "foo"}, {"h", "819793643"}}},
      {"the largest modulus",
       "- source_labels: [a]\n  target_label: h\n  modulus: 18446744073709551615\n  action: hashmod\n",
       {{"a", "foo"}},
       Labels{{"a", "foo"}, {"h", "17145033699835028696"}}},
      {"a missing source hashes the empty value",
       "- source_labels: [missing]\n  target_label: h\n  modulus: 10\n  action: hashmod\n",
       {{"a", "foo"}},
       Labels{{"a", "foo"}, {"h", "8"}}},
      {"joined sources",
       "- source_labels: [a, b]\n  target_label: h\n  modulus: 8\n  action: hashmod\n",
       {{"a", "10.0.0.1:9100"}, {"b", "x"}},
       Labels{{"a", "10.0.0.1:9100"}, {"b", "x"}, {"h", "2"}}},
      {"sharding keeps this shard's target",
       shard_one,
       {{"__address__", "10.0.0.1:9100"}},
       Labels{{"__address__", "10.0.0.1:9100"}, {"__tmp_hash", "1"}}},
      {"sharding drops another shard's target", shard_one, {{"__address__", "10.0.0.3:9100"}}, std::nullopt},
  });
}

TEST(ProcessTest, LabelMap) {
  RunCases({
      {"copies matching labels",
       "- action: labelmap\n  regex: __meta_(.+)\n",
       {{"__meta_a", "x"}, {"__meta_b", "y"}, {"a", "z"}},
       Labels{{"__meta_a", "x"}, {"__meta_b", "y"}, {"a", "x"}, {"b", "y"}}},
      {"overwrites existing labels",
       "- action: labelmap\n  regex: 'a(.*)'\n  replacement: 'b$1'\n",
       {{"a1", "x"}, {"b1", "y"}, {"a2", "z"}},
       Labels{{"a1", "x"}, {"a2", "z"}, {"b1", "x"}, {"b2", "z"}}},
      {"the last label mapped to a name wins",
       "- action: labelmap\n  regex: '(.)(.*)'\n  replacement: same\n",
       {{"a1", "x"}, {"b1", "y"}, {"c2", "z"}},
       Labels{{"a1", "x"}, {"b1", "y"}, {"c2", "z"}, {"same", "z"}}},
      {"a mapped label is not mapped again in the same rule",
       "- action: labelmap\n  regex: 'b(.*)'\n  replacement: 'a$1'\n",
       {{"a1", "x"}, {"b1", "y"}},
       Labels{{"a1", "y"}, {"b1", "y"}}},
      // Labels a rule set are visited after the untouched ones, so a_x=3 (set) beats b_x=2.
      {"labels set by earlier rules are visited last",
       "- source_labels: [a]\n  target_label: a_x\n  replacement: '3'\n"
       "- action: labelmap\n  regex: '(?:a|b)_(.*)'\n",
       {{"a_x", "1"}, {"b_x", "2"}, {"a", "s"}},
       Labels{{"a", "s"}, {"a_x", "3"}, {"b_x", "2"}, {"x", "3"}}},
      {"the Kubernetes pod pattern",
       "- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n  action: keep\n  regex: "
       "true\n"
       "- source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]\n  action: "
       "replace\n"
       "  regex: ([^:]+)(?::\\d+)?;(\\d+)\n  replacement: $1:$2\n  target_label: __address__\n"
       "- action: labelmap\n  regex: __meta_kubernetes_pod_label_(.+)\n",
       {{"__address__", "10.1.2.3:8080"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true"},
        {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9102"},
        {"__meta_kubernetes_pod_label_app", "web"},
        {"job", "k8s"}},
       Labels{{"__address__", "10.1.2.3:9102"},
              {"__meta_kubernetes_pod_annotation_prometheus_io_port", "9102"},
              {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true"},
              {"__meta_kubernetes_pod_label_app", "web"},
              {"app", "web"},
              {"job", "k8s"}}},
      {"the Kubernetes pod pattern drops unannotated pods",
       "- source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n  action: keep\n  regex: "
       "true\n",
       {{"__address__", "10.1.2.3:8080"}, {"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "false"}},
       std::nullopt},
  });
}

TEST(ProcessTest, LabelMapToTheEmptyName) {
  // Prometheus does not check the mapped name at run time: "b" maps to "".
  auto rules = ParseRules("- action: labelmap\n  regex: 'b(.*)'\n  replacement: '$1'\n");
  ASSERT_TRUE(rules.ok()) << rules.error().message();
  const auto out = Process(Labels{{"b", "y"}}, *rules);
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ(out->Get(""), "y");
  EXPECT_EQ(out->Get("b"), "y");
}

TEST(ProcessTest, LabelDropAndLabelKeep) {
  RunCases({
      {"labeldrop",
       "- action: labeldrop\n  regex: '__meta_.*|b'\n",
       {{"__meta_x", "x"}, {"b", "y"}, {"c", "z"}},
       Labels{{"c", "z"}}},
      {"labeldrop is anchored",
       "- action: labeldrop\n  regex: 'a'\n",
       {{"a", "1"}, {"ab", "2"}},
       Labels{{"ab", "2"}}},
      {"labelkeep",
       "- action: labelkeep\n  regex: a|b\n",
       {{"__meta_a", "x"}, {"b", "y"}, {"a", "z"}},
       Labels{{"a", "z"}, {"b", "y"}}},
      {"labelmap then labelkeep",
       "- action: labelmap\n  regex: '(a)'\n  replacement: '${1}_copy'\n- action: labelkeep\n  regex: "
       "'.*_copy'\n",
       {{"a", "1"}, {"b", "2"}},
       Labels{{"a_copy", "1"}}},
  });
}

TEST(ProcessTest, LowercaseAndUppercase) {
  RunCases({
      {"lowercase",
       "- source_labels: [a]\n  target_label: b\n  action: lowercase\n",
       {{"a", "\u00c0BC"}},
       Labels{{"a", "\u00c0BC"}, {"b", "\u00e0bc"}}},
      {"uppercase of joined sources (ß has no one-rune upper case)",
       "- source_labels: [a, c]\n  target_label: b\n  action: uppercase\n",
       {{"a", "\u00e0bc"}, {"c", "stra\u00dfe"}},
       Labels{{"a", "\u00e0bc"}, {"b", "\u00c0BC;STRA\u00dfE"}, {"c", "stra\u00dfe"}}},
      {"a missing source leaves no target",
       "- source_labels: [a]\n  target_label: b\n  action: uppercase\n",
       {{"c", "x"}},
       Labels{{"c", "x"}}},
      {"in place, then into another label",
       "- source_labels: [a]\n  target_label: a\n  action: lowercase\n"
       "- source_labels: [a]\n  target_label: b\n  action: uppercase\n",
       {{"a", "MiXeD"}},
       Labels{{"a", "mixed"}, {"b", "MIXED"}}},
  });
}

// Go's regexp reads a byte of invalid UTF-8 as U+FFFD (RE2 alone would match nothing there);
// groups still hand back the original bytes.
TEST(ProcessTest, InvalidUtf8ReadsAsReplacementCharacter) {
  const std::string a_ff_b =
      "a\xff"
      "b";
  RunCases({
      {"the default regex copies the bytes",
       "- source_labels: [a]\n  target_label: b\n",
       {{"a", "x\xffy"}},
       Labels{{"a", "x\xffy"}, {"b", "x\xffy"}}},
      {"groups around an invalid byte",
       "- source_labels: [a]\n  regex: '(.)(.)(.)'\n  target_label: b\n  replacement: '$3$2$1'\n",
       {{"a", a_ff_b}},
       Labels{{"a", a_ff_b},
              {"b",
               "b\xff"
               "a"}}},
      {"dot matches it",
       "- source_labels: [a]\n  regex: 'a.b'\n  action: keep\n",
       {{"a", a_ff_b}},
       Labels{{"a", a_ff_b}}},
      {"so does U+FFFD",
       "- source_labels: [a]\n  regex: \"a\\uFFFDb\"\n  action: keep\n",
       {{"a", a_ff_b}},
       Labels{{"a", a_ff_b}}},
      {"but not U+00FF",
       "- source_labels: [a]\n  regex: \"a\\xffb\"\n  action: keep\n",
       {{"a", a_ff_b}},
       std::nullopt},
      {"lowercase writes U+FFFD",
       "- source_labels: [a]\n  target_label: b\n  action: lowercase\n",
       {{"a", "A\xff\xfe"}},
       Labels{{"a", "A\xff\xfe"}, {"b", "a\uFFFD\uFFFD"}}},
      {"hashmod hashes the bytes",
       "- source_labels: [a]\n  target_label: b\n  action: hashmod\n  modulus: 1000\n",
       {{"a", "\xff"}},
       Labels{{"a", "\xff"}, {"b", "237"}}},
  });
}

TEST(ProcessTest, NoRulesKeepTheSet) {
  const Labels in{{"__meta_x", "1"}, {"__tmp_y", "2"}, {"a", "b"}};
  const auto out = Process(in, {});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, in);  // nothing is special here, not even __meta_ and __tmp labels
}

}  // namespace
}  // namespace promref::relabel
