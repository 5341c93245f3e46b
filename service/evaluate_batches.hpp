// EvaluateBatches: the reactor of a stream of batches. A batch is decided as it arrives
// (RetentionEngineService::evaluate_batch_bytes) and the responses are written back in order,
// reading a few batches ahead of the writes.
// Thread-safe: one reactor per call.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include "retain/v1/service.grpc.pb.h"

namespace retain::service {

class RetentionEngineService;

// Deletes itself when the call is done.
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* new_evaluate_batches_reactor(
    RetentionEngineService* service, grpc::CallbackServerContext* context);

}  // namespace retain::service
