// The PromQL abstract syntax tree, shaped like Prometheus' parser.Expr nodes so that the
// printer, the AST JSON of /api/v1/parse_query and the engine can follow Prometheus closely.
//
// Nodes own their children (unique_ptr). Positions are byte offsets into the query text.
// Durations and times are milliseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/matcher.h"
#include "promql/token.h"

namespace promref::promql {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "vector", "matrix", "string" (what parse_query's function descriptions use).
std::string_view ValueTypeName(ValueType t);
// "scalar", "instant vector", "range vector", "string" (what error messages use).
std::string_view DocumentedType(ValueType t);

struct PositionRange {
  int start = 0;
  int end = 0;
};

struct Function {
  std::string name;
  std::vector<ValueType> arg_types;
  int variadic = 0;  // 0: exact; k > 0: last argument optional or repeated up to k times; -1: any
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

// The function table of Prometheus 3.x (plus `holt_winters`, marked removed).
const Function* FindFunction(std::string_view name);
const std::vector<Function>& AllFunctions();

enum class NodeKind {
  kAggregate,
  kBinary,
  kCall,
  kMatrixSelector,
  kSubquery,
  kNumberLiteral,
  kParen,
  kStringLiteral,
  kUnary,
  kVectorSelector,
  kStepInvariant,
  kDurationExpr,
};

struct Expr {
  explicit Expr(NodeKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  // The value type the expression evaluates to.
  ValueType Type() const;

  NodeKind kind;
  PositionRange pos;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral : Expr {
  NumberLiteral() : Expr(NodeKind::kNumberLiteral) {}
  double val = 0;
  bool duration = false;  // written as a duration ("5m"), printed back as one
};

struct StringLiteral : Expr {
  StringLiteral() : Expr(NodeKind::kStringLiteral) {}
  std::string val;
};

// An arithmetic expression over durations: `[5m * 2]`, `offset (1h / 2)`, `step()`.
// (Prometheus 3.4+, experimental.) Leaves are NumberLiterals (seconds) or preprocessor calls.
struct DurationExpr : Expr {
  DurationExpr() : Expr(NodeKind::kDurationExpr) {}
  TokenType op = TokenType::kAdd;  // kAdd.. kPow, or kStep/kRange/kMinOf/kMaxOf for calls
  ExprPtr lhs;                     // null for unary minus and for step()/range()
  ExprPtr rhs;
  bool wrapped = false;  // written in parentheses
  int start_pos = 0;
};

// Where an @ modifier points.
enum class AtKind { kNone, kTimestamp, kStart, kEnd };

// What a selector or subquery carries after it: offset and @.
struct TimeModifiers {
  int64_t original_offset = 0;  // as written (ms), may be negative
  ExprPtr offset_expr;          // a duration expression, when written as one
  AtKind at = AtKind::kNone;
  int64_t timestamp = 0;  // ms, for AtKind::kTimestamp
};

struct VectorSelector : Expr {
  VectorSelector() : Expr(NodeKind::kVectorSelector) {}
  std::string name;
  std::vector<model::Matcher> matchers;  // includes the __name__ matcher for `name`
  TimeModifiers mods;
  bool anchored = false;
  bool smoothed = false;
  // Set by the engine's preprocessing: the selector was bypassed by an offset/@ adjustment.
  bool bypass_empty_matcher_check = false;
  // Set by the engine's preprocessing: only count, sum and decided reset hints of histograms
  // are read (see promql/internal/histogram_stats_decoding.h).
  bool histogram_stats_only = false;
  bool unquoted_utf8_names = false;  // parsed with them: the printer may write such names bare
};

struct MatrixSelector : Expr {
  MatrixSelector() : Expr(NodeKind::kMatrixSelector) {}
  ExprPtr vector_selector;  // a VectorSelector
  int64_t range = 0;        // ms
  ExprPtr range_expr;       // a DurationExpr, when written as one
  int end_pos = 0;
};

struct SubqueryExpr : Expr {
  SubqueryExpr() : Expr(NodeKind::kSubquery) {}
  ExprPtr expr;
  int64_t range = 0;  // ms
  int64_t step = 0;   // ms; 0: the default evaluation interval
  ExprPtr range_expr;
  ExprPtr step_expr;
  TimeModifiers mods;
  int end_pos = 0;
};

struct AggregateExpr : Expr {
  AggregateExpr() : Expr(NodeKind::kAggregate) {}
  TokenType op = TokenType::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk's k, quantile's φ, count_values' label
  std::vector<std::string> grouping;
  bool without = false;
  bool unquoted_utf8_names = false;  // parsed with them: the printer may write such names bare
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
std::string_view CardinalityName(Cardinality c);  // "one-to-one", ...

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;
  bool on = false;
  std::vector<std::string> include;
  // fill / fill_left / fill_right (experimental).
  std::optional<double> fill_left;
  std::optional<double> fill_right;
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(NodeKind::kBinary) {}
  TokenType op = TokenType::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  std::optional<VectorMatching> matching;  // absent when an operand is a scalar
  bool return_bool = false;
  bool unquoted_utf8_names = false;  // parsed with them: the printer may write such names bare
  // Scalar or vector, set by the parser so that Type() need not walk down the operands: asked
  // at every level of a long chain (`a + b + c + ...`), that walk would take quadratic time.
  // kNone: not known, Type() works it out.
  ValueType type = ValueType::kNone;
};

struct Call : Expr {
  Call() : Expr(NodeKind::kCall) {}
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
};

struct ParenExpr : Expr {
  ParenExpr() : Expr(NodeKind::kParen) {}
  ExprPtr expr;
};

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(NodeKind::kUnary) {}
  TokenType op = TokenType::kSub;
  ExprPtr expr;
};

// Wraps a subtree whose value does not depend on the evaluation step (engine preprocessing).
struct StepInvariantExpr : Expr {
  StepInvariantExpr() : Expr(NodeKind::kStepInvariant) {}
  ExprPtr expr;
};

// Deep copy and structural equality (positions ignored): the printer's round-trip laws and
// the engine's preprocessing use them.
ExprPtr Clone(const Expr& e);
bool Equal(const Expr& a, const Expr& b);

// The direct children of a node, in the order they are written (absent ones left out).
std::vector<const Expr*> Children(const Expr& e);

// Downcasts; the caller has checked `kind`.
template <typename T>
const T& As(const Expr& e) {
  return static_cast<const T&>(e);
}
template <typename T>
T& As(Expr& e) {
  return static_cast<T&>(e);
}

}  // namespace promref::promql
