// EvaluateBatches: the reactor of a stream of batches, and the arena allocator of the unary
// EvaluateBatch. A batch is decided as it arrives (RetentionEngineService::evaluate_batch) and the
// responses are written back in order, reading a few batches ahead of the writes.
// Thread-safe: one reactor per call; the allocator is stateless.
#pragma once

#include <grpcpp/support/message_allocator.h>

#include "retain/v1/service.grpc.pb.h"

namespace retain::service {

class RetentionEngineService;

// Deletes itself when the call is done.
grpc::ServerBidiReactor<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse>*
new_evaluate_batches_reactor(RetentionEngineService* service, grpc::CallbackServerContext* context);

// EvaluateBatch's request and response on one arena per call; shared, never null.
grpc::MessageAllocator<v1::EvaluateBatchRequest, v1::EvaluateBatchResponse>*
batch_arena_allocator();

}  // namespace retain::service
