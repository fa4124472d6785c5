// Pushgateway's push API on promref's router, for one tenant's PushStore (handler/push.go,
// handler/delete.go, and main.go's decodeRequest and routes), answering as Debian's
// Pushgateway 1.5.1 does (the differential test checks it), except where the current source
// (1.11.1) fixed it: Content-Encoding is matched in any case (1.5.1: only "gzip"), and a base64
// job name that does not decode does not hang later PUTs of that route (1.5.1 leaks a mutex).
// Not supported: snappy bodies (1.6+) and UTF-8 names (1.11+, behind a flag).
//
// Contract:
// - PUT / POST / DELETE /metrics/job/<job>{/<name>/<value>} and /metrics/job@base64/<b64>...:
//   PUT replaces the group, POST the families it carries; both answer 200 with an empty body
//   (Pushgateway's consistency check is on), DELETE answers 202.
// - A bad grouping key, an undecodable body, or a refused push: 400, text/plain, the message
//   plus "\n" (Go's http.Error). A path with empty or dot segments: 301 to the cleaned path
//   (Go's ServeMux), nothing done.
// - Body format: protobuf when the Content-Type is application/vnd.google.protobuf with
//   proto=io.prometheus.client.MetricFamily and encoding=delimited, the text format otherwise
//   (whatever the Content-Type says). Content-Encoding gzip (any case) is inflated first.
// - GET /api/v1/metrics lists the groups (also registered by Register).
// - Known differences: text and protobuf parse errors carry promref's parser wording (the
//   status is the same; expfmt's own texts for a second HELP/TYPE, a TYPE after samples and a
//   missing final newline are reproduced); see push_store.h and gather_check.h for the rest.
#pragma once

#include <functional>

#include "api/http.h"
#include "push/push_store.h"

namespace promref::push {

class PushHandlers {
 public:
  // Returns the current Unix time in seconds (injectable for tests).
  using Clock = std::function<double()>;

  // `store` must outlive this object, and this object every router it is registered on.
  explicit PushHandlers(PushStore* store, Clock clock = {});

  // Adds the PUT/POST/DELETE routes under /metrics/job and /metrics/job@base64. Note: the
  // router itself refuses paths with a trailing slash (404) before they reach the handler,
  // where Pushgateway reads /metrics/job/j/a/ as a="". Inline so that promref_push does not
  // link promref_api (api sits above push in the library order).
  void Register(api::Router* router) const {
    for (const char* pattern : {"/metrics/job/*rest", "/metrics/job@base64/*rest"}) {
      for (const char* method : {"PUT", "POST", "DELETE"}) {
        router->Handle(method, pattern, [this](const api::Request& req) { return Serve(req); });
      }
    }
    router->Handle("GET", "/api/v1/metrics", [this](const api::Request& req) { return ListGroups(req); });
  }

  // One push API request; `req.path` is the full path ("/metrics/job/...").
  api::Response Serve(const api::Request& req) const;

  // GET /api/v1/metrics: the groups as Pushgateway's API lists them (groups_json.h), with its
  // CORS headers.
  api::Response ListGroups(const api::Request& req) const;

 private:
  api::Response Push(const api::Request& req, const GroupingKey& key, bool replace) const;

  PushStore* store_;
  Clock clock_;
};

}  // namespace promref::push
