// The HTTP vocabulary of the API handlers, independent of the HTTP library: requests with Go's
// form semantics (a form body's values take precedence over the URL's, as r.FormValue does),
// responses that may stream, and a router with Prometheus' path patterns (`:name` segments,
// 404 for an unknown path, 405 for a known path with another method).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promref::api {

struct Tenant;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string path;       // decoded, without the query string, without the route prefix
  std::string raw_query;  // after '?', undecoded
  HeaderList headers;
  std::string body;
  // Set when the body could not be read whole (broken chunked framing): `body` is what came
  // before the error, as a Go handler's read returns it along with the error.
  std::string body_error;
  std::string remote_addr;
  std::map<std::string, std::string> path_params;  // filled by the router
  std::string route;         // the pattern of the route that served it (set by the router), "" if none
  Tenant* tenant = nullptr;  // resolved by the front door before routing
  // Form values: a form-encoded body's first, then the URL's (Go's r.Form order).
  std::vector<std::pair<std::string, std::string>> form;

  // Parses `raw_query` and, for a form-encoded POST/PUT/PATCH body, the body into `form`. As
  // Go's ParseForm, a body that could not be read or is over 10 MiB adds no values.
  void ParseForm();
  // The first value of a form field, "" when absent (Go's FormValue).
  std::string FormValue(std::string_view name) const;
  std::vector<std::string> FormValues(std::string_view name) const;
  bool HasForm(std::string_view name) const;
  // The first value of a URL query parameter, "" when absent (Go's r.URL.Query().Get).
  std::string QueryValue(std::string_view name) const;
  // A header value (case-insensitive name), "" when absent.
  std::string Header(std::string_view name) const;
};

// Writes a chunk of a streamed body; returns false when the client went away.
using ChunkWriter = std::function<bool(std::string_view chunk)>;

struct Response {
  int status = 200;
  std::string content_type;
  HeaderList headers;
  std::string body;
  // When set, the body is produced by this function, in chunks, after the headers are sent.
  std::function<void(const ChunkWriter& write)> stream;

  static Response Text(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
  }
};

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  // `pattern` is a path with `:name` segments ("/api/v1/label/:name/values"), or ending in
  // `/*name` to take the rest of the path.
  void Handle(std::string_view method, std::string_view pattern, Handler handler);
  // Dispatches to the route of the path and method (HEAD only where a route names it, as in
  // Prometheus' router): 404 "404 page not found" for an unknown path, 405 "Method Not
  // Allowed" with an Allow header for a known path with another method.
  Response Dispatch(Request& req) const;
  // Whether some route matches the path (for any method).
  bool Knows(std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool Match(const Route& r, std::string_view path, std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

// Go's url.QueryUnescape (with '+' as space); false on a malformed escape.
bool QueryUnescape(std::string_view in, std::string* out);
// Go's url.ParseQuery, appending name/value pairs; malformed pairs are skipped (as
// r.FormValue ignores them), and a query of more than 10,000 parameters adds none.
void ParseQueryInto(std::string_view query, std::vector<std::pair<std::string, std::string>>* out);

}  // namespace promref::api
