// The AST as /api/v1/parse_query returns it (Prometheus' translateAST): one JSON object per
// node with a "type" field, keys in sorted order, strings escaped as Go's encoding/json does.
#pragma once

#include <string>

#include "promql/ast.h"

namespace promref::promql {

std::string AstToJson(const Expr& e);

}  // namespace promref::promql
