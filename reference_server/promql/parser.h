// The PromQL parser and type checker.
//
// It accepts the PromQL of Prometheus 3.x and reports errors as Prometheus does: the same
// messages ("unexpected <op:*> in aggregation", "expected type range vector in call to function
// \"rate\", got instant vector", ...) at the same positions ("1:5: parse error: ..."). Like
// Prometheus, it records semantic errors found while parsing and keeps going, stops at the
// first syntax error, type-checks only an error-free tree, and reports the first error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "promql/ast.h"

namespace promref::promql {

struct ParseOptions {
  // The parser's experimental switches of Prometheus 3.16, both at once, as its test engines
  // run: promql-experimental-functions (experimental functions, limitk and limit_ratio) and
  // promql-binop-fill-modifiers. (Duration expressions and anchored/smoothed are permanent in
  // 3.16, their feature flags no-ops.)
  bool experimental = false;
  // Each switch alone, as a server's --enable-feature turns them on.
  bool experimental_functions = false;
  bool binop_fill_modifiers = false;
  bool FunctionsEnabled() const { return experimental || experimental_functions; }
  bool FillModifiersEnabled() const { return experimental || binop_fill_modifiers; }
  // promql-unquoted-utf8-names: Unicode letters and non-leading dots in unquoted metric and
  // label names (`http.server.requests{service.name="api"}`), printed back unquoted.
  bool unquoted_utf8_names = false;
};

struct ParseError {
  PositionRange pos;
  std::string message;
  // "<line>:<col>: parse error: <message>", positions counted from 1 in bytes ("unknown
  // position" for an empty input, "invalid position" outside it, as Prometheus).
  std::string ToString(std::string_view input) const;
};

struct ParseResult {
  ExprPtr expr;                    // null when there is a syntax error
  std::vector<ParseError> errors;  // in the order they were found
  bool ok() const { return errors.empty(); }
};

ParseResult ParseExprDetailed(std::string_view input, const ParseOptions& options = {});

// The expression, or a bad_data error whose message is Prometheus' text for the first error.
Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& options = {});

// A series selector as `match[]` takes it (`up{job="x"}`, `{__name__=~"a.*"}`): its matchers.
// (Prometheus' API parses these with the server's parser options too.)
Result<std::vector<model::Matcher>> ParseMetricSelector(std::string_view input,
                                                        const ParseOptions& options = {});

// Unquotes a PromQL string literal ('...', "..." or `...`), with Go's escapes.
Result<std::string> UnquoteString(std::string_view quoted);

}  // namespace promref::promql
