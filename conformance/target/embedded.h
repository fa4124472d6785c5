// The seam through which promconform runs promref in-process (`--embedded`, `launch: embedded`).
//
// The harness talks to an embedded promref only over HTTP, like to any target. By default it
// starts promref's own server (server::StartEmbedded, target/embedded_promref.cpp); a test or an
// embedder may register another factory (e.g. a promref with extra flags or a broken one).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/error.h"

namespace promconform {

struct EmbeddedOptions {
  // An empty directory the server may use for its TSDB, WAL and config (removed afterwards).
  std::string data_dir;
  // Extra server flags, as they would be given on the command line (`launch_args`).
  std::vector<std::string> args;
};

// A running server. Thread-safe for concurrent HTTP requests; destruction stops it.
class EmbeddedServer {
 public:
  virtual ~EmbeddedServer() = default;
  // http://127.0.0.1:<port>, serving /api/v1/* (including the remote-write receiver at
  // /api/v1/write) exactly as the promref binary does.
  virtual std::string base_url() const = 0;
  // The version /api/v1/status/buildinfo reports, e.g. "3.16.0-promref" ("": ask over HTTP).
  virtual std::string version() const = 0;
};

using EmbeddedServerFactory =
    std::function<promref::Result<std::unique_ptr<EmbeddedServer>>(const EmbeddedOptions&)>;

// Registers the factory (last registration wins). Returns true, for use in static initialisers.
bool RegisterEmbeddedServerFactory(EmbeddedServerFactory factory);

// Starts an embedded server with the registered factory, or promref when none is registered.
promref::Result<std::unique_ptr<EmbeddedServer>> StartEmbeddedServer(const EmbeddedOptions& options);

// promref's own server, in-process.
promref::Result<std::unique_ptr<EmbeddedServer>> StartEmbeddedPromref(const EmbeddedOptions& options);

}  // namespace promconform
