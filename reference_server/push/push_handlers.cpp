#include "push/push_handlers.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <vector>

#include "push/body_decoding.h"
#include "push/groups_json.h"

namespace promref::push {
namespace {

double UnixNow() {
  const auto d = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) / 1e9;
}

// Go's http.Error.
api::Response GoError(int status, const std::string& msg) {
  api::Response r = api::Response::Text(status, msg + "\n");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

api::Response Empty(int status) {
  api::Response r;
  r.status = status;
  return r;
}

// Request::Header without linking promref_api: the first value, case-insensitive name.
std::string HeaderValue(const api::Request& req, std::string_view name) {
  for (const auto& [n, v] : req.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "";
}

// Go's path.Clean, with the trailing slash kept as ServeMux's cleanPath keeps it.
std::string CleanPath(std::string_view p) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view seg = p.substr(i, j - i);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    i = j + 1;
  }
  std::string clean;
  for (std::string_view s : out) clean += "/" + std::string(s);
  if (clean.empty()) clean = "/";
  if (p.size() > 1 && p.back() == '/' && clean != "/") clean += '/';
  return clean;
}

}  // namespace

PushHandlers::PushHandlers(PushStore* store, Clock clock) : store_(store), clock_(std::move(clock)) {
  if (!clock_) clock_ = UnixNow;
}

api::Response PushHandlers::Serve(const api::Request& req) const {
  if (const std::string clean = CleanPath(req.path); clean != req.path) {
    api::Response r = Empty(301);
    r.headers.emplace_back("Location", clean + (req.raw_query.empty() ? "" : "?" + req.raw_query));
    return r;
  }
  constexpr std::string_view kPrefix = "/metrics/";
  if (!req.path.starts_with(kPrefix)) return GoError(404, "404 page not found");
  Result<GroupingKey> key = ParseGroupingPath(std::string_view(req.path).substr(kPrefix.size()));
  if (!key.ok()) {
    return GoError(key.error().kind() == ErrorKind::kNotFound ? 404 : 400, key.error().message());
  }
  if (req.method == "DELETE") {
    store_->Delete(*key);
    return Empty(202);
  }
  return Push(req, *key, req.method == "PUT");
}

api::Response PushHandlers::Push(const api::Request& req, const GroupingKey& key, bool replace) const {
  Result<std::string> body = DecodeContentEncoding(HeaderValue(req, "Content-Encoding"), req.body);
  if (!body.ok()) return GoError(400, body.error().message());
  Result<FamilyMap> families = ParseBody(*body, IsDelimitedProtobuf(HeaderValue(req, "Content-Type")));
  if (!families.ok()) return GoError(400, families.error().message());
  const double now = clock_();
  Status s =
      replace ? store_->Put(key, std::move(*families), now) : store_->Post(key, std::move(*families), now);
  if (!s.ok()) return GoError(400, s.error().message());
  return Empty(200);
}

api::Response PushHandlers::ListGroups(const api::Request& /*req*/) const {
  api::Response r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = GroupsJson(store_->Groups());
  r.headers = {{"Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, Origin"},
               {"Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"},
               {"Access-Control-Allow-Origin", "*"},
               {"Access-Control-Expose-Headers", "Date"},
               {"Cache-Control", "no-cache, no-store, must-revalidate"}};
  return r;
}

}  // namespace promref::push
