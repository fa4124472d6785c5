// The front door: everything between the socket and the API handlers. It strips the route
// prefix (NHN Cloud's `/prometheus`), authenticates (X-TC-APP-KEY app keys, bearer tokens,
// basic auth with user = app id), resolves the tenant, adds CORS headers, answers preflights,
// and maps vendor aliases (Tencent's /api/v1/prom/write) onto the API.
//
// Without configured tenants, every request goes to the single default tenant and no
// credentials are asked for, as with plain Prometheus.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/tenant.h"

namespace promref::api {

struct TenantCredentials {
  std::string id;                     // project / instance id; also the tenant's data directory
  std::vector<std::string> app_keys;  // X-TC-APP-KEY
  std::vector<std::string> bearer_tokens;
  // Basic auth: username = app id, password = token.
  std::vector<std::pair<std::string, std::string>> basic_auth;
};

struct FrontDoorConfig {
  std::string route_prefix;  // "" or "/prometheus"
  std::vector<TenantCredentials> tenants;
  // --web.cors.origin: a request's Origin is named in Access-Control-Allow-Origin when it
  // matches (fully anchored, `.` matching newlines, as Prometheus compiles it).
  std::string cors_origin = ".*";
};

class FrontDoor {
 public:
  // `tenant_for` returns the tenant with an id (creating its storage on first use); the
  // default tenant has id "default".
  FrontDoor(FrontDoorConfig config, const Router* api, const Router* vendor,
            std::function<Tenant*(const std::string& id)> tenant_for);
  ~FrontDoor();

  Response Handle(Request& req) const;

  // Replaces the configuration (reload).
  void Reconfigure(FrontDoorConfig config);

 private:
  // The tenant the request's credentials name, nullptr when none match.
  const TenantCredentials* Authenticate(const Request& req) const;

  // The configuration with its compiled CORS origin, swapped whole on reload.
  struct Compiled;
  static std::shared_ptr<const Compiled> Compile(FrontDoorConfig config);

  std::shared_ptr<const Compiled> config_;
  const Router* api_;
  const Router* vendor_;
  std::function<Tenant*(const std::string& id)> tenant_for_;
};

// Constant-time equality for secrets: the time taken does not depend on where they differ.
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace promref::api
