#include "service/server.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

#include <absl/synchronization/mutex.h>
#include <fmt/format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>

#include "service/decision_log.hpp"
#include "service/log.hpp"
#include "service/retention_engine_service.hpp"
#include "service/stats_file.hpp"

namespace retain::service {

namespace fs = std::filesystem;

namespace {

bool read_file(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("cannot read {}", path);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

std::string trim(std::string s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// One line per diagnostic for the log: `file:line:col: error: message [code]`.
std::string one_line(const Diagnostic& d) {
  return fmt::format("{}:{}:{}: {}: {} [{}]", d.file, d.line, d.column, severity_name(d.severity),
                     d.message, d.code);
}

std::string first_error(const Diagnostics& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::Error) return one_line(d);
  }
  return {};
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string render_all(const Diagnostics& diagnostics) {
  std::ostringstream out;
  render_text(diagnostics, out);
  return out.str();
}

// What the watcher compares: (path -> mtime, size) of every rule file the rule set is built
// from, and of every *.rules file in the configured directories (so new files count).
using Fingerprint = std::map<std::string, std::tuple<fs::file_time_type, std::uintmax_t>>;

void add_file(Fingerprint& fp, const fs::path& path) {
  std::error_code ec;
  const auto mtime = fs::last_write_time(path, ec);
  if (ec) {
    fp[path.string()] = {};
    return;
  }
  const auto size = fs::file_size(path, ec);
  fp[path.string()] = {mtime, ec ? 0 : size};
}

Fingerprint fingerprint(const std::vector<std::string>& paths, const LoadedRules* loaded) {
  Fingerprint fp;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        if (entry.path().extension() == ".rules") add_file(fp, entry.path());
      }
    } else {
      add_file(fp, p);
    }
  }
  if (loaded != nullptr && loaded->rules) {
    for (const auto& f : loaded->rules->source_files()) add_file(fp, f);
  }
  return fp;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<RuleStore> store;
  LoadedStats stats;
  std::unique_ptr<DecisionLog> decision_log;
  std::unique_ptr<RetentionEngineService> service;
  std::unique_ptr<grpc::Server> server;  // declared last: destroyed first
  int port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread watcher;
  std::once_flag shutdown_once;  // concurrent shutdown() callers wait until the first is done

  // What the rule files looked like just before the last load, so a change made while loading
  // is seen on the next poll.
  Fingerprint watched;

  void watch_loop() {
    std::unique_lock lock(mu);
    while (!stopping) {
      cv.wait_for(lock, std::chrono::milliseconds(options.watch_interval_ms));
      if (stopping) break;
      lock.unlock();
      Fingerprint now = fingerprint(store->paths(), store->current().get());
      if (now != watched) {
        reload("watch");
        // Files imported by the new rule set start being watched as they are now.
        for (auto& [path, state] : fingerprint({}, store->current().get()))
          now.emplace(path, state);
        watched = std::move(now);
      }
      lock.lock();
    }
  }

  // Percentile tiers of `rules` the statistics lack; logged (a warning: such a tiers uses its
  // fallback). Returns their ids.
  std::vector<std::string> check_stats(const compile::RuleSet& rules, std::string_view when) {
    if (!stats.stats) return {};
    auto missing = missing_tiers(rules, *stats.stats);
    if (!missing.empty()) {
      log::event(spdlog::level::warn, "stats_missing_tiers",
                 {{"when", std::string(when)}, {"tiers", join(missing, ",")}});
    }
    if (!stats.ruleset_hash.empty() && stats.ruleset_hash != rules.content_hash()) {
      log::event(spdlog::level::warn, "stats_other_ruleset",
                 {{"when", std::string(when)},
                  {"stats_hash", stats.ruleset_hash},
                  {"rules_hash", rules.content_hash()}});
    }
    return missing;
  }

