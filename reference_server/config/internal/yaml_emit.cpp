#include "config/internal/yaml_emit.h"

#include <set>

#include "model/time.h"
#include "relabel/go_yaml.h"

namespace promref::config::internal {
namespace {

std::string FormatBase2Bytes(int64_t n) {
  static const char* kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  std::string out;
  for (int i = 0; i < 7; ++i) {
    if (n % 1024 != 0 || (i == 0 && n == 0)) {
      out = std::to_string(n % 1024) + kPrefixes[i] + (i == 0 ? "B" : "iB") + out;
    }
    n /= 1024;
    if (n == 0) break;
  }
  return out;
}

// The secret fields (prometheus/common's Secret) of the sections promref keeps only to show
// back: the discovery configurations, with their HTTP client settings, and oauth2's extras.
bool IsSecretField(const std::string& key) {
  static const std::set<std::string> kSecrets = {"application_credential_secret",
                                                 "application_secret",
                                                 "auth_token",
                                                 "client_certificate_key",
                                                 "client_secret",
                                                 "consumer_key",
                                                 "credentials",
                                                 "bearer_token",
                                                 "key",
                                                 "key_passphrase",
                                                 "password",
                                                 "private_key",
                                                 "proxy_connect_header",
                                                 "secret_key",
                                                 "secrets",
                                                 "service_account_key",
                                                 "token"};
  return kSecrets.count(key) > 0;
}

}  // namespace

void EmitStringList(YAML::Emitter& out, const std::vector<std::string>& list) {
  out << YAML::BeginSeq;
  for (const auto& v : list) relabel::EmitYamlV2String(out, v);
  out << YAML::EndSeq;
}

void EmitSecretList(YAML::Emitter& out, const std::vector<std::string>& list) {
  out << YAML::BeginSeq;
  for (size_t i = 0; i < list.size(); ++i) out << "<secret>";
  out << YAML::EndSeq;
}

void EmitLabels(YAML::Emitter& out, const model::Labels& labels) {
  out << YAML::BeginMap;
  for (const auto& l : labels) {
    out << YAML::Key;
    relabel::EmitYamlV2String(out, std::string(l.name));
    out << YAML::Value;
    relabel::EmitYamlV2String(out, std::string(l.value));
  }
  out << YAML::EndMap;
}

void EmitIfSet(YAML::Emitter& out, const char* key, const std::string& value) {
  if (value.empty()) return;
  out << YAML::Key << key << YAML::Value;
  relabel::EmitYamlV2String(out, value);
}

void EmitSecretIfSet(YAML::Emitter& out, const char* key, const std::string& value) {
  if (!value.empty()) out << YAML::Key << key << YAML::Value << "<secret>";
}

void EmitUintIfSet(YAML::Emitter& out, const char* key, uint64_t value) {
  if (value != 0) out << YAML::Key << key << YAML::Value << value;
}

void EmitDuration(YAML::Emitter& out, const char* key, int64_t ms) {
  out << YAML::Key << key << YAML::Value << model::FormatDuration(ms);
}

void EmitDurationIfSet(YAML::Emitter& out, const char* key, int64_t ms) {
  if (ms != 0) EmitDuration(out, key, ms);
}

void EmitBytesIfSet(YAML::Emitter& out, const char* key, int64_t bytes) {
  if (bytes != 0) out << YAML::Key << key << YAML::Value << FormatBase2Bytes(bytes);
}

void EmitRedacted(YAML::Emitter& out, const YAML::Node& n) {
  if (n.IsMap()) {
    out << YAML::BeginMap;
    EmitRedactedFields(out, n);
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    out << YAML::BeginSeq;
    for (const auto& v : n) EmitRedacted(out, v);
    out << YAML::EndSeq;
  } else if (n.IsScalar()) {
    relabel::EmitYamlV2String(out, n.Scalar());
  } else {
    out << YAML::Null;
  }
}

void EmitRedactedFields(YAML::Emitter& out, const YAML::Node& map) {
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    out << YAML::Key << key << YAML::Value;
    if (IsSecretField(key)) {
      out << "<secret>";
    } else {
      EmitRedacted(out, kv.second);
    }
  }
}

}  // namespace promref::config::internal
