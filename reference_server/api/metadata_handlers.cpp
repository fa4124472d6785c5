// Series, label names and values, exemplars, metric metadata and federation.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "api/envelope.h"
#include "api/federate.h"
#include "api/internal/params.h"
#include "api/prometheus_api.h"
#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/sample.h"
#include "model/value_text.h"
#include "promql/parser.h"

namespace promref::api {

using internal::MaxApiTime;
using internal::MinApiTime;
using internal::ParseLimit;
using internal::ParseTimeParam;

namespace {

constexpr const char* kTruncated = "results truncated due to limit";

// What series/labels/label-values share: limit, start, end, match[].
struct SeriesQuery {
  int64_t limit = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
  std::vector<std::vector<model::Matcher>> matcher_sets;
};

Result<SeriesQuery> ParseSeriesQuery(const Request& req, const promql::ParseOptions& parse_options) {
  SeriesQuery q;
  auto limit = ParseLimit(req.FormValue("limit"));
  if (!limit.ok()) return InvalidParam("limit", limit.error().message());
  q.limit = *limit;
  auto start = ParseTimeParam(req, "start", MinApiTime());
  if (!start.ok()) return InvalidParam("start", start.error().message());
  auto end = ParseTimeParam(req, "end", MaxApiTime());
  if (!end.ok()) return InvalidParam("end", end.error().message());
  q.mint = start->Millis();
  q.maxt = end->Millis();
  auto sets = internal::ParseMatchers(req.FormValues("match[]"), parse_options);
  if (!sets.ok()) return InvalidParam("match[]", sets.error().message());
  q.matcher_sets = std::move(*sets);
  return q;
}

DataWriter StringArray(std::vector<std::string> values) {
  return [values = std::move(values)](JsonWriter& w) {
    w.BeginArray();
    for (const auto& v : values) w.String(v);
    w.EndArray();
  };
}

// Label names or values over one or several matcher sets, sorted and unique.
template <typename Fetch>
Response LabelList(const Request& req, const SeriesQuery& q, Fetch fetch) {
  auto querier = req.tenant->storage->MakeQuerier(q.mint, q.maxt);
  if (!querier.ok()) return ApiError(querier.error());
  // Ask the store for one more than the limit, to know whether the result is truncated.
  storage::LabelHints hints;
  if (q.limit > 0) hints.limit = static_cast<size_t>(q.limit) + 1;
  std::set<std::string> merged;
  std::vector<std::string> values;
  if (q.matcher_sets.size() > 1) {
    for (const auto& set : q.matcher_sets) {
      auto r = fetch(**querier, hints, set);
      if (!r.ok()) return ApiError(Error(ErrorKind::kExecution, r.error().message()));
      merged.insert(r->begin(), r->end());
    }
    values.assign(merged.begin(), merged.end());
  } else {
    std::vector<model::Matcher> none;
    auto r = fetch(**querier, hints, q.matcher_sets.empty() ? none : q.matcher_sets[0]);
    if (!r.ok()) return ApiError(Error(ErrorKind::kExecution, r.error().message()));
    values = std::move(*r);
    std::sort(values.begin(), values.end());
  }
  Notes notes;
  if (q.limit > 0 && values.size() > static_cast<size_t>(q.limit)) {
    values.resize(static_cast<size_t>(q.limit));
    notes.warnings.push_back(kTruncated);
  }
  return ApiSuccess(StringArray(std::move(values)), std::move(notes));
}

// Vector selectors of an expression (for exemplar queries): their matchers.
void CollectSelectors(const promql::Expr& e, std::vector<std::vector<model::Matcher>>* out) {
  using promql::NodeKind;
  switch (e.kind) {
    case NodeKind::kVectorSelector: out->push_back(promql::As<promql::VectorSelector>(e).matchers); break;
    case NodeKind::kMatrixSelector:
      CollectSelectors(*promql::As<promql::MatrixSelector>(e).vector_selector, out);
      break;
    case NodeKind::kSubquery: CollectSelectors(*promql::As<promql::SubqueryExpr>(e).expr, out); break;
    case NodeKind::kAggregate:
      if (promql::As<promql::AggregateExpr>(e).param)
        CollectSelectors(*promql::As<promql::AggregateExpr>(e).param, out);
      CollectSelectors(*promql::As<promql::AggregateExpr>(e).expr, out);
      break;
    case NodeKind::kBinary:
      CollectSelectors(*promql::As<promql::BinaryExpr>(e).lhs, out);
      CollectSelectors(*promql::As<promql::BinaryExpr>(e).rhs, out);
      break;
    case NodeKind::kCall:
      for (const auto& a : promql::As<promql::Call>(e).args) CollectSelectors(*a, out);
      break;
    case NodeKind::kParen: CollectSelectors(*promql::As<promql::ParenExpr>(e).expr, out); break;
    case NodeKind::kUnary: CollectSelectors(*promql::As<promql::UnaryExpr>(e).expr, out); break;
    case NodeKind::kStepInvariant:
      CollectSelectors(*promql::As<promql::StepInvariantExpr>(e).expr, out);
      break;
    default: break;
  }
}

}  // namespace

Response PrometheusApi::Series(const Request& req) {
  if (!req.HasForm("match[]")) return ApiError(BadData("no match[] parameter provided"));
  auto q = ParseSeriesQuery(req, parse_options());
  if (!q.ok()) return ApiError(q.error());
  auto querier = req.tenant->storage->MakeQuerier(q->mint, q->maxt);
  if (!querier.ok()) return ApiError(querier.error());
  storage::SelectHints hints;
  hints.start = q->mint;
  hints.end = q->maxt;
  hints.func = "series";
  if (q->limit > 0) hints.limit = static_cast<size_t>(q->limit) + 1;
  std::vector<model::Labels> series;
  std::set<std::string> seen;  // several match[] sets are OR-ed and de-duplicated
  for (const auto& set : q->matcher_sets) {
    // One match[]: unsorted, as Prometheus asks (a limit keeps the partition's first series);
    // several: sorted, to merge them.
    auto ss = (*querier)->Select(q->matcher_sets.size() > 1, hints, set);
    while (ss->Next()) {
      const model::Labels& l = ss->At().labels();
      if (q->matcher_sets.size() == 1 || seen.insert(std::string(l.Encoded())).second) series.push_back(l);
    }
    if (Status st = ss->Err(); !st.ok()) return ApiError(Error(ErrorKind::kInternal, st.error().message()));
  }
  if (q->matcher_sets.size() > 1) {
    std::sort(series.begin(), series.end(), [](const auto& a, const auto& b) { return Compare(a, b) < 0; });
  }
  Notes notes;
  if (q->limit > 0 && series.size() > static_cast<size_t>(q->limit)) {
    series.resize(static_cast<size_t>(q->limit));
    notes.warnings.push_back(kTruncated);
  }
  return ApiSuccess(
      [series = std::move(series)](JsonWriter& w) {
        w.BeginArray();
        for (const auto& l : series) w.Labels(l);
        w.EndArray();
      },
      std::move(notes));
}

Response PrometheusApi::Labels(const Request& req) {
  auto q = ParseSeriesQuery(req, parse_options());
  if (!q.ok()) return ApiError(q.error());
  return LabelList(req, *q, [](storage::Querier& querier, const storage::LabelHints& h, const auto& ms) {
    return querier.LabelNames(h, ms);
  });
}

Response PrometheusApi::LabelValues(const Request& req) {
  std::string name = req.path_params.at("name");
  if (name.rfind("U__", 0) == 0) name = model::UnescapeValueEncoding(name);
  if (!model::IsValidLabelName(name)) return ApiError(BadData("invalid label name: " + model::GoQuote(name)));
  auto q = ParseSeriesQuery(req, parse_options());
  if (!q.ok()) return ApiError(q.error());
  return LabelList(req, *q, [&name](storage::Querier& querier, const storage::LabelHints& h, const auto& ms) {
    return querier.LabelValues(name, h, ms);
  });
}

Response PrometheusApi::QueryExemplars(const Request& req) {
  auto start = ParseTimeParam(req, "start", MinApiTime());
  if (!start.ok()) return ApiError(InvalidParam("start", start.error().message()));
  auto end = ParseTimeParam(req, "end", MaxApiTime());
  if (!end.ok()) return ApiError(InvalidParam("end", end.error().message()));
  if (end->Before(*start)) return ApiError(BadData("end timestamp must not be before start timestamp"));
  auto e = promql::ParseExpr(req.FormValue("query"), parse_options());
  if (!e.ok()) return ApiError(e.error());
  std::vector<std::vector<model::Matcher>> selectors;
  CollectSelectors(**e, &selectors);
  if (selectors.empty()) return NoContent();
  auto result = req.tenant->storage->SelectExemplars(start->Millis(), end->Millis(), selectors);
  if (!result.ok()) return ApiError(result.error());
  return ApiSuccess([r = std::move(*result)](JsonWriter& w) {
    w.BeginArray();
    for (const auto& s : r) {
      w.BeginObject();
      w.Key("seriesLabels").Labels(s.series_labels);
      w.Key("exemplars").BeginArray();
      for (const auto& ex : s.exemplars) {
        w.BeginObject();
        w.Key("labels").Labels(ex.labels);
        w.Key("value").SampleValue(ex.value);
        w.Key("timestamp").SampleTimestamp(ex.t);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  });
}

Response PrometheusApi::Federate(const Request& req) {
  const federate::Format format = federate::Negotiate(req.Header("Accept"));
  Response r;
  r.status = 200;
  r.content_type = format.ContentType();
  const auto matches = req.FormValues("match[]");
  if (matches.empty()) return r;
  auto sets = internal::ParseMatchers(matches, parse_options());
  if (!sets.ok()) return Response::Text(400, sets.error().message() + "\n");
  const int64_t now = internal::FromSystemTime(deps_.now()).Millis();
  const int64_t mint = now - deps_.options.lookback_delta_ms;
  auto querier = req.tenant->storage->MakeQuerier(mint, now);
  if (!querier.ok()) return Response::Text(500, querier.error().message() + "\n");
  std::vector<federate::Sample> samples;
  std::set<std::string> seen;
  storage::SelectHints hints;
  hints.start = mint;
  hints.end = now;
  for (const auto& set : *sets) {
    auto ss = (*querier)->Select(true, hints, set);
    while (ss->Next()) {
      if (!seen.insert(std::string(ss->At().labels().Encoded())).second) continue;
      if (auto newest = federate::Newest(ss->At(), mint + 1, now)) samples.push_back(std::move(*newest));
    }
  }
  r.body = federate::Encode(std::move(samples),
                            deps_.external_labels ? deps_.external_labels() : model::Labels(), format);
  return r;
}

}  // namespace promref::api
