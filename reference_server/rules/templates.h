// Alert templates as alerting rules use them: Prometheus' template data ($labels,
// $externalLabels, $externalURL, $value) prepended to the text, then expanded by the template
// library with the rule's query function.
#pragma once

#include <string>

#include "promql/value.h"
#include "rules/rule.h"

namespace promref::rules {

// The expansion of `text` for the alert of `sample` (labels without __name__ as $labels), or
// "<error expanding template: ...>" with the library's error, as Prometheus writes it.
std::string ExpandAlertTemplate(const std::string& alert_name, const std::string& text,
                                const promql::Sample& sample, const model::Labels& external_labels,
                                const std::string& external_url, int64_t ts_ms, const QueryFunc& query);

// "" when `text` parses as an alert template, else Prometheus' error (rulefmt's check).
std::string CheckAlertTemplate(const std::string& alert_name, const std::string& text);

}  // namespace promref::rules
