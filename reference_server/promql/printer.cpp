#include "promql/printer.h"

#include <algorithm>
#include <cmath>

#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/time.h"
#include "promql/lexer.h"

namespace promref::promql {
namespace {

constexpr size_t kMaxCharactersPerLine = 100;

// Prometheus' labelNameRequiresQuoting: a name is written bare when it lexes back as one name,
// with the unquoted-UTF-8-names rules when the node was parsed with them.
bool NeedsQuoting(const std::string& name, bool unquoted_utf8_names) {
  return unquoted_utf8_names ? !IsUnquotedUtf8Name(name) : !model::IsValidLegacyLabelName(name);
}

std::string JoinLabels(const std::vector<std::string>& labels, bool unquoted_utf8_names) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += NeedsQuoting(labels[i], unquoted_utf8_names) ? model::GoQuote(labels[i]) : labels[i];
  }
  return out;
}

std::string Duration(int64_t ms) {
  return model::FormatDuration(ms);
}

// A number written as a duration prints back as one (Prometheus 3.x).
std::string NumberText(const NumberLiteral& n) {
  if (n.duration) {
    const double ms = n.val * 1000;
    if (n.val < 0) return "-" + Duration(static_cast<int64_t>(std::llround(-ms)));
    return Duration(static_cast<int64_t>(std::llround(ms)));
  }
  return model::FormatFloat(n.val, 'f');  // strconv.FormatFloat(v, 'f', -1, 64): no exponent
}

std::string DurationExprText(const Expr& e);

std::string DurationOperand(const Expr& e) {
  if (e.kind == NodeKind::kNumberLiteral) return NumberText(As<NumberLiteral>(e));
  return DurationExprText(e);
}

std::string DurationExprText(const Expr& e) {
  if (e.kind == NodeKind::kNumberLiteral) return NumberText(As<NumberLiteral>(e));
  const auto& d = As<DurationExpr>(e);
  std::string s;
  switch (d.op) {
    case TokenType::kStep: s = "step()"; break;
    case TokenType::kRange: s = "range()"; break;
    case TokenType::kMinOf:
    case TokenType::kMaxOf:
      s = std::string(TokenText(d.op)) + "(" + DurationOperand(*d.lhs) + ", " + DurationOperand(*d.rhs) + ")";
      break;
    default:
      if (!d.lhs) {
        s = (d.op == TokenType::kSub ? "-" : "") + DurationOperand(*d.rhs);
      } else {
        s = DurationOperand(*d.lhs) + " " + std::string(TokenText(d.op)) + " " + DurationOperand(*d.rhs);
      }
  }
  return d.wrapped ? "(" + s + ")" : s;
}

std::string RangeText(int64_t ms, const ExprPtr& expr) {
  return expr ? DurationExprText(*expr) : Duration(ms);
}

// " @ <t>" and " offset <d>" in Prometheus' order.
std::pair<std::string, std::string> AtAndOffset(const TimeModifiers& m) {
  std::string offset;
  if (m.offset_expr) {
    offset = " offset " + DurationExprText(*m.offset_expr);
  } else if (m.original_offset > 0) {
    offset = " offset " + Duration(m.original_offset);
  } else if (m.original_offset < 0) {
    offset = " offset -" + Duration(-m.original_offset);
  }
  std::string at;
  switch (m.at) {
    case AtKind::kTimestamp:
      at = " @ " + model::FormatFloatPrec(static_cast<double>(m.timestamp) / 1000.0, 'f', 3);
      break;
    case AtKind::kStart: at = " @ start()"; break;
    case AtKind::kEnd: at = " @ end()"; break;
    case AtKind::kNone: break;
  }
  return {at, offset};
}

std::string MatcherText(const model::Matcher& m, bool unquoted_utf8_names) {
  if (unquoted_utf8_names && IsUnquotedUtf8Name(m.name())) {
    return m.name() + std::string(model::MatchTypeString(m.type())) + model::GoQuote(m.value());
  }
  // Matcher.String(): names that are not plain identifiers are quoted.
  bool quote = m.name().empty();
  for (size_t i = 0; i < m.name().size() && !quote; ++i) {
    const char c = m.name()[i];
    const bool ok =
        c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) quote = true;
  }
  std::string out = quote ? model::GoQuote(m.name()) : m.name();
  out += model::MatchTypeString(m.type());
  out += model::GoQuote(m.value());
  return out;
}

