// The seam through which promconform runs promref in-process (`--embedded`, `launch: embedded`).
//
// The harness must not depend on the server's internals, so it only defines this interface.
// The library that builds the promref server provides a factory and registers it, and the
// promconform binary links that library when it exists:
//
//   // in promref's embedding library (e.g. reference_server/api/embedded.cpp):
//   static const bool registered = promconform::RegisterEmbeddedServerFactory(
//       [](const promconform::EmbeddedOptions& o) -> promref::Result<std::unique_ptr<EmbeddedServer>> {...});
//
// Until then, asking for an embedded server fails with a clear message.
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
  // The version /api/v1/status/buildinfo reports, e.g. "3.14.0-promref".
  virtual std::string version() const = 0;
};

using EmbeddedServerFactory =
    std::function<promref::Result<std::unique_ptr<EmbeddedServer>>(const EmbeddedOptions&)>;

// Registers the factory (last registration wins). Returns true, for use in static initialisers.
bool RegisterEmbeddedServerFactory(EmbeddedServerFactory factory);

// Starts an embedded server, or fails (kUnavailable) when no factory is linked in.
promref::Result<std::unique_ptr<EmbeddedServer>> StartEmbeddedServer(const EmbeddedOptions& options);

}  // namespace promconform
