// retain_load: a closed-loop load driver for retain.v1.RetentionEngine (gRPC callback client).
//
// It reports throughput and p50/p99/p999 latency for unary Evaluate, EvaluateStream or
// EvaluateBatches (decisions/s, latency per batch) at a given concurrency, against a running server
// (--target) or against servers it starts in-process on 127.0.0.1:0 with the same gRPC settings as
// `retain serve` (service::build_grpc_server):
//   --server empty    a handler that answers an empty response (the cost of gRPC alone)
//   --server engine   the real service over --rules
//   --server both     empty and engine driven in turns (--rounds), and the ratio engine/empty
// Unary answers are parsed as a CRM would (--decode full) or kept as bytes (--decode none: the
// server's share, without the client's parsing of the decisions).
//
//   retain_load --server both --mode unary  --concurrency 32 --duration 10
//   retain_load --server both --mode stream --concurrency 4 --window 64 --duration 10
//   retain_load --server both --mode batch  --concurrency 2 --window 4 --batch 100 --duration 10
#include <absl/synchronization/mutex.h>
#include <google/protobuf/arena.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <sys/resource.h>

#include "retain/v1/service.grpc.pb.h"
#include "service/log.hpp"
#include "service/retention_engine_service.hpp"
#include "service/rule_store.hpp"
#include "service/server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
using retain::v1::EvaluateBatchRequest;
using retain::v1::EvaluateBatchResponse;
using retain::v1::EvaluateRequest;
using retain::v1::EvaluateResponse;
using retain::v1::RetentionEngine;

// ---- the empty-handler server ---------------------------------------------------------------

// Answers every Evaluate with an empty response, every streamed request with an empty response,
// and every batch with as many empty results as it has profiles, with the same
// read-ahead/write-queue structure as the real EvaluateStream and EvaluateBatches.
class EmptyService final : public RetentionEngine::CallbackService {
 public:
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* ctx, const EvaluateRequest*,
                                     EvaluateResponse*) override {
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }

  grpc::ServerBidiReactor<EvaluateRequest, EvaluateResponse>* EvaluateStream(
      grpc::CallbackServerContext*) override {
    return new EmptyStreamReactor<EvaluateRequest, EvaluateResponse>();
  }

  grpc::ServerUnaryReactor* EvaluateBatch(grpc::CallbackServerContext* ctx,
                                          const EvaluateBatchRequest* request,
                                          EvaluateBatchResponse* response) override {
    answer(*request, response);
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }

  grpc::ServerBidiReactor<EvaluateBatchRequest, EvaluateBatchResponse>* EvaluateBatches(
      grpc::CallbackServerContext*) override {
    return new EmptyStreamReactor<EvaluateBatchRequest, EvaluateBatchResponse>();
  }

 private:
  static void answer(const EvaluateRequest&, EvaluateResponse*) {}
  // As many empty results as the batch has profiles, so the response has the real one's count.
  static void answer(const EvaluateBatchRequest& request, EvaluateBatchResponse* response) {
    for (int i = 0; i < request.profiles_size(); ++i) response->add_results();
    response->set_batch_id(request.batch_id());
  }

  template <class Request, class Response>
  class EmptyStreamReactor final : public grpc::ServerBidiReactor<Request, Response> {
   public:
    EmptyStreamReactor() { this->StartRead(&request_); }
    void OnReadDone(bool ok) override {
      std::lock_guard lock(mu_);
      if (!ok) {
        reads_done_ = true;
        maybe_finish();
        return;
      }
      queue_.emplace_back();
      answer(request_, &queue_.back());
      if (!writing_) {
        writing_ = true;
        this->StartWrite(&queue_.front());
      }
      if (queue_.size() < 64) {
        this->StartRead(&request_);
      } else {
        paused_ = true;
      }
    }
    void OnWriteDone(bool ok) override {
      std::lock_guard lock(mu_);
      queue_.pop_front();
      writing_ = false;
      if (!ok) {
        reads_done_ = true;
        if (!finished_) {
          finished_ = true;
          this->Finish(grpc::Status::CANCELLED);
        }
        return;
      }
      if (!queue_.empty()) {
        writing_ = true;
        this->StartWrite(&queue_.front());
      }
      if (paused_ && !reads_done_) {
        paused_ = false;
        this->StartRead(&request_);
      }
      maybe_finish();
    }
    void OnDone() override { delete this; }

   private:
    void maybe_finish() {
      if (reads_done_ && queue_.empty() && !writing_ && !finished_) {
        finished_ = true;
        this->Finish(grpc::Status::OK);
      }
    }
    Request request_;
    std::mutex mu_;
    std::deque<Response> queue_;
    bool writing_ = false, paused_ = false, reads_done_ = false, finished_ = false;
  };
};

