#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "model/time.h"

namespace promref::config {
namespace {

struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(std::string message) {
  throw ConfigError{std::move(message)};
}

// Rejects fields that the section does not know, naming the first one like Go's yaml.v2 does.
void CheckKeys(const YAML::Node& n, const std::set<std::string>& known, const std::string& type) {
  if (!n.IsMap()) Fail("cannot unmarshal !!" + std::string(n.IsSequence() ? "seq" : "str") + " into " + type);
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (!known.count(key)) {
      Fail("field " + key + " not found in type " + type);
    }
  }
}

int64_t DurationMs(const YAML::Node& n, const std::string& field) {
  const std::string s = n.as<std::string>();
  auto d = model::ParseDuration(s);
  if (!d.ok()) Fail("not a valid duration string: \"" + s + "\" (" + field + ")");
  return *d;
}

model::Labels LabelMap(const YAML::Node& n) {
  model::LabelsBuilder b;
  if (!n) return b.Build();
  if (!n.IsMap()) Fail("labels must be a map");
  for (const auto& kv : n) {
    const std::string name = kv.first.as<std::string>();
    if (!model::IsValidLabelName(name)) Fail("\"" + name + "\" is not a valid label name");
    b.Set(name, kv.second.as<std::string>());
  }
  return b.Build();
}

std::vector<std::string> StringList(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) Fail("expected a list");
  for (const auto& v : n) out.push_back(v.as<std::string>());
  return out;
}

