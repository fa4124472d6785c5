#include "commands/target_options.h"

#include <strings.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace promconform {
namespace {

std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string v = ss.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
  return v;
}

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace

bool ParseTargetOption(const std::vector<std::string>& args, size_t& i, TargetOptions& o,
                       std::string* error) {
  const std::string& a = args[i];
  auto value = [&]() -> std::string {
    if (i + 1 >= args.size()) {
      *error = a + " needs a value";
      return "";
    }
    return args[++i];
  };
  if (a == "--path-prefix") {
    o.path_prefix = value();
  } else if (a == "--bearer-token") {
    o.bearer_token = value();
  } else if (a == "--bearer-token-file") {
    auto v = ReadSecretFile(value());
    if (!v) {
      *error = a + ": cannot read the file";
    } else {
      o.bearer_token = *v;
    }
  } else if (a == "--basic-auth") {
    o.basic_auth = value();
    if (o.basic_auth->find(':') == std::string::npos) *error = "--basic-auth needs USER:PASSWORD";
  } else if (a == "--basic-auth-user") {
    o.basic_auth_user = value();
  } else if (a == "--basic-auth-password-file") {
    auto v = ReadSecretFile(value());
    if (!v) {
      *error = a + ": cannot read the file";
    } else {
      o.basic_auth = ":" + *v;
    }
  } else if (a == "--app-key") {
    o.app_key = value();
  } else if (a == "--header" || a == "--auth-header") {
    const std::string h = value();
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      *error = a + " needs 'Name: value'";
    } else {
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(v.begin());
      (a == "--header" ? o.headers : o.auth_headers).emplace_back(h.substr(0, colon), v);
    }
  } else if (a == "--remote-write") {
    o.remote_write = value();
  } else if (a == "--insecure-skip-verify") {
    o.insecure_skip_verify = true;
  } else if (a == "--timeout") {
    o.timeout_ms = static_cast<int64_t>(std::strtod(value().c_str(), nullptr) * 1000);
  } else if (a == "--claims") {
    o.claims = value();
  } else if (a == "--query-margin") {
    char* end = nullptr;
    const std::string v = value();
    const double secs = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || secs < 0) {
      *error = "--query-margin: expected seconds, got " + v;
    } else {
      o.query_margin_ms = static_cast<int64_t>(secs * 1000);
    }
  } else {
    return false;
  }
  return true;
}

void FinishTargetOptions(TargetOptions& o) {
  if (o.basic_auth && !o.basic_auth_user.empty() && o.basic_auth->front() == ':') {
    o.basic_auth = o.basic_auth_user + *o.basic_auth;
  }
  if (!o.bearer_token) o.bearer_token = Env("PROMCONFORM_BEARER_TOKEN");
  if (!o.basic_auth) o.basic_auth = Env("PROMCONFORM_BASIC_AUTH");
  if (!o.app_key) o.app_key = Env("PROMCONFORM_APP_KEY");
}

void ApplyTargetOptions(const TargetOptions& o, TargetProfile& p) {
  if (o.query_margin_ms) p.query_margin_ms = *o.query_margin_ms;
  if (o.path_prefix) {
    p.path_prefix = *o.path_prefix;
    while (!p.path_prefix.empty() && p.path_prefix.back() == '/') p.path_prefix.pop_back();
    if (!p.path_prefix.empty() && p.path_prefix.front() != '/') p.path_prefix.insert(0, "/");
  }
  if (o.bearer_token) p.bearer_token = *o.bearer_token;
  if (o.basic_auth) {
    const size_t colon = o.basic_auth->find(':');
    p.basic_auth = BasicAuth{o.basic_auth->substr(0, colon),
                             colon == std::string::npos ? "" : o.basic_auth->substr(colon + 1)};
  }
  auto add_auth = [&](const std::string& name, const std::string& value) {
    std::erase_if(p.headers, [&](const auto& h) { return strcasecmp(h.first.c_str(), name.c_str()) == 0; });
    p.headers.emplace_back(name, value);
    bool listed = false;
    for (const auto& a : p.auth_headers) listed = listed || strcasecmp(a.c_str(), name.c_str()) == 0;
    if (!listed) p.auth_headers.push_back(name);
  };
  if (o.app_key) add_auth("X-TC-APP-KEY", *o.app_key);
  for (const auto& [name, value] : o.auth_headers) add_auth(name, value);
  for (const auto& h : o.headers) p.headers.push_back(h);
  if (o.remote_write) {
    if (*o.remote_write == "none") {
      p.remote_write.reset();
    } else {
      RemoteWriteTarget rw = p.remote_write.value_or(RemoteWriteTarget{});
      rw.url = *o.remote_write;
      p.remote_write = rw;
    }
  }
  if (o.insecure_skip_verify) p.tls.insecure_skip_verify = true;
  if (o.timeout_ms > 0) p.timeout_ms = o.timeout_ms;
  if (!o.claims.empty()) p.claims = o.claims;
}

promref::Result<TargetProfile> ResolveProfile(const std::string& spec) {
  if (spec == "embedded") return LoadProfile("promref");
  if (spec.rfind("http://", 0) == 0 || spec.rfind("https://", 0) == 0) return ProfileForUrl(spec);
  return LoadProfile(spec);
}

std::vector<std::string> SplitList(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace promconform
