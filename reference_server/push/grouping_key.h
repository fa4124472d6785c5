// The grouping key of a push: the labels in the URL path after /metrics/ (job/<job>{/<name>/<value>}),
// parsed and validated exactly as Pushgateway does it (handler/push.go splitLabels, decodeBase64).
//
// Contract:
// - `job@base64/<b64>` and `<name>@base64/<b64>` carry a value in URL-safe base64; '=' padding is
//   optional (trailing '=' are dropped, so "=" alone is the empty value); a bad encoding is an
//   error with Go's text ("illegal base64 data at input byte N").
// - Label names must be legacy-valid ([a-zA-Z_][a-zA-Z0-9_]*) and not start with "__".
// - A repeated label name is not an error: the later value wins (Go map assignment), and a `job`
//   label in the label part is overridden by the job segment.
// - Errors are kBadData with Pushgateway's exact message (its handlers answer 400 with it).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "model/error.h"

namespace promref::push {

struct GroupingKey {
  // Every grouping label, `job` included; values may be empty.
  std::map<std::string, std::string> labels;

  const std::string& job() const { return labels.at("job"); }
  // Pushgateway's groupingKeyFor: names sorted, name\xffvalue joined by \xff. Unique per set.
  std::string Id() const;
  friend bool operator==(const GroupingKey&, const GroupingKey&) = default;
};

// Go's base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")). On error, *partial holds
// what was decoded before it (Pushgateway prints that in its job error).
Result<std::string> DecodeBase64Value(std::string_view s, std::string* partial = nullptr);

// The key from the route's parts: `job` (the raw segment after /job/ or /job@base64/), whether
// it is base64, and `labels_rest` (everything after the job segment: "" or "/name/value/...").
Result<GroupingKey> ParseGroupingKey(std::string_view job, bool job_base64, std::string_view labels_rest);

// The key from the whole path after "/metrics/" ("job/j/a/b", "job@base64/ag/..."). Errors as
// above; a path that does not start with a job segment is kNotFound (Pushgateway's router 404).
Result<GroupingKey> ParseGroupingPath(std::string_view path);

}  // namespace promref::push
