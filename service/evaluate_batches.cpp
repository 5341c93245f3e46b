#include "service/evaluate_batches.hpp"

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <google/protobuf/arena.h>

#include <fmt/format.h>

#include "service/call_log.hpp"
#include "service/retention_engine_service.hpp"

namespace retain::service {

namespace {

// Batches decided ahead of the one being written. Each may hold a thousand full decisions
// (~10 MB of message memory), so the window is short: enough to overlap deciding with writing.
constexpr std::size_t kBatchWindow = 4;

// A batch of decisions is megabytes of small strings and maps: growing arena blocks up to 1 MB
// make that a dozen mallocs instead of tens of thousands.
google::protobuf::ArenaOptions batch_arena_options() {
  google::protobuf::ArenaOptions o;
  o.start_block_size = 64 * 1024;
  o.max_block_size = 1024 * 1024;
  return o;
}

// One EvaluateBatches response on its own arena, reset and reused for a later batch.
class BatchResponse {
 public:
  BatchResponse() : arena_(batch_arena_options()) { make(); }
  v1::EvaluateBatchResponse* get() { return response_; }
  void reset() {
    arena_.Reset();
    make();
  }

 private:
  void make() {
    response_ = google::protobuf::Arena::CreateMessage<v1::EvaluateBatchResponse>(&arena_);
  }
  google::protobuf::Arena arena_;
  v1::EvaluateBatchResponse* response_ = nullptr;
};

class BatchArenaAllocator final
    : public grpc::MessageAllocator<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse> {
  class Holder final
      : public grpc::MessageHolder<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse> {
   public:
    Holder() : arena_(batch_arena_options()) {
      set_request(google::protobuf::Arena::CreateMessage<v1::EvaluateBatchRequest>(&arena_));
      set_response(google::protobuf::Arena::CreateMessage<v1::EvaluateBatchResponse>(&arena_));
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;
  };

 public:
  grpc::MessageHolder<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse>* AllocateMessages()
      override {
    return new Holder();
  }
};

// Reads run one at a time, so batches are decided in arrival order and queued; the queue is
// written front to back, and reading pauses while it is full. A batch refused as a whole
// (INVALID_ARGUMENT) ends the call once the batches before it are written, so the caller sees
// every answer it was owed and then the status.
class EvaluateBatchesReactor final
    : public grpc::ServerBidiReactor<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse> {
 public:
  EvaluateBatchesReactor(RetentionEngineService* service, grpc::CallbackServerContext* context)
      : service_(service), context_(context), start_(CallClock::now()) {
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
    std::unique_ptr<BatchResponse> item;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        item = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!item) item = std::make_unique<BatchResponse>();
    std::string prefix;
    if (service_->config().decision_log != nullptr) {
      prefix = request_.batch_id().empty() ? fmt::format("{}/{}", id_, batches_)
                                           : fmt::format("{}/{}", id_, request_.batch_id());
    }
    ++batches_;
    profiles_ += static_cast<std::uint64_t>(request_.profiles_size());
    grpc::Status status = service_->evaluate_batch(request_, item->get(), prefix, *context_);

    std::lock_guard lock(mu_);
    if (finished_) return;
    if (!status.ok()) {
      reads_done_ = true;
      if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        pending_status_ = std::move(status);
        maybe_finish_locked();
      } else {
        finish_locked(std::move(status));
      }
      return;
    }
    queue_.push_back(std::move(item));
    if (!writing_) {
      writing_ = true;
      write_front_locked();
    }
    if (queue_.size() < kBatchWindow) {
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
    if (free_.size() < kBatchWindow) {
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
    log_call("EvaluateBatches", id_, final_status_, start_,
             fmt::format("{} profiles in {} batches", profiles_, batches_));
    delete this;
  }

 private:
  void write_front_locked() { StartWrite(queue_.front()->get()); }

  void maybe_finish_locked() {
    if (reads_done_ && queue_.empty() && !writing_) finish_locked(pending_status_);
  }
  void finish_locked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    final_status_ = status;
    Finish(std::move(status));
  }

  RetentionEngineService* service_;
  grpc::CallbackServerContext* context_;
  CallClock::time_point start_;
  std::string id_;
  std::uint64_t batches_ = 0;         // touched by OnReadDone only (reads are serial)
  std::uint64_t profiles_ = 0;        // likewise
  v1::EvaluateBatchRequest request_;  // the read buffer; its cleared profiles are reused

  std::mutex mu_;
  std::deque<std::unique_ptr<BatchResponse>> queue_;  // front is being written when writing_
  std::vector<std::unique_ptr<BatchResponse>> free_;  // written responses, for reuse
  bool writing_ = false;
  bool read_paused_ = false;
  bool reads_done_ = false;
  bool finished_ = false;
  grpc::Status pending_status_;  // what to finish with once the queue is written
  grpc::Status final_status_;
};

BatchArenaAllocator g_batch_allocator;  // stateless; shared by every service instance

}  // namespace

grpc::ServerBidiReactor<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse>*
new_evaluate_batches_reactor(RetentionEngineService* service,
                             grpc::CallbackServerContext* context) {
  return new EvaluateBatchesReactor(service, context);
}

grpc::MessageAllocator<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse>*
batch_arena_allocator() {
  return &g_batch_allocator;
}

}  // namespace retain::service
