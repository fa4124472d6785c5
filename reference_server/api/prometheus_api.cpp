// Expression queries and route registration.
#include "api/prometheus_api.h"

#include <chrono>
#include <optional>

#include "api/envelope.h"
#include "api/internal/params.h"
#include "api/result_json.h"
#include "promql/ast_json.h"
#include "promql/parser.h"
#include "promql/printer.h"

namespace promref::api {

using internal::ParseLimit;

namespace {

int64_t NanosToMillis(int64_t ns) {
  return ns / 1'000'000;
}

// A duration parameter in milliseconds (Prometheus keeps nanoseconds and truncates).
Result<int64_t> DurationParamMillis(const std::string& v) {
  auto ns = model::ParseDurationParam(v);
  if (!ns.ok()) return ns.error();
  return NanosToMillis(*ns);
}

// The `timeout` parameter, as Prometheus' queryTimeout reads it: a positive duration whose
// deadline starts now, when the request is handled (not when evaluation starts). Absent: none.
Result<std::optional<std::chrono::steady_clock::time_point>> TimeoutDeadline(const Request& req) {
  using Clock = std::chrono::steady_clock;
  const std::string v = req.FormValue("timeout");
  if (v.empty()) return std::optional<Clock::time_point>();
  auto ns = model::ParseDurationParam(v);
  if (!ns.ok()) return InvalidParam("timeout", ns.error().message());
  if (*ns <= 0) {
    return InvalidParam("timeout", "timeout must be positive, got " + model::FormatGoDuration(*ns));
  }
  const Clock::time_point now = Clock::now();
  // A deadline beyond what the clock can hold is no deadline at all (Go saturates too).
  const auto room = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::time_point::max() - now);
  if (std::chrono::nanoseconds(*ns) >= room) return std::optional(Clock::time_point::max());
  return std::optional(now + std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(*ns)));
}

Notes ToNotes(const promql::Annotations& a) {
  return Notes{a.warnings, a.infos};
}

// Errors from evaluation keep their kind; errors from preparing the query (parse errors, a range
// vector for a range query) are the query parameter's fault.
Response QueryError(const Error& e, const Notes& notes) {
  if (e.kind() == ErrorKind::kBadData) return ApiError(InvalidParam("query", e.message()), nullptr, notes);
  return ApiError(e, nullptr, notes);
}

// Truncates vectors and matrices to `limit` elements (query and query_range's `limit`).
bool Truncate(promql::Value* v, int64_t limit) {
  if (limit <= 0) return false;
  const auto n = static_cast<size_t>(limit);
  if (v->type == promql::ResultType::kVector && v->vector.size() > n) {
    v->vector.resize(n);
    return true;
  }
  if (v->type == promql::ResultType::kMatrix && v->matrix.size() > n) {
    v->matrix.resize(n);
    return true;
  }
  return false;
}

Response QueryResponse(promql::QueryResult r, int64_t limit, bool stats) {
  Notes notes = ToNotes(r.annotations);
  if (!r.status.ok()) return QueryError(r.status.error(), notes);
  if (Truncate(&r.value, limit)) notes.warnings.push_back("results truncated due to limit");
  auto shared = std::make_shared<promql::QueryResult>(std::move(r));
  return ApiSuccess(
      [shared, stats](JsonWriter& w) { WriteQueryData(w, shared->value, stats ? &shared->stats : nullptr); },
      std::move(notes));
}

}  // namespace

