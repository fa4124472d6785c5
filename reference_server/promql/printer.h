// PromQL text from an AST: the canonical one-line form (Prometheus' String()) and the
// prettified form /api/v1/format_query returns (Prometheus' Prettify: split across indented
// lines where a node is longer than 100 characters).
#pragma once

#include <string>

#include "promql/ast.h"

namespace promref::promql {

std::string ToString(const Expr& e);
std::string Prettify(const Expr& e);

}  // namespace promref::promql
