#include "runner/runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "client/remote_write_client.h"
#include "compare/comparer.h"
#include "compare/normalize.h"
#include "model/sample.h"
#include "model/value_text.h"
#include "wire/remote_write.h"
#include "wire/remote_write_v2.h"

namespace promconform {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Progress: a one-line bar redrawn on a terminal; silent otherwise.

class Progress {
 public:
  Progress(size_t total, bool enabled, std::string label)
      : total_(total),
        enabled_(enabled && isatty(STDERR_FILENO)),
        label_(std::move(label)),
        start_(Clock::now()) {
    if (enabled_) ticker_ = std::thread([this] { Tick(); });
  }
  ~Progress() {
    if (!enabled_) return;
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    ticker_.join();
    Draw();
    std::fputc('\n', stderr);
  }
  void Done(Verdict v) {
    ++done_;
    if (v == Verdict::kFail || v == Verdict::kError) ++failed_;
  }

 private:
  void Tick() {
    std::unique_lock<std::mutex> l(mu_);
    while (!stop_) {
      cv_.wait_for(l, std::chrono::milliseconds(100));
      Draw();
    }
  }
  void Draw() {
    const size_t done = done_.load();
    const int width = 30;
    const int filled = total_ == 0 ? width : static_cast<int>(width * done / total_);
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu  failing %zu  %.1fs ", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done, total_,
                 failed_.load(), secs);
    std::fflush(stderr);
  }
  size_t total_;
  bool enabled_;
  std::string label_;
  Clock::time_point start_;
  std::atomic<size_t> done_{0}, failed_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread ticker_;
};

// Runs every exchange of every case: the parallel cases on `concurrency` workers (a case's
// exchanges in order), then the serial ones (which write) on one worker in two phases: first
// every serial case's leading writes, then `settle` (until written data is visible), then the
// rest of each case in order. Stores that make new series searchable only after several seconds
// (VictoriaMetrics) thus cost one wait, not one per case.
template <typename Worker>
void Drive(const std::vector<Case>& cases, int concurrency, const std::function<Worker()>& make_worker,
           const std::function<void(size_t, size_t, Worker&)>& exchange,
           const std::function<void(size_t)>& done, const std::function<void(Worker&)>& settle) {
  std::vector<size_t> parallel, serial;
  for (size_t i = 0; i < cases.size(); ++i) (cases[i].serial ? serial : parallel).push_back(i);
  std::atomic<size_t> next{0};
  const int n = std::max(1, std::min<int>(concurrency, static_cast<int>(parallel.size())));
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&] {
      Worker w = make_worker();
      for (size_t k = next++; k < parallel.size(); k = next++) {
        const size_t i = parallel[k];
        for (size_t x = 0; x < cases[i].exchanges.size(); ++x) exchange(i, x, w);
        done(i);
      }
    });
  }
  for (auto& t : threads) t.join();
  if (serial.empty()) return;
  Worker w = make_worker();
  std::vector<size_t> split(cases.size(), 0);
  bool wrote = false;
  for (size_t i : serial) {
    const auto& ex = cases[i].exchanges;
    while (split[i] < ex.size() && ex[split[i]].request.write) {
      exchange(i, split[i], w);
      ++split[i];
      wrote = true;
    }
  }
  if (wrote) settle(w);
  for (size_t i : serial) {
    for (size_t x = split[i]; x < cases[i].exchanges.size(); ++x) exchange(i, x, w);
    done(i);
  }
}

