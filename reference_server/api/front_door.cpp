#include "api/front_door.h"

#include <re2/re2.h>

#include <mutex>

#include "api/compression.h"
#include "api/json_writer.h"

namespace promref::api {
namespace {

std::mutex config_mu;  // guards FrontDoor::config_ swaps (reloads are rare)

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

std::string Base64Decode(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0;
  uint32_t acc = 0;
  for (char c : in) {
    if (c == '=') break;
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return {};
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Response Unauthorized(const std::string& message) {
  JsonWriter w;
  w.BeginObject()
      .Key("status")
      .String("error")
      .Key("errorType")
      .String("unauthorized")
      .Key("error")
      .String(message);
  w.EndObject();
  Response r;
  r.status = 401;
  r.content_type = "application/json";
  r.body = w.Take();
  r.headers.emplace_back("WWW-Authenticate", "Bearer, Basic realm=\"promref\"");
  return r;
}

}  // namespace

bool SecretEquals(std::string_view a, std::string_view b) {
  // Compare over the longer length so that neither length nor content leaks through timing.
  const size_t n = std::max(a.size(), b.size());
  unsigned diff = static_cast<unsigned>(a.size() ^ b.size());
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

struct FrontDoor::Compiled : FrontDoorConfig {
  explicit Compiled(FrontDoorConfig c)
      : FrontDoorConfig(std::move(c)),
        cors(std::make_unique<RE2>("^(?s:" + cors_origin + ")$", RE2::Quiet)) {}
  std::unique_ptr<RE2> cors;
};

std::shared_ptr<const FrontDoor::Compiled> FrontDoor::Compile(FrontDoorConfig config) {
  return std::make_shared<const Compiled>(std::move(config));
}

FrontDoor::FrontDoor(FrontDoorConfig config, const Router* api, const Router* vendor,
                     std::function<Tenant*(const std::string& id)> tenant_for)
    : config_(Compile(std::move(config))), api_(api), vendor_(vendor), tenant_for_(std::move(tenant_for)) {}

FrontDoor::~FrontDoor() = default;

void FrontDoor::Reconfigure(FrontDoorConfig config) {
  auto next = Compile(std::move(config));
  std::lock_guard lock(config_mu);
  config_ = std::move(next);
}

const TenantCredentials* FrontDoor::Authenticate(const Request& req) const {
  std::shared_ptr<const Compiled> cfg;
  {
    std::lock_guard lock(config_mu);
    cfg = config_;
  }
  const std::string app_key = req.Header("X-TC-APP-KEY");
  const std::string authz = req.Header("Authorization");
  std::string bearer, user, password;
  if (StartsWith(authz, "Bearer ")) bearer = authz.substr(7);
  if (StartsWith(authz, "Basic ")) {
    const std::string decoded = Base64Decode(authz.substr(6));
    const size_t colon = decoded.find(':');
    if (colon != std::string::npos) {
      user = decoded.substr(0, colon);
      password = decoded.substr(colon + 1);
    }
  }
  // Check every credential of every tenant, so the time taken does not reveal which matched.
  const TenantCredentials* found = nullptr;
  for (const TenantCredentials& t : cfg->tenants) {
    for (const auto& k : t.app_keys) {
      if (!app_key.empty() && SecretEquals(app_key, k) && found == nullptr) found = &t;
    }
    for (const auto& k : t.bearer_tokens) {
      if (!bearer.empty() && SecretEquals(bearer, k) && found == nullptr) found = &t;
    }
    for (const auto& [u, p] : t.basic_auth) {
      const bool ok = SecretEquals(user, u) & SecretEquals(password, p);
      if (!user.empty() && ok && found == nullptr) found = &t;
    }
  }
  return found;
}

Response FrontDoor::Handle(Request& req) const {
  std::shared_ptr<const Compiled> cfg;
  {
    std::lock_guard lock(config_mu);
    cfg = config_;
  }
  const bool vendor_path = StartsWith(req.path, "/v1.0/");
  if (!cfg->route_prefix.empty() && !vendor_path) {
    if (!StartsWith(req.path, cfg->route_prefix)) return Response::Text(404, "404 page not found\n");
    req.path = req.path.substr(cfg->route_prefix.size());
    if (req.path.empty()) req.path = "/";
  }
  const bool api_path = StartsWith(req.path, "/api/v1/");
  Response resp;
  if (req.method == "OPTIONS" && api_path) {
    resp.status = 204;  // CORS preflight
  } else {
    const bool health = req.path == "/-/healthy" || req.path == "/-/ready";
    if (!cfg->tenants.empty() && !health) {
      const TenantCredentials* creds = Authenticate(req);
      if (creds == nullptr) {
        const bool given = !req.Header("X-TC-APP-KEY").empty() || !req.Header("Authorization").empty();
        return Unauthorized(given ? "invalid credentials" : "missing credentials");
      }
      req.tenant = tenant_for_(creds->id);
    } else {
      req.tenant = tenant_for_("default");
    }
    if (req.tenant == nullptr) return Response::Text(500, "tenant storage unavailable\n");
    if (req.path == "/api/v1/prom/write") req.path = "/api/v1/write";  // Tencent Cloud's alias
    resp = vendor_path ? vendor_->Dispatch(req) : api_->Dispatch(req);
  }
  // CORS headers and compression come from the API's handler wrappers: the router's own 404
  // and 405 carry neither.
  const bool preflight = req.method == "OPTIONS" && api_path;
  if (preflight || CompressedRoute(req.route)) CompressForClient(req, &resp);
  if (api_path && (preflight || !req.route.empty())) {
    resp.headers.emplace_back("Vary", "Origin");
    if (!req.Header("Origin").empty()) {
      resp.headers.emplace_back("Access-Control-Allow-Headers",
                                "Accept, Authorization, Content-Type, Origin");
      resp.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      resp.headers.emplace_back("Access-Control-Expose-Headers", "Date");
      // Prometheus 3.x names the origin when it matches --web.cors.origin (the default `.*`
      // included: since its regexes compile with (?s), its "*" shortcut no longer applies).
      const std::string origin = req.Header("Origin");
      if (cfg->cors->ok() && RE2::FullMatch(origin, *cfg->cors)) {
        resp.headers.emplace_back("Access-Control-Allow-Origin", origin);
      }
    }
  }
  return resp;
}

}  // namespace promref::api
