#include "fuzz/fuzz_runner.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "fuzz/canary.h"
#include "fuzz/minimize.h"
#include "fuzz/param_mutator.h"
#include "fuzz/promql_mutator.h"
#include "fuzz/reproducer.h"
#include "fuzz/write_mutator.h"
#include "report/results.h"

namespace promconform::fuzz {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// An error message's shape: quoted text and numbers blanked, cut short, so that one bug met
// with different inputs is one finding.
std::string Shape(std::string_view s) {
  std::string out;
  bool quoted = false;
  for (char c : s) {
    if (out.size() >= 60) break;
    if (c == '"') {
      quoted = !quoted;
      out += c;
    } else if (quoted) {
      continue;
    } else {
      out += (c >= '0' && c <= '9') ? '#' : c;
    }
  }
  return out;
}

std::string Signature(const FuzzRequest& r, const Firing& f, const HttpResponse& resp,
                      const ParseExpectation& e) {
  const AnswerSummary a = Summarize(resp);
  // What a parser objects to, past the position and the parameter's name.
  auto parse_error = [](const std::string& s) {
    const size_t p = s.find("parse error");
    return Shape(p == std::string::npos ? s : s.substr(p));
  };
  // The parse oracles judge the parser, whichever endpoint carried the query.
  if (f.oracle == Oracle::kParseAccept) return "parse-accept|" + parse_error(a.error);
  if (f.oracle == Oracle::kParseReject) {
    return "parse-reject|" + std::to_string(a.status) + "|" + a.error_type + "|" + parse_error(e.error);
  }
  std::string endpoint = r.raw_body ? "write" : r.path;
  if (endpoint.starts_with("/api/v1/label/")) endpoint = "/api/v1/label/_/values";
  std::string sig = std::string(OracleName(f.oracle)) + "|" + endpoint + "|" + std::to_string(a.status) +
                    "|" + a.error_type + "|" + Shape(a.error);
  if (f.oracle == Oracle::kNoAnswer) sig += "|" + resp.transport_error;
  return sig;
}

// "query:swap+delete" -> "swap", "series:match:regex+..." -> "regex", "write:snappy" stays.
std::string MutationFamily(const std::string& m) {
  if (m.starts_with("write:")) return m;
  const std::string first = m.substr(0, m.find('+'));
  return first.substr(first.rfind(':') + 1);
}

class Runner {
 public:
  Runner(const Target& target, const FuzzOptions& o)
      : target_(target),
        o_(o),
        rng_(o.seed),
        client_([&] {
          HttpClientOptions c = target.ClientOptions();
          c.timeout_ms = o.request_timeout_ms;
          return c;
        }()),
        base_ms_((WallMs() - 20 * 60 * 1000) / 1000 * 1000),
        canary_(target, base_ms_),
        promql_(DefaultPromqlCorpus(), DatasetVocabulary(), {.max_nesting = o.max_nesting}),
        params_(promql_, base_ms_),
        writes_(target.RemoteWriteUrl(), base_ms_) {}

  promref::Result<FuzzOutcome> Run();

 private:
  FuzzRequest Generate();
  HttpResponse Send(const FuzzRequest& r) { return target_.Send(client_, ToHttpRequest(r, target_)); }
  void Judge(const FuzzRequest& r, const HttpResponse& resp, const ParseExpectation& e);
  void Minimize(Finding& f);
  void AddBatchFinding(Oracle oracle, const std::string& message, const std::vector<FuzzRequest>& batch,
                       const FuzzRequest* unanswered, const Canary::Probe& probe);
  bool Deadline() const {
    return Since(start_) >= o_.duration_s || (o_.max_requests > 0 && out_.stats.requests >= o_.max_requests);
  }
  void Record(Finding f);

