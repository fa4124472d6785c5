// Rule files as Prometheus 3.16 reads them (model/rulefmt.Parse): the document is decoded into
// RuleGroups with yaml.v3's KnownFields, then validated group by group and rule by rule. Every
// error is collected, not just the first, and positions are yaml.v3's (1-based line:column of
// the node; 0:0 for a field that is not written).
#include "rules/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/time.h"

namespace promref::rules {
namespace {

// A type error of the decode; yaml.v3 gathers them into one "yaml: unmarshal errors:" error,
// in document order.
struct DecodeError {
  int line = 0;
  std::string text;     // "line N: ..."
  std::string lenient;  // the same error in rulefmt's second decode into its *Node types, or ""
};

// The types of rulefmt's second decode (RuleGroupNode, RuleNode); a rule's record, alert and
// expr decode there into yaml.Node, which takes anything.
std::string NodeTypeName(const std::string& go_type) {
  if (go_type == "rulefmt.RuleGroups") return "rulefmt.ruleGroups";
  for (const char* t : {"rulefmt.RuleGroup", "rulefmt.Rule"}) {
    const std::string name(t);
    if (go_type.size() >= name.size() &&
        go_type.compare(go_type.size() - name.size(), name.size(), name) == 0)
      return go_type + "Node";
  }
  return go_type;
}
struct DecodeErrors {
  std::vector<DecodeError> type_errors;
  std::vector<DecodeError> unknown_fields;  // "line N: field x not found in type T"
  std::string fatal;                        // an UnmarshalYAML error (durations), reported alone
};

int Line(const YAML::Node& n) {
  return n.Mark().line + 1;
}
int Column(const YAML::Node& n) {
  return n.Mark().column + 1;
}
std::string Pos(const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) return "0:0";
  return std::to_string(Line(n)) + ":" + std::to_string(Column(n));
}

std::string Tag(const YAML::Node& n) {
  if (n.IsSequence()) return "!!seq";
  if (n.IsMap()) return "!!map";
  if (n.IsNull()) return "!!null";
  const std::string v = n.Scalar();
  if (n.Tag() == "!") return "!!str";  // quoted
  char* end = nullptr;
  errno = 0;
  std::strtoll(v.c_str(), &end, 0);
  if (!v.empty() && *end == '\0') return "!!int";
  if (v == "true" || v == "false" || v == "True" || v == "False") return "!!bool";
  std::strtod(v.c_str(), &end);
  if (!v.empty() && *end == '\0') return "!!float";
  return "!!str";
}

void TypeError(const YAML::Node& n, const std::string& go_type, DecodeErrors* e,
               bool node_in_lenient = false) {
  std::string what = Tag(n);
  if (n.IsScalar()) what += " `" + n.Scalar() + "`";
  const std::string head = "line " + std::to_string(Line(n)) + ": cannot unmarshal " + what + " into ";
  e->type_errors.push_back({Line(n), head + go_type, node_in_lenient ? "" : head + NodeTypeName(go_type)});
}

// Checks a mapping's keys against a Go struct's fields.
bool CheckMap(const YAML::Node& n, const std::set<std::string>& known, const std::string& go_type,
              DecodeErrors* e) {
  if (!n.IsMap()) {
    if (!n.IsNull()) TypeError(n, go_type, e);
    return false;
  }
  for (const auto& kv : n) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!known.count(key)) {
      e->unknown_fields.push_back({Line(kv.first), "line " + std::to_string(Line(kv.first)) + ": field " +
                                                       key + " not found in type " + go_type});
    }
  }
  return true;
}

std::string Scalar(const YAML::Node& n, DecodeErrors* e, bool node_in_lenient = false) {
  if (!n.IsDefined() || n.IsNull()) return "";
  if (!n.IsScalar()) {
    TypeError(n, "string", e, node_in_lenient);
    return "";
  }
  return n.Scalar();
}

int64_t Duration(const YAML::Node& n, DecodeErrors* e) {
  if (!n.IsDefined() || n.IsNull()) return 0;
  if (!n.IsScalar()) {
    TypeError(n, "string", e);
    return 0;
  }
  auto d = model::ParseDuration(n.Scalar());
  if (!d.ok()) {
    if (e->fatal.empty()) e->fatal = d.error().message();
    return 0;
  }
  return *d;
}

int64_t Int(const YAML::Node& n, DecodeErrors* e) {
  if (!n.IsDefined() || n.IsNull()) return 0;
  if (Tag(n) != "!!int") {
    TypeError(n, "int", e);
    return 0;
  }
  return std::strtoll(n.Scalar().c_str(), nullptr, 0);
}

NameValues StringMap(const YAML::Node& n, DecodeErrors* e) {
  NameValues out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) {
    TypeError(n, "map[string]string", e);
    return out;
  }
  std::map<std::string, std::string> sorted;
  for (const auto& kv : n) sorted[Scalar(kv.first, e)] = Scalar(kv.second, e);
  return {sorted.begin(), sorted.end()};
}

