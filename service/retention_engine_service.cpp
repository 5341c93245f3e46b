#include "service/retention_engine_service.hpp"

#include <chrono>
#include <deque>
#include <mutex>
#include <random>
#include <vector>

#include <google/protobuf/arena.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/message_allocator.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <fmt/format.h>

#include "service/call_log.hpp"
#include "service/evaluate_batches.hpp"
#include "service/handlers.hpp"
#include "service/log.hpp"

namespace retain::service {

namespace {

using Clock = CallClock;

constexpr std::size_t kMaxRequestIdBytes = 128;
// EvaluateStream reads at most this many profiles ahead of the decisions written back.
constexpr std::size_t kStreamWindow = 64;
// How many profiles of a batch are decided between two looks at cancellation and the deadline.
constexpr int kBatchCheckEvery = 64;
// A rendered decision takes about 10 KB of message memory with the domain rules: the first
// arena block is that large and inline, so building one costs no malloc per string or map.
constexpr std::size_t kArenaBlock = 16 * 1024;

// An arena whose first block is inline; Reset() frees any later block and keeps this one.
class InlineArena {
 public:
  InlineArena() : arena_(options(block_)) {}
  google::protobuf::Arena& get() { return arena_; }

 private:
  static google::protobuf::ArenaOptions options(char* block) {
    google::protobuf::ArenaOptions o;
    o.initial_block = block;
    o.initial_block_size = kArenaBlock;
    return o;
  }
  alignas(16) char block_[kArenaBlock];
  google::protobuf::Arena arena_;
};

// One EvaluateStream response on its own reusable arena.
class ArenaResponse {
 public:
  ArenaResponse() { make(); }
  v1::EvaluateResponse* get() { return response_; }
  void reset() {
    arena_.get().Reset();
    make();
  }

 private:
  void make() {
    response_ = google::protobuf::Arena::CreateMessage<v1::EvaluateResponse>(&arena_.get());
  }
  InlineArena arena_;
  v1::EvaluateResponse* response_ = nullptr;
};

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

grpc::Status unavailable() {
  return {grpc::StatusCode::UNAVAILABLE, "no rule set is loaded"};
}
grpc::Status deadline_exceeded() {
  return {grpc::StatusCode::DEADLINE_EXCEEDED, "deadline exceeded before evaluation"};
}

// EvaluateStream: one reactor per call. Reads run one at a time (gRPC allows one outstanding
// read and one outstanding write), so decisions are computed in arrival order and queued; the
// queue is written front to back. Reading pauses while the queue is full.
class EvaluateStreamReactor final
    : public grpc::ServerBidiReactor<v1::EvaluateRequest, v1::EvaluateResponse> {
 public:
  EvaluateStreamReactor(RetentionEngineService* service, grpc::CallbackServerContext* context)
      : service_(service), context_(context), start_(Clock::now()) {
    if (service_->wants_request_id()) id_ = request_id(*context_);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      std::lock_guard lock(mu_);
      reads_done_ = true;
      maybe_finish_locked();
      return;
    }
    if (deadline_passed(*context_)) {
      std::lock_guard lock(mu_);
      reads_done_ = true;
      finish_locked(deadline_exceeded());
      return;
    }
    std::unique_ptr<ArenaResponse> item;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        item = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!item) item = std::make_unique<ArenaResponse>();
    auto* response = item->get();
    const std::string item_id = id_.empty() ? std::string() : fmt::format("{}/{}", id_, count_);
    ++count_;
    grpc::Status status = service_->evaluate_one(request_, response, item_id);
    if (!status.ok()) {
      if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
        std::lock_guard lock(mu_);
        reads_done_ = true;
        finish_locked(status);
        return;
      }
      response->Clear();
      response->set_error(status.error_message());
    }
    std::lock_guard lock(mu_);
    if (finished_) return;
    queue_.push_back(std::move(item));
    if (!writing_) {
      writing_ = true;
      write_front_locked();
    }
    if (queue_.size() < kStreamWindow) {
      StartRead(&request_);
    } else {
      read_paused_ = true;
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    auto written = std::move(queue_.front());
    queue_.pop_front();
    writing_ = false;
    if (free_.size() < kStreamWindow) {
      written->reset();
      free_.push_back(std::move(written));
    }
    if (!ok) {
      // The client went away or the call was cancelled: nothing more can be written.
      reads_done_ = true;
      finish_locked(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
      return;
    }
    if (finished_) return;
    if (!queue_.empty()) {
      writing_ = true;
      write_front_locked();
    }
    if (read_paused_ && !reads_done_) {
      read_paused_ = false;
      StartRead(&request_);
    }
    maybe_finish_locked();
  }

  void OnDone() override {
    log_call("EvaluateStream", id_, final_status_, start_, fmt::format("{} profiles", count_));
    delete this;
  }

 private:
  void write_front_locked() { StartWrite(queue_.front()->get()); }

  void maybe_finish_locked() {
    if (reads_done_ && queue_.empty() && !writing_) finish_locked(grpc::Status::OK);
  }
  void finish_locked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    final_status_ = status;
    Finish(std::move(status));
  }

