#include "service/retention_engine_service.hpp"

#include <chrono>
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
#include "service/ordered_stream.hpp"

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
// The largest EvaluateBatch response buffer a thread keeps for the next call (a few hundred
// full decisions).
constexpr std::size_t kKeepWireBytes = 1024 * 1024;

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

// A batch of decisions built as messages is megabytes of small strings and maps: growing arena
// blocks up to 1 MB make that a dozen mallocs instead of tens of thousands.
google::protobuf::ArenaOptions batch_arena_options() {
  google::protobuf::ArenaOptions o;
  o.start_block_size = 64 * 1024;
  o.max_block_size = 1024 * 1024;
  return o;
}

// A request parsed from `bytes` into a message on `arena`. Deserialize consumes the buffer it is
// given, so it gets a copy (which shares the slices).
template <typename Request>
Request* parse_on(google::protobuf::Arena& arena, const grpc::ByteBuffer& bytes,
                  grpc::Status* status) {
  auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  grpc::ByteBuffer copy(bytes);
  *status = grpc::SerializationTraits<Request>::Deserialize(&copy, request);
  return request;
}

// `bytes` as the response, in a copied slice: `bytes` keeps its capacity for the next call.
void set_response_bytes(const std::string& bytes, grpc::ByteBuffer* response) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer buffer(&slice, 1);
  response->Swap(&buffer);
}

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

// EvaluateStream: one reactor per call; one profile per message, answered in order
// (OrderedStreamReactor). A refused profile is answered with `error` and the stream goes on.
class EvaluateStreamReactor final : public OrderedStreamReactor {
 public:
  EvaluateStreamReactor(RetentionEngineService* service, grpc::CallbackServerContext* context)
      : OrderedStreamReactor(kStreamWindow),
        service_(service),
        context_(context),
        start_(Clock::now()) {
    if (service_->wants_request_id()) id_ = request_id(*context_);
    start();
  }

 private:
  grpc::Status answer(grpc::ByteBuffer* bytes, std::string* response) override {
    if (deadline_passed(*context_)) return deadline_exceeded();
    // Parsed on a per-thread arena emptied before returning: answer() runs to its end on
    // this thread, and the response leaves as bytes.
    thread_local InlineArena arena;
    auto* request = google::protobuf::Arena::CreateMessage<v1::EvaluateRequest>(&arena.get());
    grpc::Status status =
        grpc::SerializationTraits<v1::EvaluateRequest>::Deserialize(bytes, request);
    if (status.ok()) {
      const std::string item_id = id_.empty() ? std::string() : fmt::format("{}/{}", id_, count_);
      ++count_;
      status = service_->evaluate_streamed(*request, response, item_id);
    }
    arena.get().Reset();
    return status;
  }

  void done(const grpc::Status& status) override {
    log_call("EvaluateStream", id_, status, start_, fmt::format("{} profiles", count_));
  }

  RetentionEngineService* service_;
  grpc::CallbackServerContext* context_;
  Clock::time_point start_;
  std::string id_;
  std::uint64_t count_ = 0;  // touched by answer() only (reads are serial)
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

grpc::Status RetentionEngineService::evaluate_streamed(const v1::EvaluateRequest& request,
                                                       std::string* response, std::string_view id) {
  if (request.explain() || config_.decision_log != nullptr) {
    v1::EvaluateResponse local;
    auto* message =
        request.GetArena() == nullptr
            ? &local
            : google::protobuf::Arena::CreateMessage<v1::EvaluateResponse>(request.GetArena());
    auto status = evaluate_one(request, message, id);
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      handlers::error_response_wire(status.error_message(), response);
      return grpc::Status::OK;
    }
    if (status.ok()) message->SerializeToString(response);
    return status;
  }
  const auto loaded = config_.rules->current();
  if (!loaded || !loaded->rules) return unavailable();
  auto status = handlers::evaluate_wire(*loaded->rules, config_.stats.get(), request, response);
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    handlers::error_response_wire(status.error_message(), response);
    return grpc::Status::OK;
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
  set_response_bytes(wire, response);
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
  grpc::Status status;
  auto* request = parse_on<v1::EvaluateRequest>(arena.get(), *request_bytes, &status);
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

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* RetentionEngineService::EvaluateStream(
    grpc::CallbackServerContext* context) {
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
                            handlers::ask_of(request), result);
    if (config_.decision_log != nullptr && result->error().empty()) {
      config_.decision_log->write(fmt::format("{}/{}", log_prefix, i),
                                  loaded->rules->content_hash(), result->decision());
    }
  }
  return grpc::Status::OK;
}

grpc::Status RetentionEngineService::evaluate_batch_bytes(
    const v1::EvaluateBatchRequest& request, std::string* response, std::string_view log_prefix,
    const grpc::CallbackServerContext& context) {
  response->clear();
  if (request.explain() || config_.decision_log != nullptr) {
    google::protobuf::Arena arena(batch_arena_options());
    auto* message = google::protobuf::Arena::CreateMessage<v1::EvaluateBatchResponse>(&arena);
    auto status = evaluate_batch(request, message, log_prefix, context);
    if (status.ok()) message->SerializeToString(response);
    return status;
  }
  if (auto status = handlers::check_batch(request, config_.max_batch); !status.ok()) {
    return status;
  }
  // As evaluate_batch(): one snapshot, and a look at the call every kBatchCheckEvery profiles.
  const auto loaded = config_.rules->current();
  if (!loaded || !loaded->rules) return unavailable();
  for (int i = 0; i < request.profiles_size(); ++i) {
    if (i % kBatchCheckEvery == 0) {
      if (context.IsCancelled()) return {grpc::StatusCode::CANCELLED, "call cancelled"};
      if (deadline_passed(context)) return deadline_exceeded();
    }
    handlers::append_result_wire(*loaded->rules, config_.stats.get(), request.profiles(i),
                                 handlers::ask_of(request), response);
  }
  handlers::append_batch_id_wire(request.batch_id(), response);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* RetentionEngineService::EvaluateBatch(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response) {
  auto* reactor = context->DefaultReactor();
  const auto start = Clock::now();
  // As Evaluate: the request on a per-thread arena, emptied once the call is answered.
  thread_local InlineArena arena;
  grpc::Status status;
  auto* request = parse_on<v1::EvaluateBatchRequest>(arena.get(), *request_bytes, &status);
  const std::string id = wants_request_id() ? request_id(*context) : std::string();
  if (status.ok()) {
    const std::string prefix =
        config_.decision_log == nullptr
            ? std::string()
            : fmt::format("{}/{}", id, request->batch_id().empty() ? "0" : request->batch_id());
    thread_local std::string wire;
    status = evaluate_batch_bytes(*request, &wire, prefix, *context);
    if (status.ok()) set_response_bytes(wire, response);
    // A thousand full decisions are megabytes: no gRPC thread keeps that much for good.
    if (wire.capacity() > kKeepWireBytes) std::string().swap(wire);
  }
  log_call("EvaluateBatch", id, status, start,
           fmt::format("{} profiles", request->profiles_size()));
  reactor->Finish(std::move(status));
  arena.get().Reset();
  return reactor;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
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