// The selector without its offset and @ (MatrixSelector prints those after the range).
std::string SelectorCore(const VectorSelector& vs) {
  std::vector<std::string> labels;
  std::string name = vs.name;
  for (const auto& m : vs.matchers) {
    // A name written inside the braces (`{"my.metric"}`) prints as its __name__ matcher.
    const bool name_matcher = m.name() == model::kMetricNameLabel && m.type() == model::MatchType::kEqual;
    if (name_matcher && m.value() == vs.name && !vs.name.empty()) continue;
    labels.push_back(MatcherText(m, vs.unquoted_utf8_names));
  }
  std::sort(labels.begin(), labels.end());
  // (A name parsed with unquoted UTF-8 names was written bare, and prints bare, as in Prometheus.)
  if (!name.empty() && !vs.unquoted_utf8_names && !model::IsValidLegacyMetricName(name)) {
    // A UTF-8 metric name can only be written quoted inside the braces.
    labels.insert(labels.begin(), model::GoQuote(name));
    name.clear();
  }
  if (labels.empty()) return name;
  std::string out = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i];
  }
  out += "}";
  return out;
}

std::string AggregateOp(const AggregateExpr& a) {
  std::string s(TokenText(a.op));
  if (a.without) {
    s += " without (" + JoinLabels(a.grouping, a.unquoted_utf8_names) + ") ";
  } else if (!a.grouping.empty()) {
    s += " by (" + JoinLabels(a.grouping, a.unquoted_utf8_names) + ") ";
  }
  return s;
}

std::string MatchingText(const BinaryExpr& b) {
  if (!b.matching) return "";
  const VectorMatching& vm = *b.matching;
  std::string s;
  // A group modifier needs its on/ignoring, even an empty `ignoring ()` (as Prometheus 3.x prints).
  const bool grouped = vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany;
  if (!vm.matching_labels.empty() || vm.on || grouped) {
    s = std::string(" ") + (vm.on ? "on" : "ignoring") + " (" +
        JoinLabels(vm.matching_labels, b.unquoted_utf8_names) + ")";
  }
  if (grouped) {
    s += std::string(" group_") + (vm.card == Cardinality::kManyToOne ? "left" : "right") + " (" +
         JoinLabels(vm.include, b.unquoted_utf8_names) + ")";
  }
  auto fill = [](double v) { return model::FormatFloat(v, 'g'); };
  // Equal values print as one fill (NaN never equals itself, as in Go).
  if (vm.fill_left && vm.fill_right && *vm.fill_left == *vm.fill_right) {
    s += " fill (" + fill(*vm.fill_left) + ")";
  } else {
    if (vm.fill_left) s += " fill_left (" + fill(*vm.fill_left) + ")";
    if (vm.fill_right) s += " fill_right (" + fill(*vm.fill_right) + ")";
  }
  return s;
}

std::string ExtendedModifiers(const VectorSelector& vs) {
  if (vs.anchored) return " anchored";
  if (vs.smoothed) return " smoothed";
  return "";
}

std::string SubquerySuffix(const SubqueryExpr& s) {
  std::string step;
  if (s.step_expr) {
    step = DurationExprText(*s.step_expr);
  } else if (s.step != 0) {
    step = Duration(s.step);
  }
  auto [at, offset] = AtAndOffset(s.mods);
  return "[" + RangeText(s.range, s.range_expr) + ":" + step + "]" + at + offset;
}

std::string Indent(int level) {
  return std::string(static_cast<size_t>(level) * 2, ' ');
}

}  // namespace

