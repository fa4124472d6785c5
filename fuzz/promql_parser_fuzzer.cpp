// Fuzzes the PromQL parser, and the printer on whatever parses:
//  - parsing never crashes, leaks or hangs, with and without experimental syntax;
//  - whatever parses prints to text that parses again and prints the same (print is
//    idempotent through parse), prettified or not, and converts to AST JSON. (Tree equality
//    is not asserted here: Prometheus' printer drops `ignoring()` with no labels together with
//    its group modifier, and we print what Prometheus prints. The RapidCheck property checks
//    parse(print(e)) == e on canonical trees.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "promql/ast_json.h"
#include "promql/parser.h"
#include "promql/printer.h"

using promref::promql::ParseExprDetailed;

namespace {

void CheckRoundTrip(const promref::promql::Expr& e, bool experimental, std::string_view input) {
  for (const std::string& text : {promref::promql::ToString(e), promref::promql::Prettify(e)}) {
    auto again = ParseExprDetailed(text, {.experimental = experimental});
    if (!again.ok() || promref::promql::ToString(*again.expr) != promref::promql::ToString(e)) {
      std::fprintf(stderr, "round trip failed\ninput:   %.*s\nprinted: %s\n%s\n",
                   static_cast<int>(input.size()), input.data(), text.c_str(),
                   again.ok() ? "different tree" : again.errors[0].ToString(text).c_str());
      std::abort();
    }
  }
  (void)promref::promql::AstToJson(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // long inputs add nothing but time
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (bool experimental : {false, true}) {
    auto r = ParseExprDetailed(input, {.experimental = experimental});
    if (r.ok()) CheckRoundTrip(*r.expr, experimental, input);
  }
  return 0;
}
