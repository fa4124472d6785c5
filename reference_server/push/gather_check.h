// The consistency check Pushgateway runs on every checked push: it gathers what its /metrics
// would expose after the push, and refuses the push when client_golang's Gatherers.Gather
// reports an error (prometheus/registry.go: checkSuffixCollisions, checkMetricConsistency).
//
// Contract: `families` are the families of every group merged by name (Merge below), each
// metric's labels already sanitized (grouping labels set, sorted). Returns "" when the
// exposition is consistent; otherwise Go's error text: one error as is, several as MultiError
// prints them ("N error(s) occurred:\n* ...\n* ..."). Pushgateway iterates its groups in random
// (Go map) order; here they come in grouping-key order, so with several errors the text may
// differ from a given Pushgateway run.
//
// Not checked: collisions with Pushgateway's own go_*, process_* and pushgateway_* metrics
// (promref exposes none of them under the push store).
#pragma once

#include <string>
#include <vector>

#include "push/metric_family.h"

namespace promref::push {

// GetMetricFamilies: families of the same name from several groups concatenated, the first
// one's help and type kept. In name order.
std::vector<Family> Merge(const std::vector<const FamilyMap*>& groups);

std::string GatherErrors(const std::vector<Family>& families);

}  // namespace promref::push