// ---- the client ---------------------------------------------------------------------------

struct Config {
  std::string mode = "unary";
  int concurrency = 32;
  int channels = 2;
  int window = 64;  // stream and batch modes: messages in flight per stream
  int batch = 100;  // batch mode: profiles per message
  double duration = 10;
  double warmup = 1;
  bool decode = true;  // unary: parse each response into an EvaluateResponse (--decode full)
  int rounds = 5;      // --server both: turns of each server
};

struct Result {
  std::uint64_t ok = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // process CPU (user + system) in the measured window
  std::vector<std::uint32_t> latencies_us;

  double throughput() const { return seconds > 0 ? ok / seconds : 0; }
  // Another measured window of the same server (--rounds).
  void add(Result&& other) {
    ok += other.ok;
    errors += other.errors;
    seconds += other.seconds;
    cpu_seconds += other.cpu_seconds;
    latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.end());
  }
  Result& sorted() {
    std::sort(latencies_us.begin(), latencies_us.end());
    return *this;
  }
  // CPU of the whole process (client and in-process server) per answered request.
  double cpu_us_per_op() const { return ok > 0 ? 1e6 * cpu_seconds / static_cast<double>(ok) : 0; }
  std::uint32_t percentile(double p) const {
    if (latencies_us.empty()) return 0;
    const auto i = std::min(latencies_us.size() - 1,
                            static_cast<std::size_t>(p * static_cast<double>(latencies_us.size())));
    return latencies_us[i];
  }
};

// Shared by every slot or stream of one run: the measuring window and the merged results.
class Run {
 public:
  Run(const Config& c, int slots)
      : start_(Clock::now()),
        measure_from_(start_ + to_duration(c.warmup)),
        stop_at_(measure_from_ + to_duration(c.duration)),
        remaining_(slots) {}

  static Clock::duration to_duration(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
  bool stopping(Clock::time_point now) const { return now >= stop_at_; }
  bool measuring(Clock::time_point t) const { return t >= measure_from_ && t < stop_at_; }

  void done(Result&& r) {
    std::lock_guard lock(mu_);
    total_.ok += r.ok;
    total_.errors += r.errors;
    total_.latencies_us.insert(total_.latencies_us.end(), r.latencies_us.begin(),
                               r.latencies_us.end());
    if (--remaining_ == 0) cv_.notify_all();
  }
  // Samples the process CPU time at the start and the end of the measured window.
  void sample_cpu() {
    std::this_thread::sleep_until(measure_from_);
    const double begin = process_cpu_seconds();
    std::this_thread::sleep_until(stop_at_);
    cpu_seconds_ = process_cpu_seconds() - begin;
  }
  Result wait() {
    sample_cpu();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return remaining_ == 0; });
    total_.cpu_seconds = cpu_seconds_;
    total_.seconds = std::chrono::duration<double>(stop_at_ - measure_from_).count();
    std::sort(total_.latencies_us.begin(), total_.latencies_us.end());
    return std::move(total_);
  }

 private:
  Clock::time_point start_, measure_from_, stop_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  int remaining_;
  double cpu_seconds_ = 0;
  Result total_;
};