  RetentionEngineService* service_;
  grpc::CallbackServerContext* context_;
  Clock::time_point start_;
  std::string id_;
  std::uint64_t count_ = 0;      // touched by OnReadDone only (reads are serial)
  v1::EvaluateRequest request_;  // the read buffer

  std::mutex mu_;
  std::deque<std::unique_ptr<ArenaResponse>> queue_;  // front is being written when writing_
  std::vector<std::unique_ptr<ArenaResponse>> free_;  // written responses, for reuse
  bool writing_ = false;
  bool read_paused_ = false;
  bool reads_done_ = false;
  bool finished_ = false;
  grpc::Status final_status_;
};

}  // namespace

std::string request_id(const grpc::CallbackServerContext& context) {
  const auto& md = context.client_metadata();
  const auto it = md.find("x-request-id");
  if (it != md.end() && it->second.size() > 0 && it->second.size() <= kMaxRequestIdBytes) {
    return std::string(it->second.data(), it->second.size());
  }
  return new_request_id();
}

bool deadline_passed(const grpc::CallbackServerContext& context) {
  return context.deadline() <= std::chrono::system_clock::now();
}

RetentionEngineService::RetentionEngineService(ServiceConfig config) : config_(std::move(config)) {
  SetMessageAllocatorFor_EvaluateBatch(batch_arena_allocator());
  if (!config_.reload) {
    RuleStore* rules = config_.rules;
    config_.reload = [rules](std::string_view) { return rules->reload(); };
  }
}

bool RetentionEngineService::wants_request_id() const {
  return config_.decision_log != nullptr || log::enabled(spdlog::level::debug);
}

grpc::Status RetentionEngineService::evaluate_one(const v1::EvaluateRequest& request,
                                                  v1::EvaluateResponse* response,
                                                  std::string_view id) {
  const auto loaded = config_.rules->current();
  if (!loaded || !loaded->rules) return unavailable();
  auto status = handlers::evaluate(*loaded->rules, config_.stats.get(), request, response);
  if (status.ok() && config_.decision_log != nullptr) {
    config_.decision_log->write(id, loaded->rules->content_hash(), response->decision());
  }
  return status;
}

