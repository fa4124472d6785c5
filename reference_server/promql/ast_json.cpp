#include "promql/ast_json.h"

#include <map>

#include "model/go_strconv.h"
#include "model/value_text.h"
#include "promql/printer.h"

namespace promref::promql {
namespace {

// A JSON object under construction: members are kept sorted by key, as Go writes maps.
class Object {
 public:
  Object& Raw(const std::string& key, std::string json) {
    members_[key] = std::move(json);
    return *this;
  }
  Object& Str(const std::string& key, std::string_view s) {
    std::string out;
    model::AppendJsonString(&out, s);
    return Raw(key, out);
  }
  Object& Int(const std::string& key, int64_t v) { return Raw(key, std::to_string(v)); }
  Object& Bool(const std::string& key, bool v) { return Raw(key, v ? "true" : "false"); }
  Object& Merge(const Object& other) {
    for (const auto& [k, v] : other.members_) members_[k] = v;
    return *this;
  }
  std::string Dump() const {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : members_) {
      if (!first) out += ",";
      first = false;
      model::AppendJsonString(&out, k);
      out += ":";
      out += v;
    }
    return out + "}";
  }

 private:
  std::map<std::string, std::string> members_;
};

std::string StringList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ",";
    model::AppendJsonString(&out, v[i]);
  }
  return out + "]";
}

std::string Matchers(const std::vector<model::Matcher>& ms) {
  std::string out = "[";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i > 0) out += ",";
    out += Object()
               .Str("name", ms[i].name())
               .Str("type", model::MatchTypeString(ms[i].type()))
               .Str("value", ms[i].value())
               .Dump();
  }
  return out + "]";
}

std::string OptionalNode(const ExprPtr& e);

std::string Timestamp(const TimeModifiers& m) {
  return m.at == AtKind::kTimestamp ? std::to_string(m.timestamp) : "null";
}
std::string StartOrEnd(const TimeModifiers& m) {
  if (m.at == AtKind::kStart) return "\"start\"";
  if (m.at == AtKind::kEnd) return "\"end\"";
  return "null";
}

// The experimental `anchored`/`smoothed` flags appear only when set, so that ordinary
// selectors have exactly the shape of the API document (seeds/003).
Object ExtendedModifiers(const VectorSelector& vs) {
  Object o;
  if (vs.anchored) o.Bool("anchored", true);
  if (vs.smoothed) o.Bool("smoothed", true);
  return o;
}

std::string Node(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& a = As<AggregateExpr>(e);
      return Object()
          .Str("type", "aggregation")
          .Str("op", TokenText(a.op))
          .Raw("expr", OptionalNode(a.expr))
          .Raw("param", OptionalNode(a.param))
          .Raw("grouping", StringList(a.grouping))
          .Bool("without", a.without)
          .Dump();
    }
    case NodeKind::kBinary: {
      const auto& b = As<BinaryExpr>(e);
      std::string matching = "null";
      if (b.matching) {
        Object m;
        m.Str("card", CardinalityName(b.matching->card))
            .Raw("labels", StringList(b.matching->matching_labels))
            .Bool("on", b.matching->on)
            .Raw("include", StringList(b.matching->include));
        if (b.matching->fill_left || b.matching->fill_right) {
          auto v = [](const std::optional<double>& d) {
            return d ? "\"" + model::FormatFloat(*d, 'f') + "\"" : std::string("null");
          };
          m.Raw("fillValues",
                Object().Raw("lhs", v(b.matching->fill_left)).Raw("rhs", v(b.matching->fill_right)).Dump());
        }
        matching = m.Dump();
      }
      return Object()
          .Str("type", "binaryExpr")
          .Str("op", TokenText(b.op))
          .Raw("lhs", Node(*b.lhs))
          .Raw("rhs", Node(*b.rhs))
          .Raw("matching", matching)
          .Bool("bool", b.return_bool)
          .Dump();
    }
    case NodeKind::kCall: {
      const auto& c = As<Call>(e);
      std::vector<std::string> arg_types;
      for (ValueType t : c.func->arg_types) arg_types.emplace_back(ValueTypeName(t));
      std::string args = "[";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) args += ",";
        args += Node(*c.args[i]);
      }
      args += "]";
      return Object()
          .Str("type", "call")
          .Raw("func", Object()
                           .Str("name", c.func->name)
                           .Raw("argTypes", StringList(arg_types))
                           .Int("variadic", c.func->variadic)
                           .Str("returnType", ValueTypeName(c.func->return_type))
                           .Dump())
          .Raw("args", args)
          .Dump();
    }
    case NodeKind::kMatrixSelector: {
      const auto& m = As<MatrixSelector>(e);
      const auto& vs = As<VectorSelector>(*m.vector_selector);
      return Object()
          .Str("type", "matrixSelector")
          .Str("name", vs.name)
          .Int("range", m.range)
          .Int("offset", vs.mods.original_offset)
          .Raw("matchers", Matchers(vs.matchers))
          .Raw("timestamp", Timestamp(vs.mods))
          .Raw("startOrEnd", StartOrEnd(vs.mods))
          .Merge(ExtendedModifiers(vs))
          .Dump();
    }
    case NodeKind::kSubquery: {
      const auto& s = As<SubqueryExpr>(e);
      return Object()
          .Str("type", "subquery")
          .Raw("expr", Node(*s.expr))
          .Int("range", s.range)
          .Int("offset", s.mods.original_offset)
          .Int("step", s.step)
          .Raw("timestamp", Timestamp(s.mods))
          .Raw("startOrEnd", StartOrEnd(s.mods))
          .Dump();
    }
    case NodeKind::kNumberLiteral:
      return Object()
          .Str("type", "numberLiteral")
          .Str("val", model::FormatFloat(As<NumberLiteral>(e).val, 'f'))
          .Dump();
    case NodeKind::kParen:
      return Object().Str("type", "parenExpr").Raw("expr", Node(*As<ParenExpr>(e).expr)).Dump();
    case NodeKind::kStringLiteral:
      return Object().Str("type", "stringLiteral").Str("val", As<StringLiteral>(e).val).Dump();
    case NodeKind::kUnary: {
      const auto& u = As<UnaryExpr>(e);
      return Object().Str("type", "unaryExpr").Str("op", TokenText(u.op)).Raw("expr", Node(*u.expr)).Dump();
    }
    case NodeKind::kVectorSelector: {
      const auto& vs = As<VectorSelector>(e);
      return Object()
          .Str("type", "vectorSelector")
          .Str("name", vs.name)
          .Int("offset", vs.mods.original_offset)
          .Raw("matchers", Matchers(vs.matchers))
          .Raw("timestamp", Timestamp(vs.mods))
          .Raw("startOrEnd", StartOrEnd(vs.mods))
          .Merge(ExtendedModifiers(vs))
          .Dump();
    }
    case NodeKind::kStepInvariant: return Node(*As<StepInvariantExpr>(e).expr);
    case NodeKind::kDurationExpr: return Object().Str("type", "durationExpr").Str("expr", ToString(e)).Dump();
  }
  return "null";
}

std::string OptionalNode(const ExprPtr& e) {
  return e ? Node(*e) : "null";
}

}  // namespace

std::string AstToJson(const Expr& e) {
  return Node(e);
}

}  // namespace promref::promql
