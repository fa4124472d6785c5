#include "api/http.h"

#include <algorithm>
#include <cctype>

#include "http1/tokens.h"

namespace promref::api {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}

}  // namespace

bool QueryUnescape(std::string_view in, std::string* out) {
  return http1::PercentDecode(in, /*plus_is_space=*/true, out);
}

void ParseQueryInto(std::string_view query, std::vector<std::pair<std::string, std::string>>* out) {
  // Go's url.ParseQuery refuses a query of more than 10,000 parameters whole ("number of URL
  // query parameters exceeded limit"), counting '&'-separated parts, empty ones included.
  constexpr size_t kMaxParams = 10000;
  if (static_cast<size_t>(std::count(query.begin(), query.end(), '&')) + 1 > kMaxParams) return;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) continue;  // Go rejects ';' separators
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!QueryUnescape(pair.substr(0, eq), &key)) continue;
    if (eq != std::string_view::npos && !QueryUnescape(pair.substr(eq + 1), &value)) continue;
    out->emplace_back(std::move(key), std::move(value));
  }
}

void Request::ParseForm() {
  form.clear();
  // Go's maxFormSize: a larger body is "http: POST too large", and its values are dropped.
  constexpr size_t kMaxFormSize = 10u << 20;
  if ((method == "POST" || method == "PUT" || method == "PATCH") && body_error.empty() &&
      body.size() <= kMaxFormSize) {
    std::string ct = Header("Content-Type");
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    if (http1::EqualFold(ct, "application/x-www-form-urlencoded")) ParseQueryInto(body, &form);
  }
  ParseQueryInto(raw_query, &form);
}

std::string Request::FormValue(std::string_view name) const {
  for (const auto& [k, v] : form) {
    if (k == name) return v;
  }
  return {};
}

std::vector<std::string> Request::FormValues(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : form) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::string Request::QueryValue(std::string_view name) const {
  std::vector<std::pair<std::string, std::string>> pairs;
  ParseQueryInto(raw_query, &pairs);
  for (auto& [k, v] : pairs) {
    if (k == name) return std::move(v);
  }
  return "";
}

bool Request::HasForm(std::string_view name) const {
  return std::any_of(form.begin(), form.end(), [&](const auto& kv) { return kv.first == name; });
}

std::string Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (http1::EqualFold(k, name)) return v;
  }
  return {};
}

void Router::Handle(std::string_view method, std::string_view pattern, Handler handler) {
  routes_.push_back(Route{std::string(method), std::string(pattern), SplitPath(pattern), std::move(handler)});
}

bool Router::Match(const Route& r, std::string_view path, std::map<std::string, std::string>* params) {
  const std::vector<std::string> parts = SplitPath(path);
  // A trailing slash is a different path, as in Prometheus' router.
  if (path.size() > 1 && path.back() == '/') return false;
  size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const std::string& seg = r.segments[i];
    if (!seg.empty() && seg[0] == '*') {
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j) rest += "/" + parts[j];
      (*params)[seg.substr(1)] = rest;
      return true;
    }
    if (i >= parts.size()) return false;
    if (!seg.empty() && seg[0] == ':') {
      (*params)[seg.substr(1)] = parts[i];
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return i == parts.size();
}

bool Router::Knows(std::string_view path) const {
  std::map<std::string, std::string> params;
  return std::any_of(routes_.begin(), routes_.end(), [&](const Route& r) { return Match(r, path, &params); });
}

Response Router::Dispatch(Request& req) const {
  std::vector<std::string> allowed;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(r, req.path, &params)) continue;
    if (r.method == req.method) {
      req.path_params = std::move(params);
      req.route = r.pattern;
      return r.handler(req);
    }
    allowed.push_back(r.method);
  }
  // Prometheus' router (httprouter) answers with http.Error: plain text and nosniff; a 405
  // names the path's methods, OPTIONS included, sorted.
  Response resp = allowed.empty() ? Response::Text(404, "404 page not found\n")
                                  : Response::Text(405, "Method Not Allowed\n");
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!allowed.empty()) {
    allowed.push_back("OPTIONS");
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    resp.headers.emplace_back("Allow", allow);
  }
  return resp;
}

}  // namespace promref::api
