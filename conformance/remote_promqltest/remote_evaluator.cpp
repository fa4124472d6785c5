#include "remote_promqltest/remote_evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "datasets/loader.h"
#include "model/sample.h"
#include "remote_promqltest/api_answer.h"
#include "remote_promqltest/wire_histogram.h"
#include "wire/remote_write.h"

namespace promconform::remote_promqltest {
namespace {

namespace pq = promref::promql;
using promref::Error;
using promref::ErrorKind;
using promref::Status;

// A PromQL string literal for any name (UTF-8 names included).
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

promref::wire::RawLabels Raw(const promref::model::Labels& labels) {
  promref::wire::RawLabels out;
  for (const auto& l : labels) out.emplace_back(std::string(l.name), std::string(l.value));
  return out;
}

struct TimedSample {
  int64_t t;  // absolute
  size_t series;
  const pt::LoadedSample* sample;
  bool histogram;  // sent among the series' histograms: a histogram, or a stale marker after one
};

// Whether an expectation spells a counter reset hint (then only Prometheus' own comparison
// checks it; the query API's JSON does not carry hints).
bool ExpectsResetHint(const pt::EvalCommand& cmd) {
  if (cmd.scalar.counter_reset_hint_set) return true;
  for (const pt::ExpectedSeries& s : cmd.series) {
    for (const pt::SequenceValue& v : s.values) {
      if (v.histogram && v.counter_reset_hint_set) return true;
    }
  }
  return false;
}

// One request's series entries: a series gets a new entry whenever its samples switch between
// floats and histograms, since a receiver appends an entry's floats before its histograms.
// Start timestamps go beside (remote write 1.0 has no place for them), for RequestV2().
class RequestBuilder {
 public:
  explicit RequestBuilder(const std::vector<const pt::LoadedSeries*>& series) : series_(series) {}

  void Add(const TimedSample& s) {
    auto [it, added] = last_.try_emplace(s.series, req_.timeseries.size(), s.histogram);
    if (added || it->second.second != s.histogram) {
      it->second = {req_.timeseries.size(), s.histogram};
      req_.timeseries.push_back({.labels = Raw(series_[s.series]->labels)});
    }
    promref::wire::TimeSeries& ts = req_.timeseries[it->second.first];
    starts_.resize(req_.timeseries.size());
    // `@st` offsets are relative to the sample, as the script's timestamps are to the window.
    const int64_t st = s.sample->start_timestamp ? s.t - s.sample->t + *s.sample->start_timestamp : 0;
    starts_[it->second.first].push_back(st);
    if (!s.histogram) {
      ts.samples.push_back({s.t, s.sample->f});
    } else if (s.sample->h) {
      ts.histograms.push_back(ToWireHistogram(*s.sample->h, s.t));
    } else {
      ts.histograms.push_back(StaleWireHistogram(s.t));
    }
  }
  const promref::wire::WriteRequest& request() const { return req_; }
  promref::wire::v2::RequestV2 RequestV2() const {
    promref::wire::v2::RequestV2 out;
    for (size_t i = 0; i < req_.timeseries.size(); ++i) {
      const promref::wire::TimeSeries& ts = req_.timeseries[i];
      promref::wire::v2::TimeSeries& v2 = out.timeseries.emplace_back();
      v2.labels = ts.labels;
      // An entry holds floats or histograms only, in the order starts_ has them.
      for (size_t k = 0; k < ts.samples.size(); ++k) {
        v2.samples.push_back({ts.samples[k].v, ts.samples[k].t, starts_[i][k]});
      }
      for (size_t k = 0; k < ts.histograms.size(); ++k)
        v2.histograms.push_back({ts.histograms[k], starts_[i][k]});
    }
    return out;
  }

