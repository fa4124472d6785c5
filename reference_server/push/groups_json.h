// Pushgateway's GET /api/v1/metrics answer (api/v1/api.go metrics/respond): every group with
// its labels, last_push_successful and, per family, time_stamp (when the family was last
// pushed), type, help and the metrics with their values as strings (fmt.Sprint).
//
// Contract: the JSON is byte-compatible with Go's encoding/json of the same data (object keys
// sorted, <, > and & escaped as \u003c..., times in RFC 3339 with nanoseconds, UTC) except
// for the order of the groups: key order here, Go's random map order there. Native histograms
// are listed with count and sum only (no "buckets"): Pushgateway 1.8+ adds its bucket list.
#pragma once

#include <string>
#include <vector>

#include "push/push_store.h"

namespace promref::push {

std::string GroupsJson(const std::vector<GroupView>& groups);

}  // namespace promref::push