// The positions ("line:column", "0:0" when not written) of the fields of one rule that errors
// point at.
struct RuleNodes {
  std::string record = "0:0", alert = "0:0", expr = "0:0";
};

RuleSpec DecodeRule(const YAML::Node& n, RuleNodes* nodes, DecodeErrors* e) {
  RuleSpec r;
  if (!CheckMap(n, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
                "rulefmt.Rule", e)) {
    return r;
  }
  nodes->record = Pos(n["record"]);
  nodes->alert = Pos(n["alert"]);
  nodes->expr = Pos(n["expr"]);
  r.record = Scalar(n["record"], e, true);
  r.alert = Scalar(n["alert"], e, true);
  r.expr = Scalar(n["expr"], e, true);
  r.for_ms = Duration(n["for"], e);
  r.keep_firing_for_ms = Duration(n["keep_firing_for"], e);
  r.labels = StringMap(n["labels"], e);
  r.annotations = StringMap(n["annotations"], e);
  return r;
}

GroupSpec DecodeGroup(const YAML::Node& n, std::vector<RuleNodes>* nodes, DecodeErrors* e) {
  GroupSpec g;
  if (!CheckMap(n, {"name", "interval", "query_offset", "limit", "rules", "labels"}, "rulefmt.RuleGroup",
                e)) {
    return g;
  }
  g.name = Scalar(n["name"], e);
  g.interval_ms = Duration(n["interval"], e);
  if (n["query_offset"].IsDefined() && !n["query_offset"].IsNull())
    g.query_offset_ms = Duration(n["query_offset"], e);
  g.limit = Int(n["limit"], e);
  g.labels = StringMap(n["labels"], e);
  const YAML::Node rules = n["rules"];
  if (rules.IsDefined() && !rules.IsNull()) {
    if (!rules.IsSequence()) {
      TypeError(rules, "[]rulefmt.Rule", e);
    } else {
      for (const auto& r : rules) {
        nodes->emplace_back();
        g.rules.push_back(DecodeRule(r, &nodes->back(), e));
      }
    }
  }
  return g;
}

bool ValidLabelName(const std::string& name, bool legacy) {
  return legacy ? model::IsValidLegacyLabelName(name) : model::IsValidLabelName(name);
}
bool ValidMetricName(const std::string& name, bool legacy) {
  return legacy ? model::IsValidLegacyMetricName(name) : !name.empty() && model::IsValidLabelValue(name);
}

// Rule.Validate: each error with the node(s) it points at ("" when none).
struct RuleError {
  std::string pos;  // "l:c: " or "l:c: l:c: " or ""
  std::string message;
};

void LabelErrors(const NameValues& labels, bool legacy, std::vector<RuleError>* out) {
  for (const auto& [k, v] : labels) {
    if (!ValidLabelName(k, legacy) || k == model::kMetricNameLabel)
      out->push_back({"", "invalid label name: " + k});
    if (!model::IsValidLabelValue(v)) out->push_back({"", "invalid label value: " + v});
  }
}

std::vector<RuleError> ValidateRule(const RuleSpec& r, const RuleNodes& n, const RuleFileOptions& o) {
  std::vector<RuleError> out;
  const std::string both = n.record + ": " + n.alert + ": ";
  if (!r.record.empty() && !r.alert.empty())
    out.push_back({both, "only one of 'record' and 'alert' must be set"});
  if (r.record.empty() && r.alert.empty()) out.push_back({both, "one of 'record' or 'alert' must be set"});
  if (r.expr.empty()) {
    out.push_back({n.expr + ": ", "field 'expr' must be set in rule"});
  } else if (auto parsed = promql::ParseExpr(r.expr, o.parse); !parsed.ok()) {
    out.push_back({n.expr + ": ", "could not parse expression: " + parsed.error().message()});
  }
  const std::string at_record = n.record + ": ";
  if (!r.record.empty()) {
    if (!r.annotations.empty()) out.push_back({at_record, "invalid field 'annotations' in recording rule"});
    if (r.for_ms != 0) out.push_back({at_record, "invalid field 'for' in recording rule"});
    if (r.keep_firing_for_ms != 0)
      out.push_back({at_record, "invalid field 'keep_firing_for' in recording rule"});
    if (!ValidMetricName(r.record, o.legacy_names))
      out.push_back({at_record, "invalid recording rule name: " + r.record});
    if (r.record.find_first_of("{}") != std::string::npos)
      out.push_back(
          {at_record, "braces present in the recording rule name; should it be in expr?: " + r.record});
  }
  LabelErrors(r.labels, o.legacy_names, &out);
  for (const auto& [k, v] : r.annotations) {
    if (!ValidLabelName(k, o.legacy_names)) out.push_back({"", "invalid annotation name: " + k});
  }
  if (!r.alert.empty() && o.check_template) {
    for (const auto& [k, v] : r.labels) {
      if (auto err = o.check_template(r.alert, v); !err.empty())
        out.push_back({"", "label " + model::GoQuote(k) + ": " + err});
    }
    for (const auto& [k, v] : r.annotations) {
      if (auto err = o.check_template(r.alert, v); !err.empty())
        out.push_back({"", "annotation " + model::GoQuote(k) + ": " + err});
    }
  }
  return out;
}

