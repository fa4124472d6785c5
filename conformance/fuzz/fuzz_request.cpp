#include "fuzz/fuzz_request.h"

#include <cstdio>

namespace promconform::fuzz {
namespace {

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when it is not one.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  if (c >= 0xE0 && c <= 0xEF) n = 3;
  if (c >= 0xF0 && c <= 0xF4) n = 4;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms, surrogates and code points past U+10FFFF.
  if (n == 3 && c == 0xE0 && b(1) < 0xA0) return 0;
  if (n == 3 && c == 0xED && b(1) >= 0xA0) return 0;
  if (n == 4 && c == 0xF0 && b(1) < 0x90) return 0;
  if (n == 4 && c == 0xF4 && b(1) >= 0x90) return 0;
  return n;
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

const std::string* FuzzRequest::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

size_t FuzzRequest::Size() const {
  size_t n = body.size();
  for (const auto& [k, v] : params) n += k.size() + v.size();
  return n;
}

HttpRequest ToHttpRequest(const FuzzRequest& r, const Target& target) {
  HttpRequest req;
  req.method = r.method;
  req.url = r.url.empty() ? target.Url(r.path) : r.url;
  req.headers = r.headers;
  if (r.raw_body) {
    req.body = r.body;
  } else if (r.method == "GET") {
    if (!r.params.empty()) req.url += "?" + FormEncode(r.params);
  } else {
    req.body = FormEncode(r.params);
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  }
  return req;
}

std::string CurlCommand(const FuzzRequest& r, const std::string& url,
                        const std::vector<std::string>& value_files) {
  std::string cmd = "curl -sS -i";
  if (r.method == "GET") cmd += " -G";
  for (const auto& [name, value] : r.headers) cmd += " -H " + ShellQuote(name + ": " + value);
  for (size_t i = 0; i < r.params.size(); ++i) {
    const auto& [name, value] = r.params[i];
    // --data-urlencode name=value encodes the value only; a name needing escapes goes pre-encoded.
    const std::string encoded_name = UrlEncode(name);
    if (i < value_files.size() && !value_files[i].empty() && encoded_name == name) {
      cmd += " --data-urlencode " + ShellQuote(name + "@" + value_files[i]);
    } else if (encoded_name == name && value.find('\0') == std::string::npos) {
      cmd += " --data-urlencode " + ShellQuote(name + "=" + value);
    } else {
      cmd += " --data " + ShellQuote(encoded_name + "=" + UrlEncode(value));
    }
  }
  return cmd + " " + ShellQuote(url);
}

std::string RawHttpRequest(const FuzzRequest& r, const std::string& path_and_query, const std::string& host) {
  std::string out = r.method + " " + path_and_query + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + r.body;
}

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (out.size() >= max) {
      out += "...(" + std::to_string(s.size()) + " bytes)";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8Length(s, i);
    if (n == 1 && c >= 0x20 && c != 0x7F) {
      out += static_cast<char>(c);
    } else if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
    ++i;
  }
  return out;
}

std::string Summary(const FuzzRequest& r, size_t max_value) {
  std::string s = r.method + " " + r.path;
  if (r.raw_body) {
    s += " (" + std::to_string(r.body.size()) + " bytes body";
    for (const auto& [name, value] : r.headers) s += "; " + name + ": " + Printable(value, 60);
    return s + ")";
  }
  for (const auto& [name, value] : r.params)
    s += " " + Printable(name, 40) + "=" + Printable(value, max_value);
  return s;
}

}  // namespace promconform::fuzz
