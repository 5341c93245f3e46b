#include "service/ordered_stream.hpp"

namespace retain::service {

void OrderedStreamReactor::OnReadDone(bool ok) {
  if (!ok) {
    std::lock_guard lock(mu_);
    reads_done_ = true;
    maybe_finish_locked();
    return;
  }
  // Outside the lock: deciding takes long, and writes of earlier responses go on meanwhile.
  grpc::Status status = answer(&request_, &response_);

  std::lock_guard lock(mu_);
  if (finished_) return;
  if (!status.ok()) {
    reads_done_ = true;
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      // The caller is owed the answers to its earlier requests first, then the refusal.
      pending_status_ = std::move(status);
      maybe_finish_locked();
    } else {
      finish_locked(std::move(status));
    }
    return;
  }
  // A copied slice: response_ keeps its capacity for the next request, and the bytes live as
  // long as gRPC holds the ByteBuffer, whatever the reactor does meanwhile.
  grpc::Slice slice(response_);
  queue_.emplace_back(&slice, 1);
  if (!writing_) {
    writing_ = true;
    write_front_locked();
  }
  if (queue_.size() < window_) {
    StartRead(&request_);
  } else {
    read_paused_ = true;
  }
}

void OrderedStreamReactor::OnWriteDone(bool ok) {
  std::lock_guard lock(mu_);
  queue_.pop_front();
  writing_ = false;
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

void OrderedStreamReactor::OnDone() {
  done(final_status_);
  delete this;
}

void OrderedStreamReactor::maybe_finish_locked() {
  if (reads_done_ && queue_.empty() && !writing_) finish_locked(pending_status_);
}

void OrderedStreamReactor::finish_locked(grpc::Status status) {
  if (finished_) return;
  finished_ = true;
  final_status_ = status;
  Finish(std::move(status));
}

}  // namespace retain::service
