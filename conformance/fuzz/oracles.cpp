#include "fuzz/oracles.h"

#include <pthread.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_request.h"
#include "promql/parser.h"

namespace promconform::fuzz {
namespace {

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer unpoisons a stack on a thrown exception only when less than 64 MiB of it is
// in use (__asan_handle_no_return); past that, stale poison on a reused stack gives false
// reports. Its frames are large, and promref's parser refuses (with a parse error) what nests
// deeper than its ASan stack budget allows, about 2,300 levels (promql/internal/stack_depth.h):
// the fuzzer stays below that, so a refusal is never the parser's own limit.
constexpr size_t kParseStackBytes = size_t{64} << 20;
constexpr size_t kMaxParsableNesting = 2000;
#else
// Address space, touched only as deep as the recursion goes; the parser's depth guard allows
// about 262,000 levels on a stack this size.
constexpr size_t kParseStackBytes = size_t{1} << 30;
constexpr size_t kMaxParsableNesting = 200000;
#endif

void RunOnLargeStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kParseStackBytes);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) != 0) {
    fn();  // no thread: parse here (the fuzzer's nesting bound keeps this usable)
  } else {
    pthread_join(thread, nullptr);
  }
  pthread_attr_destroy(&attr);
}

bool QueryEndpoint(std::string_view path) {
  for (const char* p : {"/api/v1/query", "/api/v1/query_range", "/api/v1/format_query", "/api/v1/parse_query",
                        "/api/v1/query_exemplars"}) {
    if (path == p) return true;
  }
  return false;
}

bool SelectorEndpoint(std::string_view path) {
  return path == "/api/v1/series" || path == "/api/v1/labels" ||
         (path.starts_with("/api/v1/label/") && path.ends_with("/values"));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The target says it does not have the endpoint (or the function): the parse oracles have
// nothing to judge.
bool SaysUnsupported(const AnswerSummary& a, const TargetProfile& profile) {
  if (a.status == 404 || a.status == 405 || a.status == 501) return true;
  const std::string text = Lower(a.error);
  if (text.find("unsupported path") != std::string::npos ||
      text.find("not implemented") != std::string::npos) {
    return true;
  }
  for (const auto& t : profile.unsupported_answers) {
    if (!t.empty() && text.find(Lower(t)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

size_t MaxParsableNesting() {
  return kMaxParsableNesting;
}

std::string_view OracleName(Oracle o) {
  switch (o) {
    case Oracle::kServerError: return "server-error";
    case Oracle::kNoAnswer: return "no-answer";
    case Oracle::kParseReject: return "parse-reject";
    case Oracle::kParseAccept: return "parse-accept";
    case Oracle::kCrash: return "crash";
    case Oracle::kCanaryData: return "canary-data";
  }
  return "unknown";
}

std::string OracleCategory(Oracle o) {
  return "fuzz/" + std::string(OracleName(o));
}

ParseExpectation ExpectParse(const FuzzRequest& r, bool experimental) {
  ParseExpectation e;
  if (r.raw_body) return e;
  std::vector<std::pair<std::string, bool>> pieces;  // text, is a full expression
  if (QueryEndpoint(r.path)) {
    // Go's FormValue: the first value; a missing one is "" (which does not parse).
    const std::string* q = r.Param("query");
    pieces.emplace_back(q != nullptr ? *q : "", true);
  } else if (SelectorEndpoint(r.path)) {
    for (const auto& [k, v] : r.params) {
      if (k == "match[]") pieces.emplace_back(v, false);
    }
  }
  if (pieces.empty()) return e;
  e.applies = true;
  RunOnLargeStack([&] {
    for (const auto& [text, is_expr] : pieces) {
      std::string error;
      if (is_expr) {
        auto p = promref::promql::ParseExpr(text, {.experimental = experimental});
        if (!p.ok()) error = "query: " + p.error().message();
      } else {
        auto p = promref::promql::ParseMetricSelector(text);
        if (!p.ok()) error = "match[]=" + Printable(text, 80) + ": " + p.error().message();
      }
      if (!error.empty()) {
        e.accepted = false;
        e.error = error;
        return;
      }
    }
  });
  return e;
}

std::string AnswerSummary::Text() const {
  std::string s = std::to_string(status);
  if (!error_type.empty()) s += " " + error_type;
  if (!error.empty()) s += ": " + Printable(error, 300);
  return s;
}

AnswerSummary Summarize(const HttpResponse& resp) {
  AnswerSummary a;
  a.status = resp.status;
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_object()) {
    if (j.contains("errorType") && j["errorType"].is_string())
      a.error_type = j["errorType"].get<std::string>();
    if (j.contains("error") && j["error"].is_string()) a.error = j["error"].get<std::string>();
  } else if (resp.status >= 400) {
    a.error = resp.body.substr(0, 500);
  }
  return a;
}

bool IsClientTimeout(const HttpResponse& resp) {
  return !resp.answered() && Lower(resp.transport_error).find("timeout") != std::string::npos;
}

std::optional<Firing> Judge(const HttpResponse& resp, const ParseExpectation& expect,
                            const TargetProfile& profile) {
  if (!resp.answered()) {
    if (IsClientTimeout(resp)) return std::nullopt;
    return Firing{Oracle::kNoAnswer, "no HTTP answer: " + resp.transport_error};
  }
  const AnswerSummary a = Summarize(resp);
  if (a.status == 503 && a.error_type == "timeout") return std::nullopt;
  if (a.status >= 500 && a.status != 501) return Firing{Oracle::kServerError, "answered " + a.Text()};
  // No parser spoke: a redirect (Go's mux cleaning a path) or the HTTP layer refusing the
  // request's size (413 body, 414 URI, 431 headers).
  const bool http_layer =
      (a.status >= 300 && a.status < 400) || a.status == 413 || a.status == 414 || a.status == 431;
  if (!expect.applies || http_layer || SaysUnsupported(a, profile) || a.status == 503 || a.status == 499) {
    return std::nullopt;
  }
  if (!expect.accepted) {
    if (a.status == 400 && a.error_type == "bad_data") return std::nullopt;
    return Firing{Oracle::kParseReject, "promref's parser rejects it (" + Printable(expect.error, 300) +
                                            "); the target answered " + a.Text()};
  }
  if (a.status == 400 && a.error_type == "bad_data" && a.error.find("parse error") != std::string::npos) {
    return Firing{Oracle::kParseAccept, "promref's parser accepts it; the target answered " + a.Text()};
  }
  return std::nullopt;
}

}  // namespace promconform::fuzz
