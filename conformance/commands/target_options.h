// The command-line options that say how to reach a target, shared by every command that talks
// to one (run, diff, record, load, fuzz): `--target` resolved to a profile, and the flags that
// override the profile's access settings (prefix, credentials, headers, remote write, TLS,
// timeout, claimed version, query margin). See `promconform run --help` for the flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "model/error.h"
#include "profiles/profile.h"

namespace promconform {

struct TargetOptions {
  std::optional<std::string> path_prefix, bearer_token, basic_auth, app_key, remote_write;
  std::optional<int64_t> query_margin_ms;
  std::string basic_auth_user;
  Headers headers, auth_headers;
  bool insecure_skip_verify = false;
  int64_t timeout_ms = 0;
  std::string claims;
};

// When args[i] is a target option, consumes it and its value (advancing i) and returns true; a
// malformed value sets *error. Returns false for any other argument.
bool ParseTargetOption(const std::vector<std::string>& args, size_t& i, TargetOptions& o, std::string* error);

// After parsing: joins --basic-auth-user with --basic-auth-password-file, and takes the secrets
// not given on the command line from PROMCONFORM_BEARER_TOKEN, PROMCONFORM_BASIC_AUTH and
// PROMCONFORM_APP_KEY.
void FinishTargetOptions(TargetOptions& o);

// The options given, over the profile's settings.
void ApplyTargetOptions(const TargetOptions& o, TargetProfile& p);

// "a,b,,c" -> {"a", "b", "c"}: list-valued flags (--format).
std::vector<std::string> SplitList(const std::string& s, char sep = ',');

// `--target` as given: "embedded" (promref in-process), a URL, or a profile file or name.
promref::Result<TargetProfile> ResolveProfile(const std::string& spec);

}  // namespace promconform