grpc::Status RetentionEngineService::evaluate_unary(const v1::EvaluateRequest& request,
                                                    grpc::ByteBuffer* response,
                                                    std::string_view id) {
  if (request.explain() || config_.decision_log != nullptr) {
    auto* message =
        google::protobuf::Arena::CreateMessage<v1::EvaluateResponse>(request.GetArena());
    auto status = evaluate_one(request, message, id);
    if (!status.ok()) return status;
    bool own_buffer = false;
    return grpc::SerializationTraits<v1::EvaluateResponse>::Serialize(*message, response,
                                                                      &own_buffer);
  }
  const auto loaded = config_.rules->current();
  if (!loaded || !loaded->rules) return unavailable();
  thread_local std::string wire;
  auto status = handlers::evaluate_wire(*loaded->rules, config_.stats.get(), request, &wire);
  if (!status.ok()) return status;
  grpc::Slice slice(wire);
  grpc::ByteBuffer bytes(&slice, 1);
  response->Swap(&bytes);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* RetentionEngineService::Evaluate(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request_bytes,
                                                           grpc::ByteBuffer* response) {
  auto* reactor = context->DefaultReactor();
  const auto start = Clock::now();
  // The request is parsed on a per-thread arena, emptied when the call is answered: the
  // handler runs to its end on this thread.
  thread_local InlineArena arena;
  auto* request = google::protobuf::Arena::CreateMessage<v1::EvaluateRequest>(&arena.get());
  grpc::ByteBuffer copy(*request_bytes);  // Deserialize consumes its buffer; this shares slices
  grpc::Status status = grpc::SerializationTraits<v1::EvaluateRequest>::Deserialize(&copy, request);
  const std::string id = wants_request_id() ? request_id(*context) : std::string();
  if (status.ok()) {
    status =
        deadline_passed(*context) ? deadline_exceeded() : evaluate_unary(*request, response, id);
  }
  log_call("Evaluate", id, status, start, request->profile().customer_id());
  reactor->Finish(std::move(status));
  arena.get().Reset();
  return reactor;
}

grpc::ServerBidiReactor<v1::EvaluateRequest, v1::EvaluateResponse>*
RetentionEngineService::EvaluateStream(grpc::CallbackServerContext* context) {
  return new EvaluateStreamReactor(this, context);
}

grpc::Status RetentionEngineService::evaluate_batch(const v1::EvaluateBatchRequest& request,
                                                    v1::EvaluateBatchResponse* response,
                                                    std::string_view log_prefix,
                                                    const grpc::CallbackServerContext& context) {
  if (auto status = handlers::check_batch(request, config_.max_batch); !status.ok()) {
    return status;
  }
  // One snapshot for the whole batch: its decisions all carry the same rule set.
  const auto loaded = config_.rules->current();
  if (!loaded || !loaded->rules) return unavailable();
  response->set_batch_id(request.batch_id());
  auto* results = response->mutable_results();
  results->Reserve(request.profiles_size());
  for (int i = 0; i < request.profiles_size(); ++i) {
    // A full batch takes milliseconds to decide: stop within it when nobody waits any more.
    if (i % kBatchCheckEvery == 0) {
      if (context.IsCancelled()) return {grpc::StatusCode::CANCELLED, "call cancelled"};
      if (deadline_passed(context)) return deadline_exceeded();
    }
    auto* result = results->Add();
    handlers::evaluate_into(*loaded->rules, config_.stats.get(), request.profiles(i),
                            request.explain(), request.view(), result);
    if (config_.decision_log != nullptr && result->error().empty()) {
      config_.decision_log->write(fmt::format("{}/{}", log_prefix, i),
                                  loaded->rules->content_hash(), result->decision());
    }
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* RetentionEngineService::EvaluateBatch(
    grpc::CallbackServerContext* context, const v1::EvaluateBatchRequest* request,
    v1::EvaluateBatchResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto start = Clock::now();
  const std::string id = wants_request_id() ? request_id(*context) : std::string();
  const std::string prefix =
      config_.decision_log == nullptr
          ? std::string()
          : fmt::format("{}/{}", id, request->batch_id().empty() ? "0" : request->batch_id());
  grpc::Status status = evaluate_batch(*request, response, prefix, *context);
  log_call("EvaluateBatch", id, status, start,
           fmt::format("{} profiles", request->profiles_size()));
  reactor->Finish(std::move(status));
  return reactor;
}

grpc::ServerBidiReactor<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse>*
RetentionEngineService::EvaluateBatches(grpc::CallbackServerContext* context) {
  return new_evaluate_batches_reactor(this, context);
}

grpc::ServerUnaryReactor* RetentionEngineService::GetRuleSet(grpc::CallbackServerContext* context,
                                                             const v1::GetRuleSetRequest*,
                                                             v1::GetRuleSetResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto start = Clock::now();
  const auto loaded = config_.rules->current();
  auto status = handlers::get_rule_set(loaded.get(), response);
  log_call("GetRuleSet", {}, status, start);
  reactor->Finish(std::move(status));
  return reactor;
}

grpc::ServerUnaryReactor* RetentionEngineService::ValidateRules(
    grpc::CallbackServerContext* context, const v1::ValidateRulesRequest* request,
    v1::ValidateRulesResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto start = Clock::now();
  auto status = deadline_passed(*context) ? deadline_exceeded()
                                          : handlers::validate_rules(*request, response);
  log_call("ValidateRules", {}, status, start);
  reactor->Finish(std::move(status));
  return reactor;
}

grpc::ServerUnaryReactor* RetentionEngineService::ReloadRules(grpc::CallbackServerContext* context,
                                                              const v1::ReloadRulesRequest*,
                                                              v1::ReloadRulesResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto status = handlers::authorize_admin(config_.admin_token, context->client_metadata());
  if (!status.ok()) {
    log::event(
        spdlog::level::warn, "admin_refused",
        {{"rpc", "ReloadRules"}, {"peer", context->peer()}, {"reason", status.error_message()}});
  } else {
    status = handlers::to_response(config_.reload("rpc"), response);
  }
  reactor->Finish(std::move(status));
  return reactor;
}

}  // namespace retain::service
