// A target: an endpoint under test (or a reference), reached as its profile says.
//
// Opening a target either connects to its base URL or launches it (a local Prometheus 2.42 or
// VictoriaMetrics on a free loopback port, or an embedded promref), and keeps the launched
// process alive for as long as the Target lives.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "client/http_client.h"
#include "model/error.h"
#include "peers/local_peer.h"
#include "profiles/profile.h"
#include "target/embedded.h"

namespace promconform {

// How a request authenticates: with the profile's credentials, or deliberately without them or
// with wrong ones (front-door cases).
enum class AuthMode { kProfile, kNone, kWrongToken, kWrongBasic, kWrongHeader };

class Target {
 public:
  static promref::Result<std::unique_ptr<Target>> Open(const TargetProfile& profile);
  ~Target();
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  const TargetProfile& profile() const { return profile_; }
  const std::string& base_url() const { return base_url_; }
  bool launched() const { return peer_ != nullptr || embedded_ != nullptr; }

  // base URL + path prefix + path (path starts with '/').
  std::string Url(std::string_view path) const;
  // Where remote writes go; empty when the profile says the data is already there.
  std::string RemoteWriteUrl() const;
  // The version the target reports in /api/v1/status/buildinfo ("" when it does not say), or
  // VictoriaMetrics' own version where its buildinfo only names the Prometheus it emulates.
  std::string Version() const;

  HttpClientOptions ClientOptions() const;
  // Sends `request` (its URL already absolute) with the profile's headers, or with the
  // credentials `auth` asks for. Never throws; transport failures are in the response.
  HttpResponse Send(HttpClient& client, HttpRequest request, AuthMode auth = AuthMode::kProfile) const;

 private:
  explicit Target(TargetProfile profile) : profile_(std::move(profile)) {}
  std::string VictoriaMetricsVersion(HttpClient& client) const;
  TargetProfile profile_;
  std::string base_url_;
  std::unique_ptr<LocalPeer> peer_;
  std::unique_ptr<EmbeddedServer> embedded_;
  mutable std::mutex mu_;
  mutable std::string version_;
  mutable bool version_known_ = false;
};

}  // namespace promconform
