#include "batch/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace retain::batch {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError{fmt::format("cannot write {}: {}", path, errno_text())};
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::atomic<int> temp_counter{0};

}  // namespace

ByteSource::ByteSource(const std::string& path) : path_(path) {
  if (path == "-") {
    fd_ = 0;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError{fmt::format("cannot open {}: {}", path, errno_text())};
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
#ifdef POSIX_FADV_SEQUENTIAL
  if (fd_ != 0) ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

ByteSource::~ByteSource() {
  if (fd_ > 0) ::close(fd_);
  if (tee_fd_ >= 0) ::close(tee_fd_);
}

void ByteSource::tee_to(const std::string& spill_path) {
  tee_fd_ = ::open(spill_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (tee_fd_ < 0) {
    throw IoError{fmt::format("cannot create spill file {}: {}", spill_path, errno_text())};
  }
}

std::string_view ByteSource::peek(std::size_t n) {
  std::string more(n, '\0');
  std::size_t have = 0;
  pending_.erase(0, pending_pos_);
  pending_pos_ = 0;
  while (pending_.size() + have < n) {
    const std::size_t got = read_raw(more.data() + have, n - pending_.size() - have);
    if (got == 0) break;
    have += got;
  }
  pending_.append(more.data(), have);
  return pending_;
}

std::size_t ByteSource::read(char* buffer, std::size_t n) {
  if (pending_pos_ < pending_.size()) {
    const std::size_t k = std::min(n, pending_.size() - pending_pos_);
    std::memcpy(buffer, pending_.data() + pending_pos_, k);
    pending_pos_ += k;
    return k;
  }
  return read_raw(buffer, n);
}

std::size_t ByteSource::read_raw(char* buffer, std::size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd_, buffer, n);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IoError{
          fmt::format("cannot read {}: {}", path_ == "-" ? "stdin" : path_, errno_text())};
    }
    if (tee_fd_ >= 0 && got > 0) {
      write_all(tee_fd_, std::string_view(buffer, static_cast<std::size_t>(got)), "spill file");
    }
    return static_cast<std::size_t>(got);
  }
}

OutputFile::OutputFile(const std::string& path, std::ostream* stdout_stream) : path_(path) {
  if (path == "-") {
    stream_ = stdout_stream;
    return;
  }
  temp_path_ = fmt::format("{}.tmp-{}-{}", path, ::getpid(), temp_counter.fetch_add(1));
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError{fmt::format("cannot create {}: {}", temp_path_, errno_text())};
  buffer_.reserve(1 << 20);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void OutputFile::write_fd(std::string_view bytes) {
  if (stream_ != nullptr) {
    stream_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!*stream_) throw IoError{"cannot write to standard output"};
    return;
  }
  write_all(fd_, bytes, temp_path_);
}

void OutputFile::write(std::string_view bytes) {
  bytes_ += bytes.size();
  // A chunk of decisions (tens to hundreds of KB) goes out as it is: copying it into the
  // buffer first cost the consuming thread more than the write itself.
  constexpr std::size_t kDirect = 64 << 10;
  if (bytes.size() >= kDirect || buffer_.size() + bytes.size() > (1 << 20)) {
    if (!buffer_.empty()) {
      write_fd(buffer_);
      buffer_.clear();
    }
    if (bytes.size() >= kDirect) {
      write_fd(bytes);
      return;
    }
  }
  buffer_.append(bytes);
}

void OutputFile::flush() {
  if (!buffer_.empty()) {
    write_fd(buffer_);
    buffer_.clear();
  }
  if (stream_ != nullptr) stream_->flush();
}

void OutputFile::commit() {
  flush();
  if (stream_ != nullptr) {
    committed_ = true;
    return;
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw IoError{fmt::format("cannot write {}: {}", temp_path_, errno_text())};
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw IoError{fmt::format("cannot rename {} to {}: {}", temp_path_, path_, errno_text())};
  }
  committed_ = true;
}

TempFile::TempFile(const std::string& prefix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = fmt::format("{}/{}-XXXXXX", dir != nullptr && *dir ? dir : "/tmp", prefix);
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0)
    throw IoError{fmt::format("cannot create a temporary file {}: {}", pattern, errno_text())};
  ::close(fd);
  path_ = pattern;
}

TempFile::~TempFile() {
  ::unlink(path_.c_str());
}

std::string read_file(const std::string& path) {
  ByteSource source(path);
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const std::size_t n = source.read(buffer, sizeof buffer);
    if (n == 0) break;
    text.append(buffer, n);
  }
  return text;
}

void write_file_atomic(const std::string& path, std::string_view content) {
  OutputFile file(path, nullptr);
  file.write(content);
  file.commit();
}

std::string extension_of(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext.empty()) return {};
  std::string lower = ext.substr(1);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

}  // namespace retain::batch
