#include "profiles/profile.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "model/text_encoding.h"
#include "model/time.h"

namespace promconform {
namespace fs = std::filesystem;
using promref::BadData;
using promref::Result;

namespace {

// ${VAR} expansion; an unset variable is an error (a silently empty token would turn every
// front-door case into a confusing failure).
Result<std::string> Expand(const std::string& s, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      const size_t end = s.find('}', i + 2);
      if (end == std::string::npos) return BadData(where + ": unterminated ${ in \"" + s + "\"");
      const std::string var = s.substr(i + 2, end - i - 2);
      const char* v = std::getenv(var.c_str());
      if (v == nullptr) return BadData(where + ": environment variable " + var + " is not set");
      out += v;
      i = end;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<std::string> ReadFileTrimmed(const std::string& path, const std::string& where) {
  std::ifstream in(path);
  if (!in) return BadData(where + ": cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  promref::Status CheckKeys(const YAML::Node& node, const std::set<std::string>& allowed,
                            const std::string& where) {
    if (!node.IsMap()) return BadData(source_ + ": " + where + " must be a mapping");
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (!allowed.count(key)) return BadData(source_ + ": unknown key \"" + key + "\" in " + where);
    }
    return {};
  }

  Result<std::string> Str(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) return BadData(source_ + ": " + key + " must be a string");
    return Expand(node.as<std::string>(), source_ + ": " + key);
  }

  Result<Headers> HeaderMap(const YAML::Node& node, const std::string& key) {
    if (!node.IsMap()) return BadData(source_ + ": " + key + " must be a mapping of header names to values");
    Headers out;
    for (const auto& kv : node) {
      auto v = Str(kv.second, key + "." + kv.first.as<std::string>());
      if (!v.ok()) return v.error();
      out.emplace_back(kv.first.as<std::string>(), *v);
    }
    return out;
  }

  Result<std::vector<std::string>> StrList(const YAML::Node& node, const std::string& key) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
      return out;
    }
    if (!node.IsSequence()) return BadData(source_ + ": " + key + " must be a list");
    for (const auto& n : node) out.push_back(n.as<std::string>());
    return out;
  }

  Result<int64_t> DurationMs(const YAML::Node& node, const std::string& key) {
    auto s = Str(node, key);
    if (!s.ok()) return s.error();
    auto ns = promref::model::ParseDurationParam(*s);
    if (!ns.ok()) return BadData(source_ + ": " + key + ": " + ns.error().message());
    return *ns / 1000000;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

Result<QueryTweak> ParseTweak(Reader& r, const YAML::Node& n) {
  auto ok = r.CheckKeys(n,
                        {"note", "no_bug", "applies_to", "drop_result_labels", "align_timestamps_to_step",
                         "truncate_timestamps_to_ms", "offset_timestamps_by_ms", "ignore_first_step",
                         "ignore_case", "ignore_annotations", "value_tolerance"},
                        "query_tweaks[]");
  if (!ok.ok()) return ok.error();
  QueryTweak t;
  try {
    if (n["note"]) t.note = n["note"].as<std::string>();
    if (n["no_bug"]) t.no_bug = n["no_bug"].as<bool>();
    if (n["applies_to"]) {
      auto l = r.StrList(n["applies_to"], "applies_to");
      if (!l.ok()) return l.error();
      t.applies_to = *l;
    }
    if (n["drop_result_labels"]) {
      auto l = r.StrList(n["drop_result_labels"], "drop_result_labels");
      if (!l.ok()) return l.error();
      t.drop_result_labels = *l;
    }
    if (n["align_timestamps_to_step"]) t.align_timestamps_to_step = n["align_timestamps_to_step"].as<bool>();
    if (n["truncate_timestamps_to_ms"])
      t.truncate_timestamps_to_ms = n["truncate_timestamps_to_ms"].as<int64_t>();
    if (n["offset_timestamps_by_ms"]) t.offset_timestamps_by_ms = n["offset_timestamps_by_ms"].as<int64_t>();
    if (n["ignore_first_step"]) t.ignore_first_step = n["ignore_first_step"].as<bool>();
    if (n["ignore_case"]) t.ignore_case = n["ignore_case"].as<bool>();
    if (n["ignore_annotations"]) t.ignore_annotations = n["ignore_annotations"].as<bool>();
    if (n["value_tolerance"]) {
      const YAML::Node& v = n["value_tolerance"];
      auto vk = r.CheckKeys(v, {"fraction", "margin"}, "value_tolerance");
      if (!vk.ok()) return vk.error();
      ValueTolerance tol;
      if (v["fraction"]) tol.fraction = v["fraction"].as<double>();
      if (v["margin"]) tol.margin = v["margin"].as<double>();
      t.value_tolerance = tol;
    }
  } catch (const YAML::Exception& e) {
    return BadData(r.source() + ": query_tweaks: " + e.what());
  }
  return t;
}

}  // namespace