std::uint32_t micros(Clock::duration d) {
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

// One closed-loop unary caller: the next call starts when the last one completes. With
// `decode` it parses each answer into an EvaluateResponse as a CRM would; without
// (`--decode none`) it calls through the generic stub and keeps the answer as bytes: what
// serving costs without the client's parsing (a full decision is ~6 KB of texts in maps, and
// parsing it takes longer than deciding it). Requests are serialised per call either way.
// Undecoded, every 256th answer is parsed and checked anyway: a decision for another customer,
// or an answer that does not parse, counts as an error.
class UnarySlot {
 public:
  UnarySlot(RetentionEngine::Stub* stub, grpc::GenericStub* generic,
            const std::vector<EvaluateRequest>* requests, Run* run, std::size_t offset, bool decode,
            bool expect_decision)
      : stub_(stub),
        generic_(generic),
        requests_(requests),
        run_(run),
        next_(offset),
        decode_(decode),
        expect_decision_(expect_decision) {}

  void start() { issue(); }

 private:
  void issue() {
    const auto now = Clock::now();
    if (run_->stopping(now)) {
      run_->done(std::move(result_));
      return;
    }
    ctx_ = std::make_unique<grpc::ClientContext>();
    ctx_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    request_ = &(*requests_)[next_++ % requests_->size()];
    sent_ = now;
    auto done = [this](grpc::Status status) { completed(status); };
    if (decode_) {
      response_.Clear();
      stub_->async()->Evaluate(ctx_.get(), request_, &response_, std::move(done));
      return;
    }
    bool own_buffer = false;
    request_bytes_.Clear();
    response_bytes_.Clear();
    if (!grpc::SerializationTraits<EvaluateRequest>::Serialize(*request_, &request_bytes_,
                                                               &own_buffer)
             .ok()) {
      ++result_.errors;
    }
    generic_->UnaryCall(ctx_.get(), "/retain.v1.RetentionEngine/Evaluate", grpc::StubOptions(),
                        &request_bytes_, &response_bytes_, std::move(done));
  }
  void completed(const grpc::Status& status) {
    const auto now = Clock::now();
    const bool ok = status.ok() && (decode_ || ++calls_ % 256 != 0 || answers_request());
    if (run_->measuring(sent_)) {
      if (ok) {
        ++result_.ok;
        result_.latencies_us.push_back(micros(now - sent_));
      } else {
        ++result_.errors;
      }
    }
    issue();
  }
  bool answers_request() {
    std::vector<grpc::Slice> slices;
    if (!response_bytes_.Dump(&slices).ok()) return false;
    std::string bytes;
    for (const auto& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    EvaluateResponse response;
    if (!response.ParseFromString(bytes)) return false;
    if (!expect_decision_) return !response.has_decision();
    return response.decision().customer_id() == request_->profile().customer_id();
  }

  RetentionEngine::Stub* stub_;
  grpc::GenericStub* generic_;
  const std::vector<EvaluateRequest>* requests_;
  Run* run_;
  std::size_t next_;
  bool decode_;
  bool expect_decision_;
  std::uint64_t calls_ = 0;
  std::unique_ptr<grpc::ClientContext> ctx_;
  const EvaluateRequest* request_ = nullptr;
  EvaluateResponse response_;
  grpc::ByteBuffer request_bytes_, response_bytes_;
  Clock::time_point sent_;
  Result result_;
};

// What one streamed response answered: decisions, and refusals.
void count(const EvaluateResponse& r, Result* into) {
  ++(r.error().empty() ? into->ok : into->errors);
}
void count(const EvaluateBatchResponse& r, Result* into) {
  for (const auto& result : r.results()) ++(result.error().empty() ? into->ok : into->errors);
}
void start_call(RetentionEngine::Stub* stub, grpc::ClientContext* ctx,
                grpc::ClientBidiReactor<EvaluateRequest, EvaluateResponse>* reactor) {
  stub->async()->EvaluateStream(ctx, reactor);
}
void start_call(RetentionEngine::Stub* stub, grpc::ClientContext* ctx,
                grpc::ClientBidiReactor<EvaluateBatchRequest, EvaluateBatchResponse>* reactor) {
  stub->async()->EvaluateBatches(ctx, reactor);
}

// One stream with up to `window` messages in flight (profiles for EvaluateStream, batches for
// EvaluateBatches); responses come back in order, so the send times form a FIFO. A latency is
// one message's: a batch's, for EvaluateBatches.
template <class Request, class Response>
class StreamSlot final : public grpc::ClientBidiReactor<Request, Response> {
 public:
  StreamSlot(RetentionEngine::Stub* stub, const std::vector<Request>* requests, Run* run,
             std::size_t offset, int window)
      : requests_(requests), run_(run), next_(offset), window_(window), arena_(arena_options()) {
    response_ = google::protobuf::Arena::CreateMessage<Response>(&arena_);
    ctx_.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
    start_call(stub, &ctx_, this);
  }
  void start() {
    std::lock_guard lock(mu_);
    this->StartRead(response_);
    write_more();
    this->StartCall();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      closed_ = true;
      return;
    }
    write_more();
  }
  void OnReadDone(bool ok) override {
    std::lock_guard lock(mu_);
    if (!ok) return;  // the stream ended; OnDone follows
    const auto now = Clock::now();
    const auto sent = sent_.front();
    sent_.pop_front();
    if (run_->measuring(sent)) {
      count(*response_, &result_);
      result_.latencies_us.push_back(micros(now - sent));
    }
    // A bulk client parses into an arena it resets: freeing a batch of decisions message by
    // message on the heap costs more than parsing them.
    arena_.Reset();
    response_ = google::protobuf::Arena::CreateMessage<Response>(&arena_);
    this->StartRead(response_);
    write_more();
  }
  void OnWritesDoneDone(bool) override {}
  void OnDone(const grpc::Status& status) override {
    if (!status.ok()) ++result_.errors;
    // Gone before the run hears of it: the run's end tears down the channels this call used.
    Result result = std::move(result_);
    Run* run = run_;
    delete this;
    run->done(std::move(result));
  }

 private:
  void write_more() {
    if (writing_ || closed_) return;
    const auto now = Clock::now();
    if (run_->stopping(now)) {
      closed_ = true;
      this->StartWritesDone();
      return;
    }
    if (static_cast<int>(sent_.size()) >= window_) return;
    writing_ = true;
    sent_.push_back(now);
    this->StartWrite(&(*requests_)[next_++ % requests_->size()]);
  }

  grpc::ClientContext ctx_;
  const std::vector<Request>* requests_;
  Run* run_;
  std::size_t next_;
  int window_;
  std::mutex mu_;
  static google::protobuf::ArenaOptions arena_options() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 * 1024;
    o.max_block_size = 1024 * 1024;
    return o;
  }
  google::protobuf::Arena arena_;
  Response* response_ = nullptr;
  std::deque<Clock::time_point> sent_;
  bool writing_ = false;
  bool closed_ = false;
  Result result_;
};

