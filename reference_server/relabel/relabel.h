// Applying relabeling rules to a label set, as Prometheus 3.16's relabel.ProcessBuilder does.
//
// Rules run in order, each seeing what the previous ones left. keep, drop, keepequal and
// dropequal may drop the set, which ends the processing. Setting a label to "" deletes it.
// No label is special here: the scrape layer, not relabeling, drops `__meta_*`, `__tmp*` and
// the other double-underscore labels afterwards.
#pragma once

#include <optional>
#include <span>

#include "model/labels.h"
#include "relabel/relabel_config.h"

namespace promref::relabel {

// The relabeled set, or nullopt when a rule dropped it. `rules` must have passed Validate.
std::optional<model::Labels> Process(const model::Labels& labels, std::span<const RelabelConfig> rules);

}  // namespace promref::relabel
