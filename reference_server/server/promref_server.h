// A whole promref: configuration, tenants' storage, engine, API, front door and HTTP server,
// wired together. The promref binary runs one; promconform and the tests embed one
// (`--embedded`), on a free loopback port, in process.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "config/config.h"
#include "model/error.h"
#include "server/flags.h"

namespace promref::server {

class PromrefServer {
 public:
  // Builds the server from flags and (already loaded) configuration and binds its address.
  static Result<std::unique_ptr<PromrefServer>> Create(const Flags& flags, config::Config config);
  ~PromrefServer();

  int port() const;
  std::string base_url() const;  // http://127.0.0.1:<port> for a loopback server

  // Serves until Stop() (blocking), or in a background thread (Start).
  void Serve();
  void Start();
  void Stop();

  // Re-reads the configuration file (SIGHUP, /-/reload).
  Status Reload();
  // True once /-/quit asked the server to stop.
  bool QuitRequested() const;

 private:
  struct Impl;
  explicit PromrefServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

// An in-process promref on 127.0.0.1 with the remote-write receiver and the admin API on, for
// the harness and the tests. `extra_flags` are promref flags ("--enable-feature=...").
Result<std::unique_ptr<PromrefServer>> StartEmbedded(const std::vector<std::string>& extra_flags = {},
                                                     const std::string& config_yaml = "");

}  // namespace promref::server