// `expect_decisions`: the server answers with decisions (not the empty handler); checked by
// --decode none's samples.
Result drive(const std::string& target, const Config& c,
             const std::vector<EvaluateRequest>& requests,
             const std::vector<EvaluateBatchRequest>& batches, bool expect_decisions) {
  std::vector<std::unique_ptr<RetentionEngine::Stub>> stubs;
  std::vector<std::unique_ptr<grpc::GenericStub>> generic_stubs;
  for (int i = 0; i < c.channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per channel
    args.SetInt("retain.load.channel", i);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    stubs.push_back(RetentionEngine::NewStub(channel));
    generic_stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  Run run(c, c.concurrency);
  std::vector<std::unique_ptr<UnarySlot>> unary;
  for (int i = 0; i < c.concurrency; ++i) {
    auto* stub = stubs[i % stubs.size()].get();
    const std::size_t offset = static_cast<std::size_t>(i) * 7919;
    if (c.mode == "unary") {
      unary.push_back(
          std::make_unique<UnarySlot>(stub, generic_stubs[i % generic_stubs.size()].get(),
                                      &requests, &run, offset, c.decode, expect_decisions));
      unary.back()->start();
    } else if (c.mode == "stream") {
      (new StreamSlot<EvaluateRequest, EvaluateResponse>(stub, &requests, &run, offset, c.window))
          ->start();
    } else {
      (new StreamSlot<EvaluateBatchRequest, EvaluateBatchResponse>(
           stub, &batches, &run, static_cast<std::size_t>(i) * 13, c.window))
          ->start();
    }
  }
  return run.wait();
}

std::vector<EvaluateRequest> load_requests(const std::string& path, std::size_t limit) {
  std::vector<EvaluateRequest> out;
  std::ifstream in(path);
  std::string line;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  while (out.size() < limit && std::getline(in, line)) {
    if (line.empty()) continue;
    EvaluateRequest r;
    if (google::protobuf::util::JsonStringToMessage(line, r.mutable_profile(), options).ok()) {
      out.push_back(std::move(r));
    }
  }
  if (out.empty()) {  // no file: synthetic profiles
    for (int i = 0; i < 1000; ++i) {
      EvaluateRequest r;
      auto* p = r.mutable_profile();
      p->set_customer_id(fmt::format("C{:06}", i));
      p->set_tenure_months(i % 120);
      p->set_orders_90d(i % 13);
      p->set_orders_prev_90d(i % 17);
      p->set_revenue_12m(1000.0 * (i % 500));
      p->set_quality_complaints_90d(i % 5);
      out.push_back(std::move(r));
    }
  }
  return out;
}

void print_header(const Config& c) {
  std::cout << fmt::format(
      "mode={} concurrency={} channels={}{}{} duration={}s warmup={}s rounds={}\n", c.mode,
      c.concurrency, c.channels, c.mode != "unary" ? fmt::format(" window={}", c.window) : "",
      c.mode == "batch" ? fmt::format(" batch={} (latencies are per batch)", c.batch) : "",
      c.duration, c.warmup, c.rounds);
  std::cout << fmt::format("{:<8} {:>10} {:>12} {:>9} {:>9} {:>9} {:>7} {:>10}\n", "server", "ok",
                           c.mode == "unary" ? "calls/s" : "decisions/s", "p50_us", "p99_us",
                           "p999_us", "errors", "cpu_us/op");
}

void print_row(const std::string& name, const Result& r) {
  std::cout << fmt::format("{:<8} {:>10} {:>12.0f} {:>9} {:>9} {:>9} {:>7} {:>10.1f}\n", name, r.ok,
                           r.throughput(), r.percentile(0.50), r.percentile(0.99),
                           r.percentile(0.999), r.errors, r.cpu_us_per_op())
            << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  // As `retain serve` does (service::build_grpc_server): the client's gRPC mutexes too, when
  // it drives a server of another process (--target).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Config c;
  std::string target;
  std::string server = "both";
  std::vector<std::string> rules = {std::string(RETAIN_SOURCE_DIR) + "/rules"};
  std::string profiles = std::string(RETAIN_SOURCE_DIR) + "/examples/customers.jsonl";
  std::string view = "full";

  CLI::App app{"Load driver for retain.v1.RetentionEngine"};
  app.add_option("--target", target, "HOST:PORT of a running server (instead of --server)");
  app.add_option("--server", server, "In-process server: empty, engine or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"empty", "engine", "both"}));
  app.add_option("--rules", rules, "Rules for --server engine")->capture_default_str();
  app.add_option("--profiles", profiles, "JSON-lines profiles to send")->capture_default_str();
  app.add_option("--mode", c.mode,
                 "unary (Evaluate), stream (EvaluateStream) or batch (EvaluateBatches)")
      ->capture_default_str()
      ->check(CLI::IsMember({"unary", "stream", "batch"}));
  app.add_option("--batch", c.batch, "Batch mode: profiles per EvaluateBatchRequest")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--concurrency", c.concurrency, "Calls (unary) or streams in flight")
      ->capture_default_str();
  app.add_option("--channels", c.channels, "Client connections")->capture_default_str();
  app.add_option("--window", c.window,
                 "Stream and batch modes: messages (profiles or batches) in flight per stream")
      ->capture_default_str();
  app.add_option("--view", view, "Decision view requested: full or compact")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "compact"}));
  std::string language;
  app.add_option("--language", language,
                 "Language of labels and because texts requested (default: every language)");
  std::string decode = "full";
  app.add_option("--decode", decode,
                 "Unary: full parses every response into an EvaluateResponse; none keeps it as "
                 "bytes (parsing and checking one in 256): the server's cost without the "
                 "client's decoding")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "none"}));
  app.add_option("--duration", c.duration, "Seconds measured (per server)")->capture_default_str();
  app.add_option("--rounds", c.rounds,
                 "--server both: drive the two servers in turn this many times, duration / "
                 "rounds each, each turn after its own warm-up")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--warmup", c.warmup, "Seconds before measuring")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  c.decode = decode == "full";

  retain::service::log::configure("warn", "text");
  auto requests = load_requests(profiles, 10000);
  for (auto& r : requests) {
    r.set_view(view == "compact" ? EvaluateRequest::VIEW_COMPACT : EvaluateRequest::VIEW_FULL);
    r.set_language(language);
  }
  std::vector<EvaluateBatchRequest> batches;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (i % static_cast<std::size_t>(c.batch) == 0) {
      batches.emplace_back();
      batches.back().set_view(requests[i].view());
      batches.back().set_language(language);
    }
    *batches.back().add_profiles() = requests[i].profile();
  }
  std::cout << fmt::format("{} profiles from {}, view {}{}{}\n", requests.size(), profiles, view,
                           language.empty() ? "" : ", language " + language,
                           c.mode == "unary" && !c.decode ? ", responses not decoded" : "");
  print_header(c);

  if (!target.empty()) {
    print_row("target", drive(target, c, requests, batches, true));
    return 0;
  }

  retain::service::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.rule_paths = rules;
  std::string error;
  Result empty_result, engine_result;

  // Both servers live until the end: destroying the first callback server while the process
  // goes on to start the second one sometimes trips gRPC 1.51's completion-queue refcount
  // assertion (grpc_cq_internal_unref, on its "nexting" thread) in batch mode.
  EmptyService empty_service;
  std::unique_ptr<grpc::Server> empty_server;
  std::unique_ptr<retain::service::Server> engine_server;
  std::string empty_target, engine_target;
  if (server == "empty" || server == "both") {
    int port = 0;
    empty_server = retain::service::build_grpc_server(options, {&empty_service}, &port, &error);
    if (!empty_server) {
      std::cerr << "retain_load: " << error << "\n";
      return 1;
    }
    empty_target = fmt::format("127.0.0.1:{}", port);
  }
  if (server == "engine" || server == "both") {
    retain::service::Server::StartError start_error;
    engine_server = retain::service::Server::start(options, &start_error);
    if (!engine_server) {
      std::cerr << "retain_load: " << start_error.message << "\n";
      return 1;
    }
    engine_target = engine_server->address();
  }
  // With both servers, each is driven in turn `rounds` times for duration / rounds: the
  // machine's speed drifts from minute to minute, and a ratio of two runs made one after the
  // other measured the drift as much as the engine.
  const int turns = server == "both" ? c.rounds : 1;
  Config slice = c;
  slice.duration = c.duration / turns;
  for (int turn = 0; turn < turns; ++turn) {
    if (!empty_target.empty()) {
      empty_result.add(drive(empty_target, slice, requests, batches, false));
    }
    if (!engine_target.empty()) {
      engine_result.add(drive(engine_target, slice, requests, batches, true));
    }
  }
  if (!empty_target.empty()) print_row("empty", empty_result.sorted());
  if (!engine_target.empty()) print_row("engine", engine_result.sorted());
  if (empty_server)
    empty_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  if (engine_server) engine_server->shutdown(std::chrono::seconds(1));
  if (server == "both" && empty_result.throughput() > 0) {
    std::cout << fmt::format("ratio engine/empty: throughput {:.2f}, cpu per op {:.2f}\n",
                             engine_result.throughput() / empty_result.throughput(),
                             engine_result.cpu_us_per_op() > 0
                                 ? empty_result.cpu_us_per_op() / engine_result.cpu_us_per_op()
                                 : 0.0);
  }
  return 0;
}