std::string ToString(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kAggregate: {
      const auto& a = As<AggregateExpr>(e);
      std::string s = AggregateOp(a) + "(";
      if (IsAggregatorWithParam(a.op) && a.param) s += ToString(*a.param) + ", ";
      s += (a.expr ? ToString(*a.expr) : "") + ")";
      return s;
    }
    case NodeKind::kBinary: {
      const auto& b = As<BinaryExpr>(e);
      return ToString(*b.lhs) + " " + std::string(TokenText(b.op)) + (b.return_bool ? " bool" : "") +
             MatchingText(b) + " " + ToString(*b.rhs);
    }
    case NodeKind::kCall: {
      const auto& c = As<Call>(e);
      std::string s = c.func->name + "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) s += ", ";
        s += ToString(*c.args[i]);
      }
      return s + ")";
    }
    case NodeKind::kMatrixSelector: {
      const auto& m = As<MatrixSelector>(e);
      const auto& vs = As<VectorSelector>(*m.vector_selector);
      auto [at, offset] = AtAndOffset(vs.mods);
      return SelectorCore(vs) + "[" + RangeText(m.range, m.range_expr) + "]" + ExtendedModifiers(vs) + at +
             offset;
    }
    case NodeKind::kSubquery: {
      const auto& s = As<SubqueryExpr>(e);
      return ToString(*s.expr) + SubquerySuffix(s);
    }
    case NodeKind::kNumberLiteral: return NumberText(As<NumberLiteral>(e));
    case NodeKind::kParen: return "(" + ToString(*As<ParenExpr>(e).expr) + ")";
    case NodeKind::kStringLiteral: return model::GoQuote(As<StringLiteral>(e).val);
    case NodeKind::kUnary: {
      const auto& u = As<UnaryExpr>(e);
      return std::string(TokenText(u.op)) + ToString(*u.expr);
    }
    case NodeKind::kVectorSelector: {
      const auto& vs = As<VectorSelector>(e);
      auto [at, offset] = AtAndOffset(vs.mods);
      return SelectorCore(vs) + ExtendedModifiers(vs) + at + offset;
    }
    case NodeKind::kStepInvariant: return ToString(*As<StepInvariantExpr>(e).expr);
    case NodeKind::kDurationExpr: return DurationExprText(e);
  }
  return "";
}

namespace {

std::string Pretty(const Expr& e, int level) {
  const std::string plain = ToString(e);
  const bool split = plain.size() > kMaxCharactersPerLine;
  switch (e.kind) {
    case NodeKind::kAggregate: {
      if (!split) return Indent(level) + plain;
      const auto& a = As<AggregateExpr>(e);
      std::string s = Indent(level) + AggregateOp(a) + "(\n";
      if (IsAggregatorWithParam(a.op) && a.param) s += Pretty(*a.param, level + 1) + ",\n";
      s += Pretty(*a.expr, level + 1) + "\n" + Indent(level) + ")";
      return s;
    }
    case NodeKind::kBinary: {
      if (!split) return Indent(level) + plain;
      const auto& b = As<BinaryExpr>(e);
      return Pretty(*b.lhs, level + 1) + "\n" + Indent(level) + std::string(TokenText(b.op)) +
             (b.return_bool ? " bool" : "") + MatchingText(b) + "\n" + Pretty(*b.rhs, level + 1);
    }
    case NodeKind::kCall: {
      if (!split) return Indent(level) + plain;
      const auto& c = As<Call>(e);
      std::string args;
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) args += ",\n";
        args += Pretty(*c.args[i], level + 1);
      }
      return Indent(level) + c.func->name + "(\n" + args + "\n" + Indent(level) + ")";
    }
    case NodeKind::kParen: {
      if (!split) return Indent(level) + plain;
      return Indent(level) + "(\n" + Pretty(*As<ParenExpr>(e).expr, level + 1) + "\n" + Indent(level) + ")";
    }
    case NodeKind::kSubquery: {
      // Prometheus does not indent an unsplit subquery; its output is reproduced as is.
      if (!split) return plain;
      const auto& s = As<SubqueryExpr>(e);
      return Pretty(*s.expr, level) + SubquerySuffix(s);
    }
    case NodeKind::kUnary: {
      const auto& u = As<UnaryExpr>(e);
      std::string child = Pretty(*u.expr, level);
      const size_t first = child.find_first_not_of(" \t\n");
      const size_t last = child.find_last_not_of(" \t\n");
      child = first == std::string::npos ? "" : child.substr(first, last - first + 1);
      return Indent(level) + std::string(TokenText(u.op)) + child;
    }
    case NodeKind::kStepInvariant: return Pretty(*As<StepInvariantExpr>(e).expr, level);
    default: return Indent(level) + plain;
  }
}

}  // namespace

std::string Prettify(const Expr& e) {
  return Pretty(e, 0);
}

}  // namespace promref::promql
