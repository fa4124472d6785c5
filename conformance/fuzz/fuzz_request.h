// One fuzzed request: what the fuzzer builds, sends, judges, minimises and writes down.
//
// A request is either an HTTP API call (a path and parameters, sent as a GET query string or a
// POST form) or a raw body POSTed with its own headers (remote write). Parameters are kept as
// name/value pairs, unencoded, so that mutators and the minimiser work on values, not on
// percent-escapes; they are encoded only when sent. Order and duplicates are preserved (Go's
// FormValue takes the first value of a name).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/http_client.h"
#include "target/target.h"

namespace promconform::fuzz {

using Params = std::vector<std::pair<std::string, std::string>>;

struct FuzzRequest {
  std::string method = "GET";  // GET (parameters in the URL) or POST (a form, or `body`)
  std::string path;            // under the target's API root: "/api/v1/query"
  std::string url;             // absolute instead (a remote-write URL elsewhere); "" for path
  Params params;
  bool raw_body = false;  // POST `body` with `headers` instead of a form (remote write)
  std::string body;
  Headers headers;
  std::string mutation;  // which mutator made it, for statistics and reproducers

  // The first value of `name`, or nullptr (Go's r.FormValue takes the first one).
  const std::string* Param(std::string_view name) const;
  size_t Size() const;  // bytes of values and body: what the minimiser shrinks
};

// The request as the HTTP client sends it to `target` (absolute URL, encoded form).
HttpRequest ToHttpRequest(const FuzzRequest& r, const Target& target);

// A shell command line reproducing an API request: curl with --data-urlencode per parameter
// (-G for GET), each argument single-quoted. `value_files[i]`, when given and not empty, names
// a file holding parameter i's value (too long for a command line: name@file).
std::string CurlCommand(const FuzzRequest& r, const std::string& url,
                        const std::vector<std::string>& value_files = {});

// A raw-body request as an HTTP/1.1 message (request line, headers, body), for `nc` or curl's
// --data-binary @file; `host` for the Host header.
std::string RawHttpRequest(const FuzzRequest& r, const std::string& path_and_query, const std::string& host);

// A one-line summary for reports: "GET /api/v1/query query=..." with values shortened and
// non-printable bytes escaped.
std::string Summary(const FuzzRequest& r, size_t max_value = 200);

// Bytes escaped for text output: printable ASCII and valid UTF-8 kept, others as \xNN.
std::string Printable(std::string_view s, size_t max = std::string::npos);

}  // namespace promconform::fuzz
