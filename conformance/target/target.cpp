#include "target/target.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "peers/local_peer.h"
#include "target/embedded.h"

namespace promconform {
namespace fs = std::filesystem;

namespace {

EmbeddedServerFactory& Factory() {
  static EmbeddedServerFactory f;
  return f;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Owns the temporary directory of an embedded server.
class EmbeddedHolder : public EmbeddedServer {
 public:
  EmbeddedHolder(std::unique_ptr<EmbeddedServer> inner, std::string dir)
      : inner_(std::move(inner)), dir_(std::move(dir)) {}
  ~EmbeddedHolder() override {
    inner_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string base_url() const override { return inner_->base_url(); }
  std::string version() const override { return inner_->version(); }

 private:
  std::unique_ptr<EmbeddedServer> inner_;
  std::string dir_;
};

}  // namespace

bool RegisterEmbeddedServerFactory(EmbeddedServerFactory factory) {
  Factory() = std::move(factory);
  return true;
}

promref::Result<std::unique_ptr<EmbeddedServer>> StartEmbeddedServer(const EmbeddedOptions& options) {
  if (!Factory()) return StartEmbeddedPromref(options);
  return Factory()(options);
}

Target::~Target() = default;

namespace {

// The peer a profile's `launch` names: Debian's packages (prometheus, victoria-metrics) or the
// builds of the pinned Go modules (pinned-prometheus, pinned-victoria-metrics).
promref::Result<PeerSpec> LaunchSpec(const TargetProfile& profile) {
  const std::string& l = profile.launch;
  if (l == "prometheus") return PrometheusPeer(profile.launch_args);
  if (l == "victoria-metrics") return VictoriaMetricsPeer(profile.launch_args);
  if (l == "pinned-prometheus") return PinnedPrometheusPeer(profile.launch_args);
  if (l == "pinned-victoria-metrics") return PinnedVictoriaMetricsPeer(profile.launch_args);
  return promref::BadData(
      "profile " + profile.name + ": unknown launch '" + l +
      "' (embedded, prometheus, victoria-metrics, pinned-prometheus, pinned-victoria-metrics)");
}

}  // namespace

promref::Result<std::unique_ptr<Target>> Target::Open(const TargetProfile& profile) {
  std::unique_ptr<Target> t(new Target(profile));
  if (!profile.launch.empty() && profile.base_url.empty()) {
    if (profile.launch == "embedded") {
      std::string tmpl = (fs::temp_directory_path() / "promconform-embedded-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) return promref::BadData("cannot create a temporary directory");
      auto server = StartEmbeddedServer({tmpl, profile.launch_args});
      if (!server.ok()) {
        std::error_code ec;
        fs::remove_all(tmpl, ec);
        return server.error();
      }
      t->embedded_ = std::make_unique<EmbeddedHolder>(std::move(*server), tmpl);
      t->base_url_ = t->embedded_->base_url();
    } else {
      auto spec = LaunchSpec(profile);
      if (!spec.ok()) return spec.error();
      auto peer = LocalPeer::Start(*spec);
      if (!peer.ok()) return peer.error();
      t->peer_ = std::move(*peer);
      t->base_url_ = t->peer_->base_url();
    }
  } else {
    t->base_url_ = profile.base_url;
  }
  return t;
}

std::string Target::Url(std::string_view path) const {
  return base_url_ + profile_.path_prefix + std::string(path);
}

std::string Target::RemoteWriteUrl() const {
  if (!profile_.remote_write) return "";
  const std::string& u = profile_.remote_write->url;
  if (u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0) return u;
  return Url(u);
}

HttpClientOptions Target::ClientOptions() const {
  HttpClientOptions o;
  o.timeout_ms = profile_.timeout_ms;
  o.verify_tls = !profile_.tls.insecure_skip_verify;
  o.ca_file = profile_.tls.ca_file;
  o.client_cert_file = profile_.tls.cert_file;
  o.client_key_file = profile_.tls.key_file;
  return o;
}

HttpResponse Target::Send(HttpClient& client, HttpRequest request, AuthMode auth) const {
  Headers h;
  if (auth == AuthMode::kProfile) {
    h = profile_.RequestHeaders();
  } else {
    // Keep the non-credential headers; drop or spoil the credentials.
    for (const auto& [name, value] : profile_.headers) {
      bool is_auth = false;
      for (const auto& a : profile_.auth_headers) is_auth = is_auth || IEquals(a, name);
      if (!is_auth) {
        h.emplace_back(name, value);
      } else if (auth == AuthMode::kWrongHeader) {
        h.emplace_back(name, "promconform-invalid-credential");
      }
    }
    if (auth == AuthMode::kWrongToken) h.emplace_back("Authorization", "Bearer promconform-invalid-token");
    if (auth == AuthMode::kWrongBasic) {
      TargetProfile p;
      p.basic_auth = BasicAuth{profile_.basic_auth ? profile_.basic_auth->username : "promconform",
                               "promconform-invalid-password"};
      for (auto& kv : p.RequestHeaders()) h.push_back(kv);
    }
  }
  for (auto& kv : request.headers) h.push_back(std::move(kv));
  request.headers = std::move(h);
  return client.Do(request);
}

std::string Target::Version() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (version_known_) return version_;
  version_known_ = true;
  if (embedded_) {
    version_ = embedded_->version();
    if (!version_.empty()) return version_;
  }
  HttpClient client(ClientOptions());
  HttpRequest req{"GET", Url("/api/v1/status/buildinfo"), {}, ""};
  HttpResponse r = Send(client, req);
  bool revision = false;
  if (r.status == 200) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("data") && j["data"].is_object() && j["data"].contains("version") &&
        j["data"]["version"].is_string()) {
      version_ = j["data"]["version"].get<std::string>();
      revision = j["data"].contains("revision");
    }
  }
  // VictoriaMetrics answers buildinfo with a Prometheus version it emulates and no revision; its
  // own version is in /metrics (vm_app_version{version="victoria-metrics-..."}).
  if (!revision) {
    if (std::string own = VictoriaMetricsVersion(client); !own.empty()) version_ = own;
  }
  return version_;
}

std::string Target::VictoriaMetricsVersion(HttpClient& client) const {
  HttpResponse m = Send(client, {"GET", Url("/metrics"), {}, ""});
  if (m.status != 200) return "";
  const std::string key = "vm_app_version{version=\"";
  const size_t at = m.body.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  const size_t end = m.body.find('"', start);
  return end == std::string::npos ? "" : m.body.substr(start, end - start);
}

}  // namespace promconform