Response PrometheusApi::Query(const Request& req) {
  auto limit = ParseLimit(req.FormValue("limit"));
  if (!limit.ok()) return ApiError(InvalidParam("limit", limit.error().message()));
  auto ts = internal::ParseTimeParam(req, "time", internal::FromSystemTime(deps_.now()));
  if (!ts.ok()) return ApiError(InvalidParam("time", ts.error().message()));
  promql::QueryOptions opts;
  auto deadline = TimeoutDeadline(req);
  if (!deadline.ok()) return ApiError(deadline.error());
  opts.deadline = *deadline;
  if (const std::string lb = req.FormValue("lookback_delta"); !lb.empty()) {
    auto d = DurationParamMillis(lb);
    if (!d.ok()) return ApiError(BadData("error parsing lookback delta duration: " + d.error().message()));
    opts.lookback_delta_ms = *d;
  }
  auto r = deps_.engine->InstantQuery(*req.tenant->storage, req.FormValue("query"), ts->EngineMillis(), opts);
  return QueryResponse(std::move(r), *limit, !req.FormValue("stats").empty());
}

Response PrometheusApi::QueryRange(const Request& req) {
  auto limit = ParseLimit(req.FormValue("limit"));
  if (!limit.ok()) return ApiError(InvalidParam("limit", limit.error().message()));
  auto start = model::ParseTimestamp(req.FormValue("start"));
  if (!start.ok()) return ApiError(InvalidParam("start", start.error().message()));
  auto end = model::ParseTimestamp(req.FormValue("end"));
  if (!end.ok()) return ApiError(InvalidParam("end", end.error().message()));
  if (end->Before(*start))
    return ApiError(InvalidParam("end", "end timestamp must not be before start time"));
  auto step = model::ParseDurationParam(req.FormValue("step"));
  if (!step.ok()) return ApiError(InvalidParam("step", step.error().message()));
  if (*step <= 0) {
    return ApiError(InvalidParam(
        "step", "zero or negative query resolution step widths are not accepted. Try a positive integer"));
  }
  // end.Sub(start) in nanoseconds, saturating as Go's Time.Sub does.
  int64_t span_ns = 0;
  {
    int64_t secs, ns;
    const bool overflow = __builtin_sub_overflow(end->sec, start->sec, &secs) ||
                          __builtin_mul_overflow(secs, int64_t{1'000'000'000}, &ns) ||
                          __builtin_add_overflow(ns, end->nsec - start->nsec, &span_ns);
    if (overflow) span_ns = std::numeric_limits<int64_t>::max();
  }
  if (span_ns / *step > 11000) {
    return ApiError(BadData(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
        "(?step=XX)"));
  }
  promql::QueryOptions opts;
  auto deadline = TimeoutDeadline(req);
  if (!deadline.ok()) return ApiError(deadline.error());
  opts.deadline = *deadline;
  if (const std::string lb = req.FormValue("lookback_delta"); !lb.empty()) {
    auto d = DurationParamMillis(lb);
    if (!d.ok()) return ApiError(BadData("error parsing lookback delta duration: " + d.error().message()));
    opts.lookback_delta_ms = *d;
  }
  const int64_t step_ms = std::max<int64_t>(NanosToMillis(*step), 1);
  auto r = deps_.engine->RangeQuery(*req.tenant->storage, req.FormValue("query"), start->EngineMillis(),
                                    end->EngineMillis(), step_ms, opts);
  return QueryResponse(std::move(r), *limit, !req.FormValue("stats").empty());
}

Response PrometheusApi::FormatQuery(const Request& req) {
  auto e = promql::ParseExpr(req.FormValue("query"), parse_options());
  if (!e.ok()) return ApiError(InvalidParam("query", e.error().message()));
  std::string text = promql::Prettify(**e);
  return ApiSuccess([text = std::move(text)](JsonWriter& w) { w.String(text); });
}

Response PrometheusApi::ParseQuery(const Request& req) {
  auto e = promql::ParseExpr(req.FormValue("query"), parse_options());
  if (!e.ok()) return ApiError(InvalidParam("query", e.error().message()));
  std::string json = promql::AstToJson(**e);
  return ApiSuccess([json = std::move(json)](JsonWriter& w) { w.Raw(json); });
}

void PrometheusApi::Register(Router& r) {
  using H = Response (PrometheusApi::*)(const Request&);
  auto add = [&](std::initializer_list<const char*> methods, const char* path, H h) {
    for (const char* m : methods)
      r.Handle(m, path, [this, h](const Request& req) { return (this->*h)(req); });
  };
  add({"GET", "POST"}, "/api/v1/query", &PrometheusApi::Query);
  add({"GET", "POST"}, "/api/v1/query_range", &PrometheusApi::QueryRange);
  add({"GET", "POST"}, "/api/v1/format_query", &PrometheusApi::FormatQuery);
  add({"GET", "POST"}, "/api/v1/parse_query", &PrometheusApi::ParseQuery);
  add({"GET", "POST"}, "/api/v1/query_exemplars", &PrometheusApi::QueryExemplars);
  add({"GET", "POST"}, "/api/v1/series", &PrometheusApi::Series);
  add({"GET", "POST"}, "/api/v1/labels", &PrometheusApi::Labels);
  add({"GET"}, "/api/v1/label/:name/values", &PrometheusApi::LabelValues);
  add({"GET"}, "/api/v1/metadata", &PrometheusApi::Metadata);
  add({"GET"}, "/api/v1/targets/metadata", &PrometheusApi::TargetsMetadata);
  add({"GET"}, "/api/v1/targets/relabel_steps", &PrometheusApi::TargetRelabelSteps);
  add({"GET"}, "/api/v1/targets", &PrometheusApi::Targets);
  add({"GET"}, "/api/v1/scrape_pools", &PrometheusApi::ScrapePools);
  add({"GET"}, "/api/v1/rules", &PrometheusApi::Rules);
  add({"GET"}, "/api/v1/alerts", &PrometheusApi::Alerts);
  add({"GET"}, "/api/v1/alertmanagers", &PrometheusApi::Alertmanagers);
  add({"GET"}, "/api/v1/status/config", &PrometheusApi::StatusConfig);
  add({"GET"}, "/api/v1/status/flags", &PrometheusApi::StatusFlags);
  add({"GET"}, "/api/v1/status/runtimeinfo", &PrometheusApi::StatusRuntimeInfo);
  add({"GET"}, "/api/v1/status/buildinfo", &PrometheusApi::StatusBuildInfo);
  add({"GET"}, "/api/v1/status/tsdb", &PrometheusApi::StatusTsdb);
  add({"GET"}, "/api/v1/status/tsdb/blocks", &PrometheusApi::StatusTsdbBlocks);
  add({"GET"}, "/api/v1/status/walreplay", &PrometheusApi::StatusWalReplay);
  add({"GET"}, "/api/v1/notifications", &PrometheusApi::NotificationsList);
  add({"GET"}, "/api/v1/notifications/live", &PrometheusApi::NotificationsLive);
  add({"POST", "PUT"}, "/api/v1/admin/tsdb/snapshot", &PrometheusApi::AdminSnapshot);
  add({"POST", "PUT"}, "/api/v1/admin/tsdb/delete_series", &PrometheusApi::AdminDeleteSeries);
  add({"POST", "PUT"}, "/api/v1/admin/tsdb/clean_tombstones", &PrometheusApi::AdminCleanTombstones);
  add({"POST"}, "/api/v1/write", &PrometheusApi::RemoteWrite);
  add({"POST"}, "/api/v1/otlp/v1/metrics", &PrometheusApi::OtlpWrite);
  add({"GET"}, "/federate", &PrometheusApi::Federate);
  add({"GET", "HEAD"}, "/-/healthy", &PrometheusApi::Healthy);
  add({"GET", "HEAD"}, "/-/ready", &PrometheusApi::Ready);
  add({"POST", "PUT", "GET"}, "/-/reload", &PrometheusApi::Reload);
  add({"POST", "PUT", "GET"}, "/-/quit", &PrometheusApi::Quit);
  add({"GET"}, "/version", &PrometheusApi::Version);
  if (deps_.metrics != nullptr) add({"GET"}, "/metrics", &PrometheusApi::OwnMetrics);
}

}  // namespace promref::api
