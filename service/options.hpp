// ServerOptions: everything `retain serve` can be told, as plain data. cli/cmd_serve.cpp fills it
// from flags; tests and the load driver fill it directly. Plain data; copy freely.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace retain::service {

struct ServerOptions {
  std::vector<std::string> rule_paths;     // files or directories, as `retain check` takes
  std::string listen = "127.0.0.1:50051";  // HOST:PORT; port 0 picks a free port
  std::string admin_token_file;            // empty: ReloadRules is always PERMISSION_DENIED
  std::string stats_file;  // population statistics from `retain stats` (docs/batch.md); optional

  // Reload when a rule file changes (polling mtimes and sizes).
  bool watch = false;
  int watch_interval_ms = 500;

  // Decision log: one JSON line per decision, rotated by size.
  std::string decision_log;  // empty: off
  std::size_t decision_log_max_bytes = 100u << 20;
  std::size_t decision_log_keep = 5;  // rotated files kept besides the current one

  // TLS: cert and key turn it on; a client CA makes it mutual (clients must present a
  // certificate signed by that CA).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;

  // Limits.
  int max_receive_message_bytes = 4 << 20;
  int max_send_message_bytes = 16 << 20;
  int max_concurrent_streams = 1000;  // per connection
  std::size_t max_batch = 1000;       // profiles per EvaluateBatchRequest
  int drain_grace_ms = 10000;         // SIGTERM: in-flight calls get this long to finish

  // Keepalive (server side): pings idle connections, and accepts client pings this often.
  int keepalive_time_ms = 60000;
  int keepalive_timeout_ms = 20000;
  int keepalive_min_client_ping_interval_ms = 10000;

  // Logging (process-wide spdlog settings; `retain serve` applies them).
  std::string log_level = "info";   // trace, debug, info, warn, error, off
  std::string log_format = "text";  // text (key=value) or json

  // SIGHUP reloads, SIGTERM/SIGINT drain and stop. Off for servers started inside tests.
  bool handle_signals = false;
};

}  // namespace retain::service