Config Parse(const YAML::Node& root) {
  Config c;
  if (!root || root.IsNull()) return c;
  CheckKeys(root,
            {"global", "scrape_configs", "rule_files", "remote_write", "remote_read", "alerting", "promref",
             "scrape_config_files", "storage", "tracing", "otlp", "runtime"},
            "config.plain");
  if (const auto g = root["global"]) {
    CheckKeys(g,
              {"scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels",
               "query_log_file", "scrape_protocols", "body_size_limit", "sample_limit", "label_limit"},
              "config.GlobalConfig");
    if (g["scrape_interval"])
      c.global.scrape_interval_ms = DurationMs(g["scrape_interval"], "scrape_interval");
    if (g["scrape_timeout"]) c.global.scrape_timeout_ms = DurationMs(g["scrape_timeout"], "scrape_timeout");
    if (g["evaluation_interval"]) {
      c.global.evaluation_interval_ms = DurationMs(g["evaluation_interval"], "evaluation_interval");
    }
    c.global.external_labels = LabelMap(g["external_labels"]);
    if (c.global.scrape_timeout_ms > c.global.scrape_interval_ms) {
      // Prometheus lowers a default timeout to the interval, but rejects an explicit larger one.
      if (g["scrape_timeout"]) {
        Fail("global scrape timeout greater than scrape interval");
      }
      c.global.scrape_timeout_ms = c.global.scrape_interval_ms;
    }
  }
  std::set<std::string> jobs;
  if (const auto scs = root["scrape_configs"]) {
    for (const auto& sc : scs) {
      CheckKeys(sc,
                {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "honor_labels",
                 "honor_timestamps", "static_configs", "params", "relabel_configs", "metric_relabel_configs",
                 "basic_auth", "authorization", "tls_config", "sample_limit", "file_sd_configs"},
                "config.ScrapeConfig");
      ScrapeConfig s;
      if (!sc["job_name"] || sc["job_name"].as<std::string>().empty()) Fail("job_name is empty");
      s.job_name = sc["job_name"].as<std::string>();
      if (!jobs.insert(s.job_name).second)
        Fail("found multiple scrape configs with job name \"" + s.job_name + "\"");
      s.scrape_interval_ms = sc["scrape_interval"] ? DurationMs(sc["scrape_interval"], "scrape_interval")
                                                   : c.global.scrape_interval_ms;
      s.scrape_timeout_ms = sc["scrape_timeout"] ? DurationMs(sc["scrape_timeout"], "scrape_timeout")
                                                 : std::min(c.global.scrape_timeout_ms, s.scrape_interval_ms);
      if (s.scrape_timeout_ms > s.scrape_interval_ms) {
        Fail("scrape timeout greater than scrape interval for scrape config with job name \"" + s.job_name +
             "\"");
      }
      if (sc["metrics_path"]) s.metrics_path = sc["metrics_path"].as<std::string>();
      if (sc["scheme"]) s.scheme = sc["scheme"].as<std::string>();
      if (s.scheme != "http" && s.scheme != "https") Fail("unknown scrape config scheme: " + s.scheme);
      if (sc["honor_labels"]) s.honor_labels = sc["honor_labels"].as<bool>();
      if (sc["honor_timestamps"]) s.honor_timestamps = sc["honor_timestamps"].as<bool>();
      for (const auto& st : sc["static_configs"]) {
        CheckKeys(st, {"targets", "labels"}, "targetgroup.Group");
        s.static_configs.push_back({StringList(st["targets"]), LabelMap(st["labels"])});
      }
      c.scrape_configs.push_back(std::move(s));
    }
  }
  c.rule_files = StringList(root["rule_files"]);
  if (const auto rws = root["remote_write"]) {
    for (const auto& rw : rws) {
      RemoteWriteConfig r;
      if (!rw["url"]) Fail("url for remote_write is empty");
      r.url = rw["url"].as<std::string>();
      if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) {
        Fail("unsupported scheme for remote_write url: " + r.url);
      }
      if (rw["name"]) r.name = rw["name"].as<std::string>();
      if (rw["remote_timeout"]) r.remote_timeout_ms = DurationMs(rw["remote_timeout"], "remote_timeout");
      c.remote_write.push_back(std::move(r));
    }
  }
  if (const auto p = root["promref"]) {
    CheckKeys(p, {"route_prefix", "tenants"}, "promref");
    if (p["route_prefix"]) {
      c.promref.route_prefix = p["route_prefix"].as<std::string>();
      if (!c.promref.route_prefix.empty() && c.promref.route_prefix[0] != '/') {
        Fail("promref.route_prefix must start with '/'");
      }
      while (c.promref.route_prefix.size() > 1 && c.promref.route_prefix.back() == '/')
        c.promref.route_prefix.pop_back();
      if (c.promref.route_prefix == "/") c.promref.route_prefix.clear();
    }
    std::set<std::string> ids;
    for (const auto& t : p["tenants"]) {
      CheckKeys(t, {"id", "app_keys", "bearer_tokens", "basic_auth", "servers"}, "promref.tenant");
      Tenant tenant;
      if (!t["id"]) Fail("promref tenant without id");
      tenant.id = t["id"].as<std::string>();
      bool safe = !tenant.id.empty() && tenant.id != "." && tenant.id != "..";
      for (char ch : tenant.id)
        safe = safe && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
      if (!safe) Fail("promref tenant id \"" + tenant.id + "\" must be letters, digits, '-' or '_'");
      if (!ids.insert(tenant.id).second) Fail("duplicate promref tenant id \"" + tenant.id + "\"");
      tenant.app_keys = StringList(t["app_keys"]);
      tenant.bearer_tokens = StringList(t["bearer_tokens"]);
      for (const auto& ba : t["basic_auth"]) {
        CheckKeys(ba, {"username", "password"}, "promref.basic_auth");
        tenant.basic_auth.emplace_back(ba["username"].as<std::string>(), ba["password"].as<std::string>());
      }
      for (const auto& sv : t["servers"]) {
        CheckKeys(sv, {"host_id", "host_name", "ip", "instance_id"}, "promref.server");
        if (!sv["host_id"]) Fail("promref server without host_id");
        tenant.servers.push_back({sv["host_id"].as<std::string>(),
                                  sv["host_name"] ? sv["host_name"].as<std::string>() : "",
                                  sv["ip"] ? sv["ip"].as<std::string>() : "",
                                  sv["instance_id"] ? sv["instance_id"].as<std::string>() : ""});
      }
      c.promref.tenants.push_back(std::move(tenant));
    }
  }
  return c;
}

}  // namespace