// RuleGroups.Validate.
std::vector<std::string> Validate(const std::vector<GroupSpec>& groups,
                                  const std::vector<YAML::Node>& group_nodes,
                                  const std::vector<std::vector<RuleNodes>>& rule_nodes,
                                  const RuleFileOptions& o) {
  std::vector<std::string> errs;
  std::set<std::string> seen;
  for (size_t j = 0; j < groups.size(); ++j) {
    const GroupSpec& g = groups[j];
    // rulefmt's group nodes never get a position (the embedded yaml.Node is not decoded
    // into), so these errors always read 0:0.
    if (g.name.empty()) errs.push_back("0:0: Groupname must not be empty");
    if (seen.count(g.name)) errs.push_back("0:0: groupname: \"" + g.name + "\" is repeated in the same file");
    std::vector<RuleError> label_errs;
    LabelErrors(g.labels, o.legacy_names, &label_errs);
    for (const auto& le : label_errs) errs.push_back(le.message);
    seen.insert(g.name);
    for (size_t i = 0; i < g.rules.size(); ++i) {
      const RuleSpec& r = g.rules[i];
      const std::string name = r.alert.empty() ? r.record : r.alert;
      for (const auto& re : ValidateRule(r, rule_nodes[j][i], o)) {
        errs.push_back(re.pos + "group " + model::GoQuote(g.name) + ", rule " + std::to_string(i + 1) + ", " +
                       model::GoQuote(name) + ": " + re.message);
      }
    }
  }
  return errs;
}

}  // namespace

ParsedRuleFile ParseRuleFile(const std::string& file, const std::string& content,
                             const RuleFileOptions& options) {
  ParsedRuleFile out;
  const auto fail = [&](const std::string& message) { out.errors.push_back(file + ": " + message); };
  YAML::Node root;
  try {
    root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    fail("yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    return out;
  }
  DecodeErrors e;
  std::vector<YAML::Node> group_nodes;
  std::vector<std::vector<RuleNodes>> rule_nodes;
  if (root.IsDefined() && !root.IsNull() && CheckMap(root, {"groups"}, "rulefmt.RuleGroups", &e)) {
    const YAML::Node groups = root["groups"];
    if (groups.IsDefined() && !groups.IsNull()) {
      if (!groups.IsSequence()) {
        TypeError(groups, "[]rulefmt.RuleGroup", &e);
      } else {
        for (const auto& g : groups) {
          group_nodes.push_back(g);
          rule_nodes.emplace_back();
          out.groups.push_back(DecodeGroup(g, &rule_nodes.back(), &e));
        }
      }
    }
  }
  // The strict decode reports type and unknown-field errors together; the second, lenient
  // decode into nodes repeats the type errors.
  if (!e.fatal.empty()) {
    fail(e.fatal);
    fail(e.fatal);
    return out;
  }
  if (!e.type_errors.empty() || !e.unknown_fields.empty()) {
    std::vector<DecodeError> all = e.type_errors;
    all.insert(all.end(), e.unknown_fields.begin(), e.unknown_fields.end());
    const auto by_line = [](const DecodeError& a, const DecodeError& b) { return a.line < b.line; };
    std::stable_sort(all.begin(), all.end(), by_line);
    std::string msg = "yaml: unmarshal errors:";
    for (const auto& t : all) msg += "\n  " + t.text;
    fail(msg);
    std::string lenient;
    for (const auto& t : e.type_errors) {
      if (!t.lenient.empty()) lenient += "\n  " + t.lenient;
    }
    if (!lenient.empty()) fail("yaml: unmarshal errors:" + lenient);
    return out;
  }
  for (const auto& err : Validate(out.groups, group_nodes, rule_nodes, options)) fail(err);
  return out;
}

ParsedRuleFile LoadRuleFile(const std::string& file, const RuleFileOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ParsedRuleFile out;
    out.errors.push_back(file + ": open " + file + ": " + std::strerror(errno == 0 ? ENOENT : errno));
    std::string& m = out.errors.back();
    if (!m.empty())
      m[m.rfind(": ") + 2] =
          static_cast<char>(std::tolower(static_cast<unsigned char>(m[m.rfind(": ") + 2])));
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseRuleFile(file, ss.str(), options);
}

}  // namespace promref::rules
