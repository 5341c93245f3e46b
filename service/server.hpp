// The `retain serve` process: a gRPC server (callback API) with the RetentionEngine service,
// the standard health-checking service and server reflection, optional TLS, limits and
// keepalive from ServerOptions; plus the threads around it: a rule watcher (--watch) and a
// signal thread (SIGHUP reloads, SIGTERM/SIGINT drain in-flight calls and stop).
// Thread-safe: reload() and shutdown() may be called from any thread, more than once.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/server.h>

#include "service/options.hpp"
#include "service/rule_store.hpp"

namespace retain::service {

class Server {
 public:
  struct StartError {
    int exit_code = 1;    // 1: usage or I/O (a file, the address); 2: the rules have errors
    std::string message;  // every diagnostic, rendered, for rule errors
  };
  // Loads the rules (a rule set with errors is refused), reads the admin token and the TLS
  // files, opens the decision log and starts listening. Null and *error on failure.
  static std::unique_ptr<Server> start(const ServerOptions& options, StartError* error);
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;             // the bound port (useful with port 0)
  std::string address() const;  // HOST:bound port
  RuleStore& rules();

  // Reloads the rule files and logs the outcome; `trigger` says why (SIGHUP, watch, rpc).
  ReloadResult reload(std::string_view trigger);

  // Health NOT_SERVING, stop accepting calls, let in-flight calls finish within `grace` (then
  // cancel them), and stop the watcher. Returns when the server has stopped.
  void shutdown(std::chrono::milliseconds grace);
  // Blocks until shutdown() has completed.
  void wait();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs `retain serve`: blocks SIGHUP/SIGTERM/SIGINT (when options.handle_signals), starts the
// server, waits for SIGTERM/SIGINT, drains and returns the exit code (0 on a clean stop, 1 when
// the server cannot start).
// Start errors are written to `err`; everything else goes to the log.
int run(const ServerOptions& options, std::ostream& err);

// Builds and starts a grpc::Server serving `services` with the options' listening address,
// credentials, message limits, keepalive, health checking and reflection. Used by Server and
// by the load driver's empty-handler server. Null and *error on failure.
std::unique_ptr<grpc::Server> build_grpc_server(const ServerOptions& options,
                                                const std::vector<grpc::Service*>& services,
                                                int* bound_port, std::string* error);

}  // namespace retain::service
