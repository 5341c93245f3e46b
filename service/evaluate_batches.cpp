#include "service/evaluate_batches.hpp"

#include <string>

#include <grpcpp/support/proto_buffer_reader.h>

#include <fmt/format.h>

#include "service/call_log.hpp"
#include "service/ordered_stream.hpp"
#include "service/retention_engine_service.hpp"

namespace retain::service {

namespace {

// Batches decided ahead of the one being written. Each may be a thousand full decisions
// (~3.6 MB of bytes), so the window is short: enough to overlap deciding with writing.
constexpr std::size_t kBatchWindow = 4;

// One batch per message, answered in order (OrderedStreamReactor). A batch refused as a whole
// (INVALID_ARGUMENT) ends the call once the batches before it are written, so the caller sees
// every answer it was owed and then the status.
class EvaluateBatchesReactor final : public OrderedStreamReactor {
 public:
  EvaluateBatchesReactor(RetentionEngineService* service, grpc::CallbackServerContext* context)
      : OrderedStreamReactor(kBatchWindow),
        service_(service),
        context_(context),
        start_(CallClock::now()) {
    if (service_->wants_request_id()) id_ = request_id(*context_);
    start();
  }

 private:
  grpc::Status answer(grpc::ByteBuffer* bytes, std::string* response) override {
    auto status =
        grpc::SerializationTraits<v1::EvaluateBatchRequest>::Deserialize(bytes, &request_);
    if (!status.ok()) return status;
    std::string prefix;
    if (service_->config().decision_log != nullptr) {
      prefix = request_.batch_id().empty() ? fmt::format("{}/{}", id_, batches_)
                                           : fmt::format("{}/{}", id_, request_.batch_id());
    }
    ++batches_;
    profiles_ += static_cast<std::uint64_t>(request_.profiles_size());
    return service_->evaluate_batch_bytes(request_, response, prefix, *context_);
  }

  void done(const grpc::Status& status) override {
    log_call("EvaluateBatches", id_, status, start_,
             fmt::format("{} profiles in {} batches", profiles_, batches_));
  }

  RetentionEngineService* service_;
  grpc::CallbackServerContext* context_;
  CallClock::time_point start_;
  std::string id_;
  std::uint64_t batches_ = 0;   // touched by answer() only (reads are serial)
  std::uint64_t profiles_ = 0;  // likewise
  // Parsed into again for every batch: parsing clears it and reuses its profiles.
  v1::EvaluateBatchRequest request_;
};

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* new_evaluate_batches_reactor(
    RetentionEngineService* service, grpc::CallbackServerContext* context) {
  return new EvaluateBatchesReactor(service, context);
}

}  // namespace retain::service
