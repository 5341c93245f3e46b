// OrderedStreamReactor: the bidi stream reactor shared by EvaluateStream and EvaluateBatches.
// Requests and responses are raw bytes; a subclass turns each request into the bytes of its
// response (answer()), and this class writes the responses back in request order, reading at
// most `window` requests ahead of the writes.
// Thread-safe: gRPC runs the reactions on its threads; reads are serial, so answer() runs on
// one thread at a time, and the write queue is guarded by a mutex.
#pragma once

#include <deque>
#include <mutex>
#include <string>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/status.h>

namespace retain::service {

class OrderedStreamReactor : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  void OnReadDone(bool ok) final;
  void OnWriteDone(bool ok) final;
  void OnDone() final;

 protected:
  explicit OrderedStreamReactor(std::size_t window) : window_(window) {}
  ~OrderedStreamReactor() override = default;

  // Starts reading; call once, at the end of the subclass's constructor.
  void start() { StartRead(&request_); }

  // Answers the request just read: OK with the response's bytes in `response` (queued for
  // writing), INVALID_ARGUMENT to end the call with that status once the responses queued
  // before it are written, any other status to end the call at once (nothing more is written).
  virtual grpc::Status answer(grpc::ByteBuffer* request, std::string* response) = 0;
  // The call is over with `status`; the reactor is deleted right after.
  virtual void done(const grpc::Status& status) = 0;

 private:
  void write_front_locked() { StartWrite(&queue_.front()); }
  void maybe_finish_locked();
  void finish_locked(grpc::Status status);

  const std::size_t window_;
  grpc::ByteBuffer request_;  // the read buffer
  std::string response_;      // answer()'s output, copied into a slice; touched by reads only

  std::mutex mu_;
  std::deque<grpc::ByteBuffer> queue_;  // front is being written when writing_; deque: stable
  bool writing_ = false;
  bool read_paused_ = false;
  bool reads_done_ = false;
  bool finished_ = false;
  grpc::Status pending_status_;  // what to finish with once the queue is written
  grpc::Status final_status_;
};

}  // namespace retain::service