  ReloadResult reload(std::string_view trigger) {
    const auto started = std::chrono::steady_clock::now();
    ReloadResult result = store->reload();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    const auto& rules = result.current ? result.current->rules : nullptr;
    if (result.ok) {
      check_stats(*rules, "reload");
      log::event(spdlog::level::info, "reload",
                 {{"trigger", std::string(trigger)},
                  {"ok", "true"},
                  {"ruleset", rules ? rules->name() : ""},
                  {"version", rules ? rules->version() : ""},
                  {"hash", rules ? rules->content_hash() : ""},
                  {"warnings", std::to_string(count(result.diagnostics, Severity::Warning))},
                  {"millis", std::to_string(ms)}});
    } else {
      log::event(spdlog::level::err, "reload",
                 {{"trigger", std::string(trigger)},
                  {"ok", "false"},
                  {"errors", std::to_string(count(result.diagnostics, Severity::Error))},
                  {"first_error", first_error(result.diagnostics)},
                  {"serving_hash", rules ? rules->content_hash() : ""}});
    }
    return result;
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  shutdown(std::chrono::milliseconds(0));
}

std::unique_ptr<grpc::Server> build_grpc_server(const ServerOptions& options,
                                                const std::vector<grpc::Service*>& services,
                                                int* bound_port, std::string* error) {
  // gRPC locks abseil mutexes on every call, and Debian builds abseil without NDEBUG, so each
  // lock also records the lock order in a process-wide graph to detect deadlocks: a few per
  // cent of a loaded server's CPU, for a check meant for abseil's debug builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!options.tls_cert.empty() || !options.tls_key.empty() || !options.tls_client_ca.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      *error = "TLS needs both --tls-cert and --tls-key";
      return nullptr;
    }
    std::string cert, key, ca;
    if (!read_file(options.tls_cert, &cert, error) || !read_file(options.tls_key, &key, error)) {
      return nullptr;
    }
    if (!options.tls_client_ca.empty() && !read_file(options.tls_client_ca, &ca, error)) {
      return nullptr;
    }
    grpc::SslServerCredentialsOptions ssl(
        ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                   : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = ca;
    ssl.pem_key_cert_pairs.push_back({key, cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  *bound_port = 0;
  builder.AddListeningPort(options.listen, credentials, bound_port);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options.max_send_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, options.keepalive_time_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, options.keepalive_timeout_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             options.keepalive_min_client_ping_interval_ms);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  for (auto* service : services) builder.RegisterService(service);
  auto server = builder.BuildAndStart();
  if (!server || *bound_port == 0) {
    *error = fmt::format("cannot listen on {}", options.listen);
    return nullptr;
  }
  return server;
}

std::unique_ptr<Server> Server::start(const ServerOptions& options, StartError* error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.rule_paths.empty()) {
    *error = {1, "no rule paths: give --rules PATH"};
    return nullptr;
  }
  impl->store = std::make_unique<RuleStore>(options.rule_paths);
  if (options.watch) impl->watched = fingerprint(options.rule_paths, nullptr);
  const auto first = impl->store->reload();
  if (!first.ok) {
    *error = {2, fmt::format("cannot serve {}: the rules have errors\n{}",
                             join(options.rule_paths, " "), render_all(first.diagnostics))};
    return nullptr;
  }

  ServiceConfig config;
  config.rules = impl->store.get();
  config.max_batch = options.max_batch;
  if (!options.stats_file.empty()) {
    if (!load_stats(options.stats_file, &impl->stats, &error->message)) {
      error->exit_code = 1;
      return nullptr;
    }
    const auto missing = impl->check_stats(*first.current->rules, "start");
    if (!missing.empty()) {
      *error = {1, fmt::format("{} has no statistics for the percentile tiers {}: run `retain "
                               "stats` with these rules",
                               options.stats_file, join(missing, ", "))};
      return nullptr;
    }
    config.stats = impl->stats.stats;
  }
  if (!options.admin_token_file.empty()) {
    std::string token;
    if (!read_file(options.admin_token_file, &token, &error->message)) {
      error->exit_code = 1;
      return nullptr;
    }
    config.admin_token = trim(token);
    if (config.admin_token.empty()) {
      *error = {1, fmt::format("admin token file {} is empty", options.admin_token_file)};
      return nullptr;
    }
  }
  if (!options.decision_log.empty()) {
    impl->decision_log = DecisionLog::open(options.decision_log, options.decision_log_max_bytes,
                                           options.decision_log_keep, &error->message);
    if (!impl->decision_log) {
      error->exit_code = 1;
      return nullptr;
    }
    spdlog::flush_every(std::chrono::seconds(1));
    config.decision_log = impl->decision_log.get();
  }
  Impl* raw = impl.get();
  config.reload = [raw](std::string_view trigger) { return raw->reload(trigger); };
  impl->service = std::make_unique<RetentionEngineService>(std::move(config));

  std::string message;
  impl->server = build_grpc_server(options, {impl->service.get()}, &impl->port, &message);
  if (!impl->server) {
    *error = {1, message};
    return nullptr;
  }
  if (auto* health = impl->server->GetHealthCheckService()) {
    health->SetServingStatus(true);
    health->SetServingStatus(v1::RetentionEngine::service_full_name(), true);
  }
  if (options.watch) {
    for (auto& [path, state] : fingerprint({}, first.current.get())) {
      impl->watched.emplace(path, state);
    }
    impl->watcher = std::thread([raw] { raw->watch_loop(); });
  }

  const auto& rules = *first.current->rules;
  std::unique_ptr<Server> server(new Server(std::move(impl)));
  log::event(
      spdlog::level::info, "start",
      {{"listen", server->address()},
       {"rules", join(options.rule_paths, ",")},
       {"ruleset", rules.name()},
       {"version", rules.version()},
       {"hash", rules.content_hash()},
       {"native_conditions",
        rules.program().native ? std::string("on") : "off: " + rules.program().native_off_reason},
       {"tls", options.tls_cert.empty()        ? "off"
               : options.tls_client_ca.empty() ? "on"
                                               : "mutual"},
       {"watch", options.watch ? "on" : "off"},
       {"admin", server->impl_->service->config().admin_token.empty() ? "off" : "on"},
       {"decision_log", options.decision_log},
       {"stats", options.stats_file.empty() ? std::string("off")
                                            : fmt::format("{} ({} rows)", options.stats_file,
                                                          server->impl_->stats.rows)}});
  return server;
}

int Server::port() const {
  return impl_->port;
}

std::string Server::address() const {
  const auto& listen = impl_->options.listen;
  const auto colon = listen.rfind(':');
  const std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  return fmt::format("{}:{}", host, impl_->port);
}

RuleStore& Server::rules() {
  return *impl_->store;
}

ReloadResult Server::reload(std::string_view trigger) {
  return impl_->reload(trigger);
}

void Server::shutdown(std::chrono::milliseconds grace) {
  std::call_once(impl_->shutdown_once, [this, grace] {
    {
      std::lock_guard lock(impl_->mu);
      impl_->stopping = true;
    }
    impl_->cv.notify_all();
    if (auto* health = impl_->server->GetHealthCheckService()) {
      health->SetServingStatus(false);
    }
    log::event(spdlog::level::info, "drain", {{"grace_ms", std::to_string(grace.count())}});
    impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
    if (impl_->watcher.joinable()) impl_->watcher.join();
    if (impl_->decision_log) impl_->decision_log->flush();
  });
}

void Server::wait() {
  impl_->server->Wait();
}

int run(const ServerOptions& options, std::ostream& err) {
  sigset_t signals;
  sigemptyset(&signals);
  if (options.handle_signals) {
    // Blocked before any gRPC thread exists, so every thread inherits the mask and only the
    // signal thread below receives them.
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  }
  Server::StartError error;
  auto server = Server::start(options, &error);
  if (!server) {
    log::event(spdlog::level::err, "start_failed", {{"error", first_line(error.message)}});
    err << "retain serve: " << error.message;
    if (!error.message.empty() && error.message.back() != '\n') err << '\n';
    return error.exit_code;
  }

  std::atomic<bool> done{false};
  std::thread signal_thread;
  if (options.handle_signals) {
    signal_thread = std::thread([&] {
      while (!done.load()) {
        timespec timeout{0, 200'000'000};
        const int sig = sigtimedwait(&signals, nullptr, &timeout);
        if (sig == SIGHUP) {
          log::event(spdlog::level::info, "signal", {{"signal", "SIGHUP"}});
          server->reload("SIGHUP");
        } else if (sig == SIGTERM || sig == SIGINT) {
          log::event(spdlog::level::info, "signal",
                     {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
          server->shutdown(std::chrono::milliseconds(options.drain_grace_ms));
          return;
        }
      }
    });
  }
  server->wait();
  done = true;
  if (signal_thread.joinable()) signal_thread.join();
  log::event(spdlog::level::info, "stop", {{"listen", server->address()}});
  server.reset();
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace retain::service
