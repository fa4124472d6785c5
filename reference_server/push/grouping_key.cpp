#include "push/grouping_key.h"

#include <string>
#include <vector>

#include "model/go_strconv.h"

namespace promref::push {
namespace {

constexpr std::string_view kBase64Suffix = "@base64";

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool IsLegacyLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && (i == 0 || c < '0' || c > '9')) return false;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t j = s.find(sep, start);
    out.push_back(s.substr(start, j == std::string_view::npos ? std::string_view::npos : j - start));
    if (j == std::string_view::npos) return out;
    start = j + 1;
  }
}

Error IllegalByte(size_t at) {
  return BadData("illegal base64 data at input byte " + std::to_string(at));
}

}  // namespace

std::string GroupingKey::Id() const {
  std::string id;
  for (const auto& [name, value] : labels) {  // std::map: sorted by name, as groupingKeyFor sorts
    if (!id.empty()) id += '\xff';
    id += name;
    id += '\xff';
    id += value;
  }
  return id;
}

// Go's decoder: 4-character quanta; '\r' and '\n' are skipped; a lone final character is an
// error at its position; trailing bits are not checked (Strict is off).
Result<std::string> DecodeBase64Value(std::string_view s, std::string* partial) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int have = 0;
  size_t last_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') continue;
    const int v = Base64UrlValue(s[i]);
    if (v < 0) {
      if (partial) *partial = out;
      return IllegalByte(i);
    }
    if (have == 0) last_start = i;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    if (++have == 4) {
      out += static_cast<char>((acc >> 16) & 0xff);
      out += static_cast<char>((acc >> 8) & 0xff);
      out += static_cast<char>(acc & 0xff);
      acc = 0;
      have = 0;
    }
  }
  if (have == 1) {
    if (partial) *partial = out;
    return IllegalByte(last_start);
  }
  if (have == 2) out += static_cast<char>((acc >> 4) & 0xff);
  if (have == 3) {
    out += static_cast<char>((acc >> 10) & 0xff);
    out += static_cast<char>((acc >> 2) & 0xff);
  }
  return out;
}

Result<GroupingKey> ParseGroupingKey(std::string_view job, bool job_base64, std::string_view labels_rest) {
  GroupingKey key;
  std::string job_value(job);
  if (job_base64) {
    std::string partial;
    Result<std::string> decoded = DecodeBase64Value(job, &partial);
    if (!decoded.ok()) {
      return BadData("invalid base64 encoding in job name " + model::GoQuote(partial) + ": " +
                     decoded.error().message());
    }
    job_value = *decoded;
  }
  if (labels_rest.size() > 1) {
    const std::vector<std::string_view> parts = Split(labels_rest.substr(1), '/');
    if (parts.size() % 2 != 0) {
      return BadData("odd number of components in label string " + model::GoQuote(labels_rest));
    }
    for (size_t i = 0; i + 1 < parts.size(); i += 2) {
      std::string_view name = parts[i];
      const bool b64 = name.ends_with(kBase64Suffix);
      if (b64) name.remove_suffix(kBase64Suffix.size());
      if (!IsLegacyLabelName(name) || name.starts_with("__")) {
        return BadData("improper label name " + model::GoQuote(name));
      }
      std::string value(parts[i + 1]);
      if (b64) {
        Result<std::string> decoded = DecodeBase64Value(parts[i + 1]);
        if (!decoded.ok()) {
          return BadData("invalid base64 encoding for label " + std::string(name) + "=" +
                         model::GoQuote(parts[i + 1]) + ": " + decoded.error().message());
        }
        value = *decoded;
      }
      key.labels[std::string(name)] = std::move(value);
    }
  }
  if (job_value.empty()) return BadData("job name is required");
  key.labels["job"] = job_value;
  return key;
}

Result<GroupingKey> ParseGroupingPath(std::string_view path) {
  bool b64 = false;
  if (path.starts_with("job/")) {
    path.remove_prefix(4);
  } else if (path.starts_with("job@base64/")) {
    path.remove_prefix(11);
    b64 = true;
  } else {
    return Error(ErrorKind::kNotFound, "404 page not found");
  }
  const size_t slash = path.find('/');
  const std::string_view job = path.substr(0, slash);
  const std::string_view rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  if (job.empty()) return Error(ErrorKind::kNotFound, "404 page not found");
  return ParseGroupingKey(job, b64, rest);
}

}  // namespace promref::push