 private:
  const std::vector<const pt::LoadedSeries*>& series_;
  promref::wire::WriteRequest req_;
  std::map<size_t, std::pair<size_t, bool>> last_;  // series -> (entry, holds histograms)
  std::vector<std::vector<int64_t>> starts_;        // per entry, per sample (0: none)
};

}  // namespace

RemoteEvaluator::RemoteEvaluator(const Target& target, const Layout& layout, RemoteOptions options)
    : target_(target),
      layout_(layout),
      options_(std::move(options)),
      client_(std::make_unique<HttpClient>(target.ClientOptions())) {}

RemoteEvaluator::~RemoteEvaluator() = default;

std::string RemoteEvaluator::Describe() const {
  return target_.base_url();
}

pt::EvaluatorCapabilities RemoteEvaluator::Capabilities() const {
  // Histograms come back as the query API's JSON shows them (api_histogram.h): the runner
  // compares what that holds, not schema, spans or counter reset hints.
  return {.native_histograms = true,
          .start_timestamps = options_.start_timestamps,
          .histogram_detail = pt::HistogramDetail::kApiJson};
}

int64_t RemoteEvaluator::Base() const {
  const int i = tracker_.index();
  return i >= 0 && static_cast<size_t>(i) < layout_.windows.size() ? layout_.windows[i].base_ms : 0;
}

Status RemoteEvaluator::Clear() {
  tracker_.Clear();
  loaded_in_window_ = 0;
  return {};
}

Status RemoteEvaluator::Load(const std::vector<pt::LoadedSeries>& series) {
  if (tracker_.Load()) {
    // Evals ran in the window: the data so far moved, with this load, to a new one.
    loaded_in_window_ = 0;
    const int i = tracker_.index();
    if (i > 0 && static_cast<size_t>(i) <= layout_.windows.size()) {
      for (const pt::LoadedSeries& s : layout_.windows[i - 1].series) loaded_in_window_ += s.samples.size();
    }
  }
  for (const pt::LoadedSeries& s : series) loaded_in_window_ += s.samples.size();
  return {};
}

Status RemoteEvaluator::CheckWindow() const {
  const int i = tracker_.index();
  if (i < 0 || static_cast<size_t>(i) >= layout_.windows.size()) {
    return Error(ErrorKind::kInternal, "the plan has no window " + std::to_string(i) + " (a planner bug)");
  }
  size_t planned = 0;
  for (const pt::LoadedSeries& s : layout_.windows[i].series) planned += s.samples.size();
  if (planned != loaded_in_window_) {
    return Error(ErrorKind::kInternal, "the plan wrote " + std::to_string(planned) +
                                           " samples for the window of " + layout_.windows[i].where +
                                           ", the script loaded " + std::to_string(loaded_in_window_) +
                                           " (a planner bug)");
  }
  return {};
}

std::optional<pt::SkipReason> RemoteEvaluator::BeginEval(const pt::EvalCommand& cmd) {
  tracker_.Eval();
  value_shift_ = 0;
  const EvalFootprint f = Footprint(cmd, options_.run, options_.engine);
  if (!f.parsed) return std::nullopt;  // the runner reports the parse error
  const size_t window = static_cast<size_t>(tracker_.index());
  if (window >= layout_.windows.size()) return std::nullopt;  // CheckWindow fails its queries
  if (auto problem = layout_.IsolationProblem(window, f.reads)) return pt::SkipReason{"isolation", *problem};
  if (auto problem = TimeProblem(f, Base())) return pt::SkipReason{"absolute-time", *problem};
  value_shift_ = *f.dependence.seconds_per_shift;
  if (value_shift_ != 0) stats_.time_shifted.insert(script_ + ":" + std::to_string(cmd.line));
  if (WritesHistograms() && ExpectsResetHint(cmd))
    stats_.unchecked_reset_hints.insert(script_ + ":" + std::to_string(cmd.line));
  return std::nullopt;
}

Status RemoteEvaluator::Prepare() {
  prepared_ = Write();
  if (prepared_.ok()) prepared_ = WaitUntilQueryable();
  return prepared_;
}

// Whether the run writes native histograms: only when it judges the evaluations that read them
// (an endpoint without native histograms may refuse the whole request).
bool RemoteEvaluator::WritesHistograms() const {
  return options_.run.native_histograms;
}

// All samples of all windows in time order (a head appends only near its newest sample), in
// requests of at most max_samples_per_request samples.
Status RemoteEvaluator::Write() {
  if (target_.RemoteWriteUrl().empty()) {
    return promref::BadData("the profile has no remote-write URL: promqltest scripts load their own data");
  }
  std::vector<const pt::LoadedSeries*> series;
  std::vector<TimedSample> samples;
  for (const Window& w : layout_.windows) {
    for (const pt::LoadedSeries& s : w.series) {
      bool after_histogram = false;
      for (const pt::LoadedSample& smp : s.samples) {
        if (smp.h && !WritesHistograms()) {
          ++stats_.histogram_samples_dropped;
          continue;
        }
        const bool histogram = smp.h != nullptr || (after_histogram && promref::model::IsStaleNaN(smp.f));
        after_histogram = histogram;
        stats_.histogram_samples_written += smp.h != nullptr;
        samples.push_back({smp.t + w.base_ms, series.size(), &smp, histogram});
      }
      series.push_back(&s);
    }
  }
  std::stable_sort(samples.begin(), samples.end(),
                   [](const TimedSample& a, const TimedSample& b) { return a.t < b.t; });
  for (size_t from = 0; from < samples.size(); from += options_.max_samples_per_request) {
    const size_t to = std::min(samples.size(), from + options_.max_samples_per_request);
    RequestBuilder req(series);
    for (size_t k = from; k < to; ++k) req.Add(samples[k]);
    HttpResponse r = options_.start_timestamps ? SendWriteV2(target_, *client_, req.RequestV2())
                                               : SendWrite(target_, *client_, req.request());
    ++stats_.write_requests;
    if (!r.answered()) return Error(ErrorKind::kUnavailable, "remote write: " + r.transport_error);
    if (r.status < 200 || r.status >= 300) {
      return Error(ErrorKind::kExecution,
                   "remote write answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
    }
    stats_.samples_written += to - from;
  }
  return {};
}

// Polls until the endpoint counts every written sample (stale markers excluded), per metric
// name, or the count settles (an endpoint that drops some samples on purpose: the evals show
// what is missing), or the time is up.
Status RemoteEvaluator::WaitUntilQueryable() {
  std::map<std::string, size_t> per_name;
  Interval span;
  for (const Window& w : layout_.windows) {
    for (const pt::LoadedSeries& s : w.series) {
      for (const pt::LoadedSample& smp : s.samples) {
        // count_over_time counts histograms too; stale markers are no samples to it.
        if (smp.h ? !WritesHistograms() : promref::model::IsStaleNaN(smp.f)) continue;
        ++per_name[std::string(s.labels.MetricName())];
        span.Extend({smp.t + w.base_ms, smp.t + w.base_ms});
      }
    }
  }
  if (per_name.empty()) return {};
  // One count per name (a selector over several names would collide once count_over_time
  // drops them), summed in queries of at most 8 KiB (VictoriaMetrics refuses 16 KiB).
  size_t want = 0;
  std::vector<std::string> queries(1);
  const std::string range = std::to_string(span.hi - span.lo + 1) + "ms";
  for (const auto& [name, n] : per_name) {
    want += n;
    const std::string term =
        "(sum(count_over_time({__name__=" + Quoted(name) + "}[" + range + "])) or vector(0))";
    if (queries.back().size() + term.size() > 8000) queries.emplace_back();
    queries.back() += (queries.back().empty() ? "" : " + ") + term;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.wait_timeout_ms);
  double previous = -1;
  auto settled_since = std::chrono::steady_clock::now();
  std::string last;
  while (true) {
    double got = 0;
    for (const std::string& query : queries) {
      pq::QueryResult r = Ask("/api/v1/query", {{"query", query}, {"time", ApiTime(span.hi)}});
      if (!r.status.ok() || r.value.type != pq::ResultType::kVector || r.value.vector.size() != 1) {
        last = r.status.ok() ? "an answer that is not one sample" : r.status.error().message();
        got = -1;
        break;
      }
      got += r.value.vector.front().f;
      last = std::to_string(static_cast<int64_t>(got));
    }
    if (got == static_cast<double>(want)) return {};
    const auto now = std::chrono::steady_clock::now();
    if (got != previous) {
      previous = got;
      settled_since = now;
    } else if (got > 0 && now - settled_since > std::chrono::seconds(3)) {
      return {};
    }
    if (now > deadline) {
      return Error(ErrorKind::kUnavailable, "after writing " + std::to_string(want) +
                                                " samples, the endpoint's count is still: " + last);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

pq::QueryResult RemoteEvaluator::Ask(const std::string& path,
                                     std::vector<std::pair<std::string, std::string>> form) {
  ++stats_.queries;
  HttpRequest req{
      "POST", target_.Url(path), {{"Content-Type", "application/x-www-form-urlencoded"}}, FormEncode(form)};
  return DecodeQueryAnswer(target_.Send(*client_, std::move(req)));
}

namespace {

// A value that moved with time, moved back by `shift` seconds. Times are whole milliseconds,
// but near 1.8e9 s a double holds them only to about 1e-7 s: a result within 1e-6 of a whole
// millisecond is taken to be that millisecond (the script's 0.001 stays 0.001, not
// 0.00099993); anything else (an average between two milliseconds) is left as computed.
double MovedBack(double v, double shift) {
  if (shift == 0) return v;
  const double moved = v - shift;
  const double ms = std::round(moved * 1000);
  return std::fabs(moved * 1000 - ms) < 1e-3 ? ms / 1000 : moved;
}

}  // namespace

void RemoteEvaluator::MoveBack(pq::QueryResult* r) const {
  const int64_t base = Base();
  const double shift = static_cast<double>(value_shift_) * static_cast<double>(base / 1000);
  pq::Value& v = r->value;
  v.t -= base;
  v.scalar = MovedBack(v.scalar, shift);
  for (pq::Sample& s : v.vector) {
    s.t -= base;
    s.f = MovedBack(s.f, shift);
  }
  for (pq::Series& s : v.matrix) {
    for (pq::FPoint& p : s.floats) {
      p.t -= base;
      p.f = MovedBack(p.f, shift);
    }
    for (pq::HPoint& p : s.histograms) p.t -= base;
  }
}

pq::QueryResult RemoteEvaluator::Instant(std::string_view expr, int64_t t) {
  if (!prepared_.ok()) return pq::QueryResult{.status = prepared_.error()};
  if (Status st = CheckWindow(); !st.ok()) return pq::QueryResult{.status = st.error()};
  const int64_t base = Base();
  pq::QueryResult r = Ask("/api/v1/query", {{"query", ShiftAtModifiers(expr, base, options_.experimental)},
                                            {"time", ApiTime(t + base)}});
  if (r.status.ok()) MoveBack(&r);
  return r;
}

pq::QueryResult RemoteEvaluator::Range(std::string_view expr, int64_t start, int64_t end, int64_t step) {
  if (!prepared_.ok()) return pq::QueryResult{.status = prepared_.error()};
  if (Status st = CheckWindow(); !st.ok()) return pq::QueryResult{.status = st.error()};
  const int64_t base = Base();
  pq::QueryResult r =
      Ask("/api/v1/query_range", {{"query", ShiftAtModifiers(expr, base, options_.experimental)},
                                  {"start", ApiTime(start + base)},
                                  {"end", ApiTime(end + base)},
                                  {"step", ApiTime(step)}});
  if (r.status.ok()) MoveBack(&r);
  return r;
}

}  // namespace promconform::remote_promqltest
