// Prometheus' alert template expansion: the text/template language of Go as Prometheus 3.16's
// rule templates use it (labels and annotations of alerting rules), with Prometheus' template
// functions, giving Go's and Prometheus' exact output and error texts.
//
// What is implemented: the whole text/template syntax (text and actions, trim markers
// `{{-`/`-}}`, comments, pipelines, variables with `:=` and `=`, if/else if/else, with/else
// with/else, range over query results, maps (sorted keys), integers and `$i, $v :=`,
// break/continue, define/template/block), option missingkey=zero, Go's builtins (and, or, not,
// len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call)
// and Prometheus 3.16's function map (query, first, label, value, strvalue, args,
// reReplaceAll, safeHtml, match, title, toUpper, toLower, graphLink, tableLink, sortByLabel,
// stripPort, stripDomain, humanize, humanize1024, humanizeDuration, humanizePercentage,
// humanizeTimestamp, toTime, toDuration, now, pathPrefix, externalURL, parseDuration,
// urlQueryEscape). Values are the ones those functions and the alert data produce: bool, int,
// float64, complex128, string, template.HTML, map[string]string, map[string]any, the alert
// data struct, query results and samples, *time.Time and *time.Duration (with the methods
// listed in exec.cpp).
//
// Deliberate differences from Go, all for inputs no real rule has: nesting of actions and
// parentheses is limited to 1000 levels and ~2 MiB of stack (Go: parentheses 10000, actions
// unlimited), reported as "max expression depth exceeded"; nested {{template}} calls to 100
// levels (and the same stack budget), reported with Go's text for its own limit, "exceeded
// maximum template depth (100000)"; one expansion to 1,000,000 evaluation steps, 4 MiB of
// output and 16 MiB per function result. Printing a pointer (a query result's samples, %p)
// shows made-up addresses, since Go's are memory addresses. Needs about 3 MiB of stack.
// Thread-safe: expansions share no mutable state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/labels.h"

namespace promref::tmpl {

struct QuerySample {
  model::Labels labels;
  double value = 0;
};

// Runs a PromQL instant query at the evaluation time. An error's message is what the template
// shows after "error calling query: ".
using QueryFunc = std::function<Result<std::vector<QuerySample>>(const std::string& query)>;

// The data an alert template sees as `.` (template.AlertTemplateData): .Labels,
// .ExternalLabels, .ExternalURL and .Value (a float64).
struct Data {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  double value = 0;
};

struct ExpandOptions {
  // The evaluation time in Unix milliseconds (`now`; the time queries run at is the caller's).
  int64_t timestamp_ms = 0;
  // Runs `query`; when empty, `query` fails as a nil Go function does ("runtime error: invalid
  // memory address or nil pointer dereference").
  QueryFunc query;
  // The server's --web.external-url (`externalURL`, `pathPrefix`), as url.URL.String() shows
  // it; the path is what follows scheme://host.
  std::string external_url;
};

// Expander.Expand of `text` (nothing prepended) as template `name`. Errors read as Prometheus
// returns them: "error parsing template NAME: template: NAME:LINE: ..." or
// "error executing template NAME: template: NAME:LINE:COL: executing \"NAME\" at <...>: ...".
Result<std::string> Expand(const std::string& name, const std::string& text, const Data& data,
                           const ExpandOptions& options);

// Expander.ParseTest: whether `text` parses as template `name`; the error is the parser's own
// ("template: NAME:LINE: ..."), without Expand's prefix. What rule files are checked with.
Status ParseTest(const std::string& name, const std::string& text);

// What an alerting rule makes of a label or annotation template (rules/alerting.go): the
// convenience variables $labels, $externalLabels, $externalURL and $value defined by a prefix
// on the first line, the template named "__alert_" + rule name, and a failure turned into
// "<error expanding template: ERROR>".
std::string ExpandAlertTemplate(const std::string& rule_name, const std::string& text, const Data& data,
                                const ExpandOptions& options);

// strutil.TableLinkForExpression and GraphLinkForExpression: the expression browser's relative
// links ("/graph?g0.expr=<url.QueryEscape(expr)>&g0.tab=1" and tab=0), as alerts' generator
// URLs and the tableLink/graphLink functions write them.
std::string TableLinkForExpression(std::string_view expr);
std::string GraphLinkForExpression(std::string_view expr);

// The prefix ExpandAlertTemplate puts before the text.
inline constexpr const char* kAlertTemplateDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

}  // namespace promref::tmpl
