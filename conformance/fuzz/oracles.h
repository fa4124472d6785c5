// The oracles: what any correct Prometheus-compatible endpoint answers to a fuzzed request,
// whatever the request.
//
//   server-error  no 5xx, except 503 with errorType "timeout" (a query that ran out of time) and
//                 501 (the target says it lacks the endpoint); a 500 is always a finding.
//   no-answer     every request gets an HTTP answer (a reset or closed connection is a finding;
//                 a client-side timeout is counted, not judged: slow is not wrong).
//   parse-reject  a query or selector promref's PromQL parser rejects gets 400 bad_data.
//   parse-accept  one it accepts gets no parse error (400 bad_data whose message says "parse
//                 error"); other errors (bad times, too many points) are not the parser's.
//   crash         the target still answers the canary query after each batch (fuzz_runner).
//   canary-data   the canary series written at the start are unchanged (fuzz_runner).
// The parse oracles do not apply where the target says it lacks the endpoint (404, 501,
// "unsupported path", the profile's unsupported_answers) or no parser saw the request (3xx,
// 413, 414, 431: the HTTP layer answered), and a profile opts a target out of
// any oracle with `unsupported: [{cases: "fuzz/<oracle>", reason: ...}]`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "client/http_client.h"
#include "fuzz/fuzz_request.h"
#include "profiles/profile.h"

namespace promconform::fuzz {

enum class Oracle { kServerError, kNoAnswer, kParseReject, kParseAccept, kCrash, kCanaryData };
inline constexpr Oracle kAllOracles[] = {Oracle::kServerError, Oracle::kNoAnswer, Oracle::kParseReject,
                                         Oracle::kParseAccept, Oracle::kCrash,    Oracle::kCanaryData};

std::string_view OracleName(Oracle o);  // "server-error", ...
std::string OracleCategory(Oracle o);   // "fuzz/server-error", ...

// What promref's parser says of the PromQL a request carries (`query` of the query endpoints,
// every `match[]` of the metadata endpoints).
struct ParseExpectation {
  bool applies = false;  // the request carries PromQL the endpoint must parse
  bool accepted = true;  // every piece parses
  std::string error;     // the first rejection: "match[] ...: 1:5: parse error: ..."
};

// Parses on a thread with a large stack: deeply nested fuzz input must not overflow the
// fuzzer's own stack, whatever it does to the target's.
ParseExpectation ExpectParse(const FuzzRequest& r, bool experimental);

// The deepest nesting (promql_mutator.h's NestingDepth) ExpectParse handles in this build
// (smaller under AddressSanitizer): the fuzzer generates nothing deeper.
size_t MaxParsableNesting();

// The status, errorType and error of an answer, as the oracles read it.
struct AnswerSummary {
  long status = 0;
  std::string error_type;
  std::string error;
  std::string Text() const;  // "400 bad_data: invalid parameter ..." (shortened)
};
AnswerSummary Summarize(const HttpResponse& resp);

// A transport failure that is the client giving up (a slow answer), not the server dropping
// the connection.
bool IsClientTimeout(const HttpResponse& resp);

struct Firing {
  Oracle oracle;
  std::string message;
};

// The per-request oracles (server-error, no-answer, parse-reject, parse-accept); nullopt when
// the answer is acceptable.
std::optional<Firing> Judge(const HttpResponse& resp, const ParseExpectation& expect,
                            const TargetProfile& profile);

}  // namespace promconform::fuzz