// After the serial cases' writes: write a probe series last and wait (up to 30 s) until the
// target returns it, so that the reads that follow see everything written before it.
void SettleWrites(const Target& target, HttpClient& client, int64_t base_ms) {
  if (target.RemoteWriteUrl().empty()) return;
  const int64_t t = base_ms + 50 * 60000 + 5000;
  promref::wire::WriteRequest probe;
  promref::wire::TimeSeries ts;
  ts.labels = {{"__name__", "pcrw_probe"}};
  ts.samples = {{t, 1}};
  probe.timeseries.push_back(ts);
  HttpRequest req;
  req.method = "POST";
  req.url = target.RemoteWriteUrl();
  req.headers = {{"Content-Type", "application/x-protobuf"},
                 {"Content-Encoding", "snappy"},
                 {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  req.body = promref::wire::SnappyCompress(promref::wire::EncodeWriteRequest(probe));
  if (target.profile().remote_write) {
    for (const auto& h : target.profile().remote_write->headers) req.headers.push_back(h);
  }
  HttpResponse w = target.Send(client, req);
  if (!w.answered() || w.status >= 300) return;
  const std::string url =
      target.Url("/api/v1/query") + "?" +
      FormEncode({{"query", "pcrw_probe"}, {"time", promref::model::FormatScalarTimestamp(t + 1000)}});
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    HttpResponse r = target.Send(client, {"GET", url, {}, ""});
    if (r.status == 200 && r.body.find("pcrw_probe") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// ---------------------------------------------------------------------------------------------
// Remote-write payloads described in JSON (see suites/remote_write_suite.h).

double ParseSampleValue(const json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "stale") return promref::model::StaleNaN();
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::strtod(s.c_str(), nullptr);
}

promref::wire::RawLabels LabelsOf(const json& a) {
  promref::wire::RawLabels l;
  for (const json& kv : a) l.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  return l;
}

promref::wire::v2::Sample SampleV2(const json& p, int64_t base_ms) {
  // [t, value] or [t, value, start_timestamp], times after the base.
  const int64_t st = p.size() > 2 ? base_ms + p[2].get<int64_t>() : 0;
  return {ParseSampleValue(p[1]), base_ms + p[0].get<int64_t>(), st};
}

// A 2.0 series as the suite describes it, with its strings (Symbolize makes a valid table).
promref::wire::v2::TimeSeries SeriesV2(const json& s, int64_t base_ms) {
  promref::wire::v2::TimeSeries ts;
  ts.labels = LabelsOf(s.at("labels"));
  for (const json& p : s.value("samples", json::array())) ts.samples.push_back(SampleV2(p, base_ms));
  for (const json& e : s.value("exemplars", json::array())) {
    ts.exemplars.push_back(
        {LabelsOf(e.at("labels")), ParseSampleValue(e.at("value")), base_ms + e.at("t").get<int64_t>()});
  }
  if (s.contains("metadata")) {
    const json& m = s["metadata"];
    ts.metadata = {static_cast<promref::wire::MetricType>(m.value("type", 0)), m.value("help", ""),
                   m.value("unit", "")};
  }
  return ts;
}

// A 2.0 request given as it travels ("symbols", and "labels_refs", "help_ref", "unit_ref" per
// series): symbol tables and refs that a correct sender never produces.
promref::wire::v2::SymbolizedRequest RawSymbolized(const json& w, int64_t base_ms) {
  promref::wire::v2::SymbolizedRequest r;
  r.symbols = w.at("symbols").get<std::vector<std::string>>();
  for (const json& s : w.value("series", json::array())) {
    promref::wire::v2::SymbolizedSeries ts;
    ts.labels_refs = s.at("labels_refs").get<std::vector<uint32_t>>();
    for (const json& p : s.value("samples", json::array())) ts.samples.push_back(SampleV2(p, base_ms));
    for (const json& e : s.value("exemplars", json::array())) {
      ts.exemplars.push_back({e.at("labels_refs").get<std::vector<uint32_t>>(),
                              ParseSampleValue(e.at("value")), base_ms + e.at("t").get<int64_t>()});
    }
    ts.type = static_cast<promref::wire::MetricType>(s.value("type", 0));
    ts.help_ref = s.value("help_ref", 0u);
    ts.unit_ref = s.value("unit_ref", 0u);
    r.timeseries.push_back(std::move(ts));
  }
  return r;
}

std::string EncodeV2(const json& w, int64_t base_ms) {
  promref::wire::v2::SymbolizedRequest sym;
  if (w.contains("symbols")) {
    sym = RawSymbolized(w, base_ms);
  } else {
    promref::wire::v2::RequestV2 r;
    for (const json& s : w.value("series", json::array())) r.timeseries.push_back(SeriesV2(s, base_ms));
    sym = promref::wire::v2::Symbolize(r);
  }
  if (w.value("bad_label_ref", false) && !sym.timeseries.empty() && !sym.timeseries[0].labels_refs.empty()) {
    sym.timeseries[0].labels_refs.back() = static_cast<uint32_t>(sym.symbols.size() + 100);
  }
  return promref::wire::v2::EncodeSymbolized(sym);
}

promref::Result<HttpRequest> WriteRequestFor(const Target& target, const json& w, int64_t base_ms) {
  HttpRequest req;
  req.method = "POST";
  req.url = target.RemoteWriteUrl();
  const std::string protocol = w.value("protocol", "1.0");
  std::string raw;
  if (protocol == "2.0") {
    raw = EncodeV2(w, base_ms);
    req.headers = {{"Content-Type", std::string(promref::wire::v2::kContentType)},
                   {"Content-Encoding", "snappy"},
                   {"X-Prometheus-Remote-Write-Version", "2.0.0"},
                   {"User-Agent", "promconform/0.1"}};
  } else {
    promref::wire::WriteRequest r;
    for (const json& s : w.value("series", json::array())) {
      promref::wire::TimeSeries ts;
      ts.labels = LabelsOf(s.at("labels"));
      for (const json& p : s.value("samples", json::array())) {
        ts.samples.push_back({base_ms + p[0].get<int64_t>(), ParseSampleValue(p[1])});
      }
      r.timeseries.push_back(std::move(ts));
    }
    for (const json& m : w.value("metadata", json::array())) {
      r.metadata.push_back({static_cast<promref::wire::MetricType>(m.value("type", 0)), m.value("family", ""),
                            m.value("help", ""), m.value("unit", "")});
    }
    raw = promref::wire::EncodeWriteRequest(r);
    req.headers = RemoteWriteV1Headers("promconform/0.1");
  }
  const std::string body_kind = w.value("body", "snappy");
  if (body_kind == "snappy") {
    req.body = promref::wire::SnappyCompress(raw);
  } else if (body_kind == "uncompressed") {
    req.body = raw;
  } else if (body_kind == "garbage_protobuf") {
    req.body = promref::wire::SnappyCompress(std::string("\x0a\xff\xff\xff\x0f garbage", 13));
  } else if (body_kind == "empty") {
    req.body.clear();
  } else {
    return promref::BadData("unknown write body kind " + body_kind);
  }
  // Header overrides: a value of "" removes the header.
  if (w.contains("headers")) {
    for (auto it = w["headers"].begin(); it != w["headers"].end(); ++it) {
      std::erase_if(req.headers,
                    [&](const auto& h) { return strcasecmp(h.first.c_str(), it.key().c_str()) == 0; });
      if (!it.value().get<std::string>().empty())
        req.headers.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  if (target.profile().remote_write) {
    for (const auto& h : target.profile().remote_write->headers) req.headers.push_back(h);
  }
  return req;
}

// ---------------------------------------------------------------------------------------------
// Time tweaks on query parameters.

std::string ApplyTimeTweak(const std::string& value, const TimeTweaks& t, int64_t step_ms) {
  char* end = nullptr;
  const double secs = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0') return value;  // RFC 3339 and friends: left alone
  int64_t ms = SecondsToMillis(secs);
  auto trunc = [](int64_t v, int64_t n) { return v >= 0 ? v / n * n : -((-v + n - 1) / n) * n; };
  if (t.align_to_step && step_ms > 0) ms = trunc(ms, step_ms);
  if (t.truncate_ms > 0) ms = trunc(ms, t.truncate_ms);
  ms += t.offset_ms;
  return promref::model::FormatScalarTimestamp(ms);
}

TimeTweaks TimeTweaksFor(const Target& target, const Case& c) {
  TimeTweaks t;
  for (const QueryTweak* q : target.profile().TweaksFor(c.id, c.category)) {
    t.align_to_step = t.align_to_step || q->align_timestamps_to_step;
    if (q->truncate_timestamps_to_ms > 0) t.truncate_ms = q->truncate_timestamps_to_ms;
    if (q->offset_timestamps_by_ms != 0) t.offset_ms = q->offset_timestamps_by_ms;
  }
  return t;
}

AuthMode ParseAuth(const std::string& a) {
  if (a == "none") return AuthMode::kNone;
  if (a == "wrong-token") return AuthMode::kWrongToken;
  if (a == "wrong-basic") return AuthMode::kWrongBasic;
  if (a == "wrong-header") return AuthMode::kWrongHeader;
  return AuthMode::kProfile;
}

// ---------------------------------------------------------------------------------------------
// Judging.

CompareOptions OptionsFor(const Case& c, const Exchange& e, const Target& target, bool compare_annotations,
                          int64_t base_ms) {
  CompareOptions o;
  o.order = c.order;
  o.matrix_ordered = true;  // range results and instant matrices alike are sorted by labels
  o.compare_annotations = compare_annotations;
  for (const QueryTweak* q : target.profile().TweaksFor(c.id, c.category)) {
    for (const auto& l : q->drop_result_labels) o.drop_labels.push_back(l);
    o.ignore_case = o.ignore_case || q->ignore_case;
    o.ignore_first_step = o.ignore_first_step || q->ignore_first_step;
    if (q->ignore_annotations) o.compare_annotations = false;
    if (q->value_tolerance) o.tolerance = *q->value_tolerance;
    if (q->align_timestamps_to_step && e.step_ms > 0) o.truncate_timestamps_ms = e.step_ms;
    if (q->truncate_timestamps_to_ms > 0) o.truncate_timestamps_ms = q->truncate_timestamps_to_ms;
  }
  if (c.timestamp_values && !c.absolute_time) {
    // Values that are Unix times are compared relative to the base, but the tolerance is the one
    // of the values as the target answered them (seconds since 1970).
    o.tolerance.margin = std::max(o.tolerance.margin, o.tolerance.fraction * std::fabs(base_ms / 1000.0));
  }
  return o;
}

std::string LowerText(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

struct Expectations {
  const json* primary = nullptr;
  std::string primary_source;
  const json* other = nullptr;  // the other Prometheus line's answer, where it differs
  std::string other_source;
  bool compare_annotations = true;
};

Expectations ChooseExpectations(const Exchange& e, const json* recorded, const std::string& recorded_source,
                                const std::string& reference_version, const Target& target) {
  Expectations x;
  x.primary = recorded;
  x.primary_source = recorded_source;
  if (e.expect_other) {
    x.other = &*e.expect_other;
    x.other_source = e.expect_other_source;
  }
  // Annotations exist since Prometheus 2.48: answers recorded from an older reference say
  // nothing about them, so they are compared only when the reference could have had them or
  // when the target claims the old version too.
  x.compare_annotations = VersionAtLeast(reference_version, 2, 48) || !target.profile().ClaimsV3();
  return x;
}

ExchangeResult JudgeExchange(const Case& c, const Exchange& e, const Expectations& x, const json& actual,
                             const Target& target, int64_t base_ms) {
  ExchangeResult r;
  r.name = e.name;
  r.actual = actual;
  r.expected_source = x.primary_source;
  if (x.primary == nullptr) {
    r.verdict = Verdict::kError;
    r.diffs = {"no expectation recorded for this exchange (re-record the fixtures)"};
    return r;
  }
  r.expected = *x.primary;
  CompareResult cmp =
      CompareNormalized(*x.primary, actual, OptionsFor(c, e, target, x.compare_annotations, base_ms));
  if (cmp.equal) {
    r.verdict = Verdict::kPass;
    return r;
  }
  r.diffs = std::move(cmp.diffs);
  if (actual.contains("transport_error")) {
    r.verdict = Verdict::kError;
  } else if (x.other != nullptr &&
             CompareNormalized(*x.other, actual, OptionsFor(c, e, target, false, base_ms)).equal) {
    r.verdict = Verdict::kOtherVersion;
    r.diffs.insert(r.diffs.begin(),
                   "the answer is the one " + x.other_source + ", the other Prometheus line");
  } else if (LooksUnsupported(*x.primary, actual, target.profile())) {
    r.verdict = Verdict::kUnsupported;
  } else {
    r.verdict = Verdict::kFail;
  }
  return r;
}

int Rank(Verdict v) {
  switch (v) {
    case Verdict::kError: return 5;
    case Verdict::kFail: return 4;
    case Verdict::kUnsupported: return 3;
    case Verdict::kOtherVersion: return 2;
    case Verdict::kPass: return 1;
    case Verdict::kSkipped: return 0;
  }
  return 5;
}

void Finish(CaseResult& r, const Case& c, const Target& target) {
  Verdict worst = Verdict::kSkipped;
  for (const auto& e : r.exchanges) {
    if (Rank(e.verdict) > Rank(worst)) worst = e.verdict;
  }
  r.verdict = worst;
  if ((worst == Verdict::kFail || worst == Verdict::kError) && !c.exchanges.empty()) {
    if (auto reason = target.profile().UnsupportedReason(c.id, c.category)) {
      r.verdict = Verdict::kUnsupported;
      r.reason = *reason;
    }
  }
}

CaseResult StartResult(const Case& c) {
  CaseResult r;
  r.id = c.id;
  r.category = c.category;
  r.title = c.title;
  r.expr = c.expr;
  r.seed = c.seed;
  r.since = c.since;
  r.version_difference = c.version_difference;
  return r;
}

std::string Path(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? url : url.substr(slash);
}

struct OneClient {
  std::unique_ptr<HttpClient> client;
};
struct TwoClients {
  std::unique_ptr<HttpClient> ref;
  std::unique_ptr<HttpClient> target;
};

}  // namespace

bool VersionAtLeast(const std::string& version, int major, int minor) {
  int ma = 0, mi = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &ma, &mi) != 2) return false;
  return ma > major || (ma == major && mi >= minor);
}

promref::Result<RenderedRequest> RenderRequest(const Target& target, const Exchange& e, int64_t base_ms,
                                               const TimeTweaks& tweaks) {
  RenderedRequest out;
  out.auth = ParseAuth(e.request.auth);
  const RequestSpec& spec = e.request;
  if (spec.write) {
    promref::Result<HttpRequest> w = promref::BadData("");
    try {
      w = WriteRequestFor(target, *spec.write, base_ms);
    } catch (const json::exception& ex) {
      return promref::BadData(std::string("malformed remote-write description: ") + ex.what() + ": " +
                              spec.write->dump().substr(0, 300));
    }
    if (!w.ok()) return w.error();
    out.http = std::move(*w);
    out.line = "POST " + Path(out.http.url) + " (remote write " + spec.write->value("protocol", "1.0") +
               ", " + std::to_string(spec.write->value("series", json::array()).size()) + " series)";
    return out;
  }
  auto path = RenderTemplate(spec.path, base_ms);
  if (!path.ok()) return path.error();
  const bool is_query = path->find("/query") != std::string::npos;
  auto render_params = [&](const Params& in) -> promref::Result<Params> {
    Params p;
    for (const auto& [k, v] : in) {
      auto rv = RenderTemplate(v, base_ms);
      if (!rv.ok()) return rv.error();
      std::string value = *rv;
      if (is_query && (k == "time" || k == "start" || k == "end"))
        value = ApplyTimeTweak(value, tweaks, e.step_ms);
      p.emplace_back(k, value);
    }
    return p;
  };
  auto params = render_params(spec.params);
  if (!params.ok()) return params.error();
  auto url_params = render_params(spec.url_params);
  if (!url_params.ok()) return url_params.error();
  std::string url = target.Url(*path);
  std::string query_string;
  if (spec.form) {
    out.http.body = FormEncode(*params);
    out.http.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    query_string = FormEncode(*url_params);
  } else {
    query_string = FormEncode(*params);
    auto extra = FormEncode(*url_params);
    if (!extra.empty()) query_string += (query_string.empty() ? "" : "&") + extra;
    auto body = RenderTemplate(spec.body, base_ms);
    if (!body.ok()) return body.error();
    out.http.body = *body;
  }
  if (!query_string.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + query_string;
  out.http.method = spec.method;
  out.http.url = url;
  for (const auto& [k, v] : spec.headers) {
    auto rv = RenderTemplate(v, base_ms);
    if (!rv.ok()) return rv.error();
    out.http.headers.emplace_back(k, *rv);
  }
  out.line = spec.method + " " + Path(url);
  if (spec.form) out.line += " (form: " + out.http.body + ")";
  return out;
}

HttpResponse Execute(const Target& target, HttpClient& client, const RenderedRequest& request) {
  return target.Send(client, request.http, request.auth);
}

std::string SkipReason(const Case& c, const Exchange* e, const Target& target) {
  const TargetProfile& p = target.profile();
  if (c.front_door && !p.HasFrontDoor())
    return "the target has no front door (no credentials in its profile)";
  if (!c.vendor.empty() && c.vendor != p.vendor) return "a " + c.vendor + " case";
  if (c.needs_remote_write && target.RemoteWriteUrl().empty()) return "the profile has no remote write";
  if (e != nullptr) {
    const std::string& a = e->request.auth;
    if (a == "wrong-token" && p.bearer_token.empty()) return "the profile has no bearer token";
    if (a == "wrong-basic" && !p.basic_auth) return "the profile has no basic auth";
    if (a == "wrong-header" && p.auth_headers.empty()) return "the profile has no credential header";
  }
  return "";
}

std::string NewerThanReference(const Case& c, const std::string& reference_version) {
  int major = 0, minor = 0;
  if (std::sscanf(c.since.c_str(), "%d.%d", &major, &minor) < 1) return "";
  if (reference_version.empty() || VersionAtLeast(reference_version, major, minor)) return "";
  return "behaviour of Prometheus " + c.since + " and later; the fixtures were recorded from " +
         reference_version;
}

promref::Status RecordCases(std::vector<Case>& cases, const Target& reference, int64_t base_ms,
                            const RunnerOptions& options) {
  Progress progress(cases.size(), options.progress, "record");
  std::mutex mu;
  std::string failure;
  std::function<OneClient()> make = [&] {
    return OneClient{std::make_unique<HttpClient>(reference.ClientOptions())};
  };
  Drive<OneClient>(
      cases, options.concurrency, make,
      [&](size_t i, size_t k, OneClient& w) {
        Case& c = cases[i];
        Exchange& e = c.exchanges[k];
        if (!e.expect_source.empty()) return;  // stated by a seed, not recorded
        if (!SkipReason(c, &e, reference).empty()) return;
        // A reference without native histograms leaves those cases unrecorded (2.42, where they
        // are experimental and off by default).
        if (c.native_histograms && !options.reference_lacks_native_histograms.empty()) return;
        auto req = RenderRequest(reference, e, base_ms);
        if (!req.ok()) {
          std::lock_guard<std::mutex> l(mu);
          failure = c.id + ": " + req.error().message();
          return;
        }
        HttpResponse resp = Execute(reference, *w.client, *req);
        json n = Normalize(resp, e, {c.absolute_time ? 0 : base_ms, c.timestamp_values});
        if (n.contains("transport_error")) {
          std::lock_guard<std::mutex> l(mu);
          failure = c.id + " " + e.name +
                    ": the reference gave no answer: " + n["transport_error"].get<std::string>();
        }
        e.expect = std::move(n);
      },
      [&](size_t) { progress.Done(Verdict::kPass); },
      [&](OneClient& w) { SettleWrites(reference, *w.client, base_ms); });
  if (!failure.empty()) return promref::Error(promref::ErrorKind::kUnavailable, failure);
  return {};
}

std::vector<CaseResult> RunCases(const std::vector<Case>& cases, const Target& target, int64_t base_ms,
                                 const RunnerOptions& options) {
  std::vector<CaseResult> results(cases.size());
  std::vector<Clock::time_point> started(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) results[i] = StartResult(cases[i]);
  Progress progress(cases.size(), options.progress, "run");
  const std::string source = "recorded from " + options.reference_name + " " + options.reference_version;
  std::function<OneClient()> make = [&] {
    return OneClient{std::make_unique<HttpClient>(target.ClientOptions())};
  };
  Drive<OneClient>(
      cases, options.concurrency, make,
      [&](size_t i, size_t k, OneClient& w) {
        const Case& c = cases[i];
        const Exchange& e = c.exchanges[k];
        CaseResult& r = results[i];
        if (k == 0) started[i] = Clock::now();
        ExchangeResult er;
        er.name = e.name;
        std::string skip = SkipReason(c, &e, target);
        if (skip.empty() && !e.expect && e.expect_source.empty())
          skip = NewerThanReference(c, options.reference_version);
        Expectations x = ChooseExpectations(e, e.expect ? &*e.expect : nullptr,
                                            e.expect_source.empty() ? source : e.expect_source,
                                            options.reference_version, target);
        if (skip.empty() && c.native_histograms && !options.target_lacks_native_histograms.empty()) {
          er.verdict = Verdict::kUnsupported;
          r.reason = options.target_lacks_native_histograms;
          r.exchanges.push_back(std::move(er));
          return;
        }
        if (!skip.empty()) {
          er.verdict = Verdict::kSkipped;
          r.reason = skip;
          r.exchanges.push_back(std::move(er));
          return;
        }
        auto req = RenderRequest(target, e, base_ms, TimeTweaksFor(target, c));
        if (!req.ok()) {
          er.verdict = Verdict::kError;
          er.diffs = {req.error().message()};
          r.exchanges.push_back(std::move(er));
          return;
        }
        const auto deadline = Clock::now() + std::chrono::milliseconds(e.retry_ms);
        while (true) {
          HttpResponse resp = Execute(target, *w.client, *req);
          er = JudgeExchange(c, e, x, Normalize(resp, e, {c.absolute_time ? 0 : base_ms, c.timestamp_values}),
                             target, base_ms);
          if (er.verdict == Verdict::kPass || Clock::now() >= deadline) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        er.request = req->line;
        r.exchanges.push_back(std::move(er));
      },
      [&](size_t i) {
        Finish(results[i], cases[i], target);
        results[i].seconds = std::chrono::duration<double>(Clock::now() - started[i]).count();
        progress.Done(results[i].verdict);
      },
      [&](OneClient& w) { SettleWrites(target, *w.client, base_ms); });
  return results;
}

std::vector<CaseResult> DiffCases(const std::vector<Case>& cases, const Target& reference,
                                  int64_t reference_base, const Target& target, int64_t target_base,
                                  const RunnerOptions& options) {
  std::vector<CaseResult> results(cases.size());
  std::vector<Clock::time_point> started(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) results[i] = StartResult(cases[i]);
  Progress progress(cases.size(), options.progress, "diff");
  const std::string source = "live answer of " + options.reference_name + " " + options.reference_version;
  std::function<TwoClients()> make = [&] {
    return TwoClients{std::make_unique<HttpClient>(reference.ClientOptions()),
                      std::make_unique<HttpClient>(target.ClientOptions())};
  };
  Drive<TwoClients>(
      cases, options.concurrency, make,
      [&](size_t i, size_t k, TwoClients& w) {
        const Case& c = cases[i];
        const Exchange& e = c.exchanges[k];
        CaseResult& r = results[i];
        if (k == 0) started[i] = Clock::now();
        ExchangeResult er;
        er.name = e.name;
        std::string skip = SkipReason(c, &e, target);
        if (skip.empty() && e.expect_source.empty()) skip = SkipReason(c, &e, reference);
        if (skip.empty() && c.native_histograms && !options.reference_lacks_native_histograms.empty())
          skip = "the reference stores no native histograms: " + options.reference_lacks_native_histograms;
        if (skip.empty() && c.native_histograms && !options.target_lacks_native_histograms.empty()) {
          er.verdict = Verdict::kUnsupported;
          r.reason = options.target_lacks_native_histograms;
          r.exchanges.push_back(std::move(er));
          return;
        }
        if (!skip.empty()) {
          er.verdict = Verdict::kSkipped;
          r.reason = skip;
          r.exchanges.push_back(std::move(er));
          return;
        }
        // Both sides get the same tweaked times, as the PromQL compliance tester does.
        const TimeTweaks tweaks = TimeTweaksFor(target, c);
        auto ref_req = RenderRequest(reference, e, reference_base, tweaks);
        auto tgt_req = RenderRequest(target, e, target_base, tweaks);
        if (!ref_req.ok() || !tgt_req.ok()) {
          er.verdict = Verdict::kError;
          er.diffs = {!ref_req.ok() ? ref_req.error().message() : tgt_req.error().message()};
          r.exchanges.push_back(std::move(er));
          return;
        }
        // Cases whose expectation is not an answer of a reference (front doors) keep it.
        const json ref = !e.expect_source.empty() && e.expect
                             ? *e.expect
                             : Normalize(Execute(reference, *w.ref, *ref_req), e,
                                         {c.absolute_time ? 0 : reference_base, c.timestamp_values});
        Expectations x = ChooseExpectations(e, &ref, e.expect_source.empty() ? source : e.expect_source,
                                            options.reference_version, target);
        if (ref.contains("transport_error")) {
          er.verdict = Verdict::kError;
          er.diffs = {"the reference gave no answer: " + ref["transport_error"].get<std::string>()};
          er.request = ref_req->line;
          r.exchanges.push_back(std::move(er));
          return;
        }
        const auto deadline = Clock::now() + std::chrono::milliseconds(e.retry_ms);
        while (true) {
          const json actual = Normalize(Execute(target, *w.target, *tgt_req), e,
                                        {c.absolute_time ? 0 : target_base, c.timestamp_values});
          er = JudgeExchange(c, e, x, actual, target, target_base);
          if (er.verdict == Verdict::kPass || Clock::now() >= deadline) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        er.request = tgt_req->line;
        r.exchanges.push_back(std::move(er));
      },
      [&](size_t i) {
        Finish(results[i], cases[i], target);
        results[i].seconds = std::chrono::duration<double>(Clock::now() - started[i]).count();
        progress.Done(results[i].verdict);
      },
      [&](TwoClients& w) {
        SettleWrites(reference, *w.ref, reference_base);
        SettleWrites(target, *w.target, target_base);
      });
  return results;
}

CompareResult CompareAnswers(const Case& c, const Exchange& e, const json& expected, const json& actual,
                             bool compare_annotations) {
  CompareOptions o;
  o.order = c.order;
  o.matrix_ordered = true;
  o.compare_annotations = compare_annotations;
  return CompareNormalized(expected, actual, o);
}

void AttachOtherAnswers(std::vector<Case>& cases, const std::vector<Case>& other,
                        const std::string& other_source) {
  std::map<std::string, const Case*> by_id;
  for (const Case& c : other) by_id[c.id] = &c;
  for (Case& c : cases) {
    auto it = by_id.find(c.id);
    if (it == by_id.end()) continue;
    for (Exchange& e : c.exchanges) {
      if (!e.expect) continue;
      for (const Exchange& o : it->second->exchanges) {
        if (o.name != e.name || !o.expect) continue;
        if (CompareAnswers(c, e, *e.expect, *o.expect, false).equal) break;
        e.expect_other = o.expect;
        e.expect_other_source = other_source;
        c.version_difference = true;
        break;
      }
    }
  }
}

// Whether a failing answer is the target saying it does not have the endpoint or function: 501;
// 404 where the reference answered something else; an error whose text says the endpoint is
// missing ("unsupported path", VictoriaMetrics' answer to an API it lacks; "not implemented"), or
// the profile's own words, whatever the reference answered; or an error whose text says the
// function is missing where the reference answered 2xx.
bool LooksUnsupported(const json& expected, const json& actual, const TargetProfile& profile) {
  const json code = actual.value("http", json());
  if (code == 501) return true;
  if (code == 404 && expected.value("http", json()) != 404 && !expected.contains("http_in")) return true;
  if (!code.is_number_integer() || code.get<int>() < 400) return false;
  std::string text;
  for (const char* key : {"error", "body"}) {
    if (actual.contains(key) && actual[key].is_string())
      text += LowerText(actual[key].get<std::string>()) + "\n";
  }
  auto says = [&](std::string_view words) { return !words.empty() && text.find(words) != std::string::npos; };
  if (says("unsupported path") || says("not implemented")) return true;
  for (const std::string& t : profile.unsupported_answers) {
    if (says(LowerText(t))) return true;
  }
  const json want = expected.value("http", json());
  const bool reference_answered = want.is_number_integer() && want.get<int>() < 300;
  return reference_answered &&
         (says("unknown function") || says("unsupported function") || says("not supported"));
}

}  // namespace promconform