  const Target& target_;
  FuzzOptions o_;
  std::mt19937_64 rng_;
  HttpClient client_;
  int64_t base_ms_;
  Canary canary_;
  PromqlMutator promql_;
  ParamMutator params_;
  WriteMutator writes_;
  FuzzOutcome out_;
  std::map<std::string, size_t> by_signature_;  // index into out_.findings
  size_t overflow_ = 0;
  size_t new_findings_ = 0;
  std::map<Oracle, size_t> opted_out_;  // findings of oracles the profile opts out of
  Clock::time_point start_;
};

FuzzRequest Runner::Generate() {
  const bool write = o_.fuzz_writes && !target_.RemoteWriteUrl().empty() && OneIn(rng_, 5);
  FuzzRequest r = write ? writes_.Next(rng_) : params_.Next(rng_);
  if (write && target_.profile().remote_write) {
    for (const auto& h : target_.profile().remote_write->headers) r.headers.push_back(h);
  }
  return r;
}

void Runner::Record(Finding f) {
  f.unsupported = target_.profile().UnsupportedReason("", OracleCategory(f.oracle)).value_or("");
  if (!o_.out_dir.empty()) {
    auto path = WriteReproducer(f, out_.findings.size() + 1, target_, o_.out_dir, o_.seed);
    f.reproducer = path.ok() ? *path : "(not written: " + path.error().message() + ")";
  }
  by_signature_[f.signature] = out_.findings.size();
  out_.findings.push_back(std::move(f));
}

void Runner::Minimize(Finding& f) {
  // Past the run's deadline, minimisation gets `minimize_s` more at most.
  const double stop_at = o_.duration_s + o_.minimize_s;
  size_t budget = o_.minimize_budget;
  const size_t start_budget = budget;
  HttpResponse last = f.answer;
  auto still_fires = [&](const FuzzRequest& c) {
    if (Since(start_) >= stop_at) return false;
    const ParseExpectation ce = ExpectParse(c, o_.experimental);
    HttpResponse resp = Send(c);
    ++out_.stats.minimize_requests;
    auto fired = fuzz::Judge(resp, ce, target_.profile());
    if (!fired || fired->oracle != f.oracle) return false;
    // The same finding, not another one the smaller input happens to hit.
    if (Signature(c, *fired, resp, ce) != f.signature) return false;
    last = resp;
    return true;
  };
  f.minimized = MinimizeRequest(f.original, still_fires, &budget);
  f.minimize_tests = start_budget - budget;
  // The answer to the minimised request itself (the last passing test may be another one).
  HttpResponse resp = Send(f.minimized);
  ++out_.stats.minimize_requests;
  f.answer = resp.answered() ? resp : last;
}

void Runner::Judge(const FuzzRequest& r, const HttpResponse& resp, const ParseExpectation& e) {
  if (IsClientTimeout(resp) && ++out_.stats.timeouts <= 5) out_.stats.slow.push_back(Summary(r, 300));
  ++out_.stats.by_status[resp.status];
  ++out_.stats.checks[Oracle::kServerError];
  ++out_.stats.checks[Oracle::kNoAnswer];
  if (e.applies) ++out_.stats.checks[e.accepted ? Oracle::kParseAccept : Oracle::kParseReject];
  auto fired = fuzz::Judge(resp, e, target_.profile());
  if (!fired) return;
  const std::string sig = Signature(r, *fired, resp, e);
  if (auto it = by_signature_.find(sig); it != by_signature_.end()) {
    ++out_.findings[it->second].seen;
    return;
  }
  const std::string known =
      KnownWhy(o_.known, fired->oracle, fired->message, Summary(r, 100000)).value_or("");
  const bool unsupported = target_.profile().UnsupportedReason("", OracleCategory(fired->oracle)).has_value();
  // New findings are minimised, each at a cost: only the first max_findings of them. Known ones
  // are only recorded; of an oracle the profile opts out of, a few examples.
  if (unsupported) {
    if (++opted_out_[fired->oracle] > 5) return;
  } else if (known.empty() && ++new_findings_ > o_.max_findings) {
    ++overflow_;
    return;
  }
  Finding f;
  f.oracle = fired->oracle;
  f.signature = sig;
  f.message = fired->message;
  f.original = r;
  f.minimized = r;
  f.answer = resp;
  f.known = known;
  // A request that got no answer may have brought the target down: nothing to minimise against.
  if (f.oracle != Oracle::kNoAnswer && f.known.empty() && !unsupported) Minimize(f);
  if (o_.progress) {
    std::fprintf(stderr, "promconform fuzz: %s finding %s: %s\n", f.known.empty() ? "new" : "known",
                 std::string(OracleName(f.oracle)).c_str(), Printable(f.message, 200).c_str());
  }
  Record(std::move(f));
}

void Runner::AddBatchFinding(Oracle oracle, const std::string& message, const std::vector<FuzzRequest>& batch,
                             const FuzzRequest* unanswered, const Canary::Probe& probe) {
  Finding f;
  f.oracle = oracle;
  f.signature = std::string(OracleName(oracle));
  f.message = message + ": " + probe.detail;
  f.batch = batch;
  if (unanswered != nullptr) f.original = f.minimized = *unanswered;
  f.answer.transport_error = probe.state == Canary::State::kDown ? probe.detail : "";
  Record(std::move(f));
}

promref::Result<FuzzOutcome> Runner::Run() {
  start_ = Clock::now();
  if (auto st = canary_.Write(client_, 60000); !st.ok()) return st.error();
  out_.stats.canary_data = canary_.has_data();
  const auto fuzz_start = Clock::now();
  bool canary_changed = false;
  while (!Deadline()) {
    std::vector<FuzzRequest> batch;
    for (size_t i = 0; i < o_.batch_size; ++i) batch.push_back(Generate());
    if (!o_.journal_dir.empty()) (void)WriteJournal(batch, target_, o_.journal_dir);
    const FuzzRequest* unanswered = nullptr;
    size_t sent = 0;
    for (const FuzzRequest& r : batch) {
      if (Deadline()) break;
      const ParseExpectation e = ExpectParse(r, o_.experimental);
      const HttpResponse resp = Send(r);
      ++out_.stats.requests;
      ++out_.stats.by_mutation[MutationFamily(r.mutation)];
      ++sent;
      Judge(r, resp, e);
      if (!resp.answered() && !IsClientTimeout(resp)) {
        unanswered = &r;
        break;  // see whether the target is still there before sending more
      }
    }
    batch.resize(sent);
    ++out_.stats.batches;
    ++out_.stats.canary_probes;
    const Canary::Probe probe = canary_.Check(client_);
    if (o_.progress) {
      std::fprintf(stderr, "promconform fuzz: %zu requests, %zu findings, %.0f s\n", out_.stats.requests,
                   out_.findings.size(), Since(start_));
    }
    if (probe.state == Canary::State::kDown) {
      AddBatchFinding(Oracle::kCrash, "the target stopped answering the canary query", batch, unanswered,
                      probe);
      out_.stats.stop_reason = "the target stopped answering";
      break;
    }
    if (probe.state == Canary::State::kChanged && !canary_changed) {
      canary_changed = true;  // once: every later probe would say the same
      AddBatchFinding(Oracle::kCanaryData, "the canary data changed", batch, nullptr, probe);
    }
  }
  out_.stats.fuzz_seconds = Since(fuzz_start);
  if (out_.stats.stop_reason.empty()) {
    out_.stats.stop_reason = o_.max_requests > 0 && out_.stats.requests >= o_.max_requests
                                 ? "request budget spent"
                                 : "time budget spent";
  }
  out_.stats.overflow = overflow_;
  out_.stats.seconds = Since(start_);
  return std::move(out_);
}

}  // namespace

promref::Result<FuzzOutcome> RunFuzz(const Target& target, const FuzzOptions& options) {
  Runner runner(target, options);
  return runner.Run();
}

}  // namespace promconform::fuzz
