// `retain serve`: the gRPC decision service. Parses flags into service::ServerOptions and hands
// over to service::run (service/server.hpp); docs/service.md describes the flags.
#include <algorithm>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "service/log.hpp"
#include "service/server.hpp"

namespace retain::cli {

namespace {

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  service::ServerOptions options;
  options.handle_signals = true;
  double decision_log_max_mb = 100;
  double drain_seconds = 10;

  CLI::App app{"Serve decisions over gRPC (retain.v1.RetentionEngine)", "retain serve"};
  app.add_option("--rules", options.rule_paths, "Rule files or directories (repeatable)")
      ->required();
  app.add_option("--listen", options.listen, "HOST:PORT to listen on; port 0 picks one")
      ->capture_default_str();
  app.add_option("--admin-token-file", options.admin_token_file,
                 "File holding the token ReloadRules requires (authorization: Bearer TOKEN)");
  app.add_option("--stats", options.stats_file,
                 "Population statistics from `retain stats` for percentile tiers");
  app.add_flag("--watch", options.watch, "Reload when a rule file changes");
  app.add_option("--watch-interval-ms", options.watch_interval_ms, "How often --watch polls")
      ->capture_default_str()
      ->check(CLI::Range(50, 3600000));
  app.add_option("--decision-log", options.decision_log,
                 "Append one JSON line per decision to this file");
  app.add_option("--decision-log-max-mb", decision_log_max_mb,
                 "Rotate the decision log at this size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--decision-log-keep", options.decision_log_keep,
                 "Rotated decision log files to keep")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--tls-cert", options.tls_cert, "Server certificate chain (PEM); enables TLS");
  app.add_option("--tls-key", options.tls_key, "Server private key (PEM)");
  app.add_option("--tls-client-ca", options.tls_client_ca,
                 "CA (PEM) that client certificates must chain to: mutual TLS");
  app.add_option("--max-message-bytes", options.max_receive_message_bytes,
                 "Largest request accepted; larger ones get RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 30));
  app.add_option("--max-batch", options.max_batch,
                 "Most profiles per EvaluateBatches/EvaluateBatch message; larger batches get "
                 "INVALID_ARGUMENT")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--drain-seconds", drain_seconds,
                 "On SIGTERM/SIGINT, how long in-flight calls may take to finish")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--log-format", options.log_format, "text (key=value) or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? kOk : kUsage;
  }
  options.decision_log_max_bytes = static_cast<std::size_t>(decision_log_max_mb * 1024 * 1024);
  options.drain_grace_ms = static_cast<int>(drain_seconds * 1000);
  if (!service::log::configure(options.log_level, options.log_format)) {
    err << "retain serve: bad --log-level or --log-format\n";
    return kUsage;
  }
  return service::run(options, err);
}

}  // namespace

RETAIN_COMMAND("serve", "Serve decisions over gRPC", run_serve);

}  // namespace retain::cli
