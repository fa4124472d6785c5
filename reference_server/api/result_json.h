// The `data` of /api/v1/query and /api/v1/query_range: {"resultType": ..., "result": ...}, in
// Prometheus' exact text (vector and matrix timestamps as 1.500, scalar/string ones as Go floats,
// native histograms as {"count","sum","buckets"}).
#pragma once

#include "api/json_writer.h"
#include "model/histogram.h"
#include "promql/engine.h"
#include "promql/value.h"

namespace promref::api {

void WriteQueryData(JsonWriter& w, const promql::Value& v, const promql::QueryStats* stats);
void WriteHistogram(JsonWriter& w, const model::FloatHistogram& h);

}  // namespace promref::api