Headers TargetProfile::RequestHeaders() const {
  Headers h = headers;
  if (!bearer_token.empty()) {
    h.emplace_back("Authorization", "Bearer " + bearer_token);
  } else if (basic_auth) {
    h.emplace_back("Authorization", "Basic " + promref::model::Base64Encode(basic_auth->username + ":" +
                                                                            basic_auth->password));
  }
  return h;
}

std::optional<std::string> TargetProfile::UnsupportedReason(const std::string& case_id,
                                                            const std::string& category) const {
  for (const auto& u : unsupported) {
    if (GlobMatch(u.cases, case_id) || GlobMatch(u.cases, category))
      return u.reason.empty() ? "listed as unsupported in the profile" : u.reason;
  }
  return std::nullopt;
}

std::vector<const QueryTweak*> TargetProfile::TweaksFor(const std::string& case_id,
                                                        const std::string& category) const {
  std::vector<const QueryTweak*> out;
  for (const auto& t : query_tweaks) {
    bool applies = t.applies_to.empty();
    for (const auto& g : t.applies_to) applies = applies || GlobMatch(g, case_id) || GlobMatch(g, category);
    if (applies) out.push_back(&t);
  }
  return out;
}

bool GlobMatch(std::string_view p, std::string_view s) {
  // Iterative wildcard matching with backtracking to the last '*'.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Result<TargetProfile> ParseProfile(const std::string& yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return BadData(source + ": " + e.what());
  }
  Reader r(source);
  auto keys = r.CheckKeys(root, {"name",         "description",
                                 "base_url",     "launch",
                                 "launch_args",  "path_prefix",
                                 "headers",      "auth_headers",
                                 "bearer_token", "bearer_token_file",
                                 "basic_auth",   "tls",
                                 "timeout",      "concurrency",
                                 "remote_write", "dataset_base",
                                 "query_margin", "claims",
                                 "vendor",       "query_tweaks",
                                 "unsupported",  "unsupported_answers"},
                          "the profile");
  if (!keys.ok()) return keys.error();
  TargetProfile p;
  p.source = source;
  try {
    if (!root["name"]) return BadData(source + ": a profile needs a name");
    p.name = root["name"].as<std::string>();
    if (root["description"]) p.description = root["description"].as<std::string>();
    if (root["base_url"]) {
      auto v = r.Str(root["base_url"], "base_url");
      if (!v.ok()) return v.error();
      p.base_url = *v;
      while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
    }
    if (root["launch"]) {
      p.launch = root["launch"].as<std::string>();
      static const std::set<std::string> kLaunches = {"embedded", "prometheus", "victoria-metrics",
                                                      "pinned-prometheus", "pinned-victoria-metrics"};
      if (kLaunches.count(p.launch) == 0) {
        return BadData(source +
                       ": launch must be embedded, prometheus, victoria-metrics (Debian's packages), " +
                       "pinned-prometheus or pinned-victoria-metrics (built by peers/build)");
      }
    }
    if (root["launch_args"]) {
      auto l = r.StrList(root["launch_args"], "launch_args");
      if (!l.ok()) return l.error();
      p.launch_args = *l;
    }
    if (root["path_prefix"]) {
      p.path_prefix = root["path_prefix"].as<std::string>();
      while (!p.path_prefix.empty() && p.path_prefix.back() == '/') p.path_prefix.pop_back();
      if (!p.path_prefix.empty() && p.path_prefix[0] != '/') p.path_prefix = "/" + p.path_prefix;
    }
    if (root["headers"]) {
      auto h = r.HeaderMap(root["headers"], "headers");
      if (!h.ok()) return h.error();
      p.headers = *h;
    }
    if (root["auth_headers"]) {
      auto l = r.StrList(root["auth_headers"], "auth_headers");
      if (!l.ok()) return l.error();
      p.auth_headers = *l;
    }
    if (root["bearer_token"]) {
      auto v = r.Str(root["bearer_token"], "bearer_token");
      if (!v.ok()) return v.error();
      p.bearer_token = *v;
    }
    if (root["bearer_token_file"]) {
      auto path = r.Str(root["bearer_token_file"], "bearer_token_file");
      if (!path.ok()) return path.error();
      auto v = ReadFileTrimmed(*path, source);
      if (!v.ok()) return v.error();
      p.bearer_token = *v;
    }
    if (root["basic_auth"]) {
      const YAML::Node& b = root["basic_auth"];
      auto bk = r.CheckKeys(b, {"username", "password", "password_file"}, "basic_auth");
      if (!bk.ok()) return bk.error();
      BasicAuth ba;
      if (b["username"]) {
        auto v = r.Str(b["username"], "basic_auth.username");
        if (!v.ok()) return v.error();
        ba.username = *v;
      }
      if (b["password"]) {
        auto v = r.Str(b["password"], "basic_auth.password");
        if (!v.ok()) return v.error();
        ba.password = *v;
      }
      if (b["password_file"]) {
        auto path = r.Str(b["password_file"], "basic_auth.password_file");
        if (!path.ok()) return path.error();
        auto v = ReadFileTrimmed(*path, source);
        if (!v.ok()) return v.error();
        ba.password = *v;
      }
      p.basic_auth = ba;
    }
    if (root["tls"]) {
      const YAML::Node& t = root["tls"];
      auto tk = r.CheckKeys(t, {"insecure_skip_verify", "ca_file", "cert_file", "key_file"}, "tls");
      if (!tk.ok()) return tk.error();
      if (t["insecure_skip_verify"]) p.tls.insecure_skip_verify = t["insecure_skip_verify"].as<bool>();
      if (t["ca_file"]) p.tls.ca_file = t["ca_file"].as<std::string>();
      if (t["cert_file"]) p.tls.cert_file = t["cert_file"].as<std::string>();
      if (t["key_file"]) p.tls.key_file = t["key_file"].as<std::string>();
    }
    if (root["timeout"]) {
      auto ms = r.DurationMs(root["timeout"], "timeout");
      if (!ms.ok()) return ms.error();
      p.timeout_ms = *ms;
    }
    if (root["query_margin"]) {
      auto ms = r.DurationMs(root["query_margin"], "query_margin");
      if (!ms.ok()) return ms.error();
      p.query_margin_ms = *ms;
    }
    if (root["concurrency"]) {
      p.concurrency = root["concurrency"].as<int>();
      if (p.concurrency < 1) return BadData(source + ": concurrency must be at least 1");
    }
    // Remote write defaults to Prometheus' receiver path; "none" says the data is already there.
    p.remote_write = RemoteWriteTarget{"/api/v1/write", "1.0", {}};
    if (root["remote_write"]) {
      const YAML::Node& rw = root["remote_write"];
      if (rw.IsScalar() && (rw.as<std::string>() == "none" || rw.as<std::string>() == "false")) {
        p.remote_write.reset();
      } else if (rw.IsNull()) {
        p.remote_write.reset();
      } else {
        auto rk = r.CheckKeys(rw, {"url", "protocol", "headers"}, "remote_write");
        if (!rk.ok()) return rk.error();
        if (rw["url"]) {
          auto v = r.Str(rw["url"], "remote_write.url");
          if (!v.ok()) return v.error();
          p.remote_write->url = *v;
        }
        if (rw["protocol"]) {
          p.remote_write->protocol = rw["protocol"].as<std::string>();
          if (p.remote_write->protocol != "1.0" && p.remote_write->protocol != "2.0") {
            return BadData(source + ": remote_write.protocol must be \"1.0\" or \"2.0\"");
          }
        }
        if (rw["headers"]) {
          auto h = r.HeaderMap(rw["headers"], "remote_write.headers");
          if (!h.ok()) return h.error();
          p.remote_write->headers = *h;
        }
      }
    }
    if (root["dataset_base"]) {
      auto s = r.Str(root["dataset_base"], "dataset_base");
      if (!s.ok()) return s.error();
      auto t = promref::model::ParseTimestamp(*s);
      if (!t.ok()) return BadData(source + ": dataset_base: " + t.error().message());
      p.dataset_base_ms = t->Millis();
    }
    if (root["claims"]) p.claims = root["claims"].as<std::string>();
    if (root["vendor"]) p.vendor = root["vendor"].as<std::string>();
    if (root["query_tweaks"]) {
      if (!root["query_tweaks"].IsSequence()) return BadData(source + ": query_tweaks must be a list");
      for (const auto& n : root["query_tweaks"]) {
        auto t = ParseTweak(r, n);
        if (!t.ok()) return t.error();
        p.query_tweaks.push_back(*t);
      }
    }
    if (root["unsupported"]) {
      if (!root["unsupported"].IsSequence()) return BadData(source + ": unsupported must be a list");
      for (const auto& n : root["unsupported"]) {
        auto uk = r.CheckKeys(n, {"cases", "reason"}, "unsupported[]");
        if (!uk.ok()) return uk.error();
        if (!n["cases"]) return BadData(source + ": unsupported[] needs a cases glob");
        p.unsupported.push_back(
            {n["cases"].as<std::string>(), n["reason"] ? n["reason"].as<std::string>() : ""});
      }
    }
    if (root["unsupported_answers"]) {
      auto l = r.StrList(root["unsupported_answers"], "unsupported_answers");
      if (!l.ok()) return l.error();
      p.unsupported_answers = *l;
    }
  } catch (const YAML::Exception& e) {
    return BadData(source + ": " + e.what());
  }
  if (p.base_url.empty() && p.launch.empty()) {
    return BadData(source + ": a profile needs base_url or launch");
  }
  if (!p.remote_write && !p.dataset_base_ms) {
    // Allowed: `run --base` may supply it. Nothing to check here.
  }
  return p;
}

std::string ProfilesDir() {
  const char* env = std::getenv("PROMCONFORM_SOURCE_DIR");
  const std::string root = env != nullptr ? env : PROMCONFORM_SOURCE_DIR;
  return root + "/conformance/profiles";
}

Result<TargetProfile> LoadProfile(const std::string& path_or_name) {
  std::string path = path_or_name;
  if (!fs::exists(path)) {
    const std::string by_name = ProfilesDir() + "/" + path_or_name + ".yaml";
    if (fs::exists(by_name)) path = by_name;
  }
  std::ifstream in(path);
  if (!in) {
    return BadData("no profile \"" + path_or_name + "\" (not a file, and not a name in " + ProfilesDir() +
                   ")");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseProfile(ss.str(), path);
}

TargetProfile ProfileForUrl(const std::string& url) {
  TargetProfile p;
  p.name = url;
  p.source = "--url";
  p.base_url = url;
  while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
  p.remote_write = RemoteWriteTarget{"/api/v1/write", "1.0", {}};
  return p;
}

}  // namespace promconform