Result<Config> ParseConfig(const std::string& yaml) {
  try {
    return Parse(YAML::Load(yaml));
  } catch (const ConfigError& e) {
    return BadData(e.message);
  } catch (const YAML::Exception& e) {
    return BadData(std::string("yaml: ") + e.what());
  }
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return BadData("open " + path + ": no such file or directory");
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = ParseConfig(ss.str());
  if (!c.ok()) return c.error().Prefixed("parsing YAML file " + path + ": ");
  return c;
}

std::string ToYaml(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "scrape_interval" << YAML::Value << model::FormatDuration(c.global.scrape_interval_ms);
  out << YAML::Key << "scrape_timeout" << YAML::Value << model::FormatDuration(c.global.scrape_timeout_ms);
  out << YAML::Key << "evaluation_interval" << YAML::Value
      << model::FormatDuration(c.global.evaluation_interval_ms);
  if (!c.global.external_labels.empty()) {
    out << YAML::Key << "external_labels" << YAML::Value << YAML::BeginMap;
    for (const auto& l : c.global.external_labels)
      out << YAML::Key << std::string(l.name) << YAML::Value << std::string(l.value);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  if (!c.rule_files.empty()) {
    out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : c.rule_files) out << f;
    out << YAML::EndSeq;
  }
  if (!c.scrape_configs.empty()) {
    out << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : c.scrape_configs) {
      out << YAML::BeginMap;
      out << YAML::Key << "job_name" << YAML::Value << s.job_name;
      out << YAML::Key << "honor_timestamps" << YAML::Value << s.honor_timestamps;
      out << YAML::Key << "scrape_interval" << YAML::Value << model::FormatDuration(s.scrape_interval_ms);
      out << YAML::Key << "scrape_timeout" << YAML::Value << model::FormatDuration(s.scrape_timeout_ms);
      out << YAML::Key << "metrics_path" << YAML::Value << s.metrics_path;
      out << YAML::Key << "scheme" << YAML::Value << s.scheme;
      if (!s.static_configs.empty()) {
        out << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq;
        for (const auto& st : s.static_configs) {
          out << YAML::BeginMap << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
          for (const auto& t : st.targets) out << t;
          out << YAML::EndSeq;
          if (!st.labels.empty()) {
            out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
            for (const auto& l : st.labels)
              out << YAML::Key << std::string(l.name) << YAML::Value << std::string(l.value);
            out << YAML::EndMap;
          }
          out << YAML::EndMap;
        }
        out << YAML::EndSeq;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!c.remote_write.empty()) {
    out << YAML::Key << "remote_write" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : c.remote_write) {
      out << YAML::BeginMap << YAML::Key << "url" << YAML::Value << r.url;
      out << YAML::Key << "remote_timeout" << YAML::Value << model::FormatDuration(r.remote_timeout_ms);
      if (!r.name.empty()) out << YAML::Key << "name" << YAML::Value << r.name;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!c.promref.tenants.empty() || !c.promref.route_prefix.empty()) {
    out << YAML::Key << "promref" << YAML::Value << YAML::BeginMap;
    if (!c.promref.route_prefix.empty())
      out << YAML::Key << "route_prefix" << YAML::Value << c.promref.route_prefix;
    out << YAML::Key << "tenants" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : c.promref.tenants) {
      out << YAML::BeginMap << YAML::Key << "id" << YAML::Value << t.id;
      if (!t.app_keys.empty()) out << YAML::Key << "app_keys" << YAML::Value << "<secret>";
      if (!t.bearer_tokens.empty()) out << YAML::Key << "bearer_tokens" << YAML::Value << "<secret>";
      if (!t.basic_auth.empty()) out << YAML::Key << "basic_auth" << YAML::Value << "<secret>";
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace promref::config
