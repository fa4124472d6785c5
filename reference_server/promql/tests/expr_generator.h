// RapidCheck generators of random, well-typed PromQL ASTs in the canonical shape the parser
// produces (negated number literals folded, parentheses wherever precedence needs them), so
// that print/parse laws can be stated over them.
#pragma once

#include <rapidcheck.h>

#include "model/matcher.h"
#include "promql/ast.h"

namespace promref::promql::testing {

// An expression of the given type (kScalar, kVector, kMatrix or kString), at most `depth`
// levels deep. Call it inside a RapidCheck property (it draws with `*gen`).
ExprPtr GenExpr(ValueType type, int depth);

}  // namespace promref::promql::testing
