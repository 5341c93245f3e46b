// Byte-level input and output for batch scoring: a reader over a file descriptor (file or
// stdin, optionally copying what it reads to a spill file), and an output that writes to a
// temporary file renamed into place only on commit(), so a failed run never leaves a partial
// file that looks whole. Neither type is thread-safe; each is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace retain::batch {

// Thrown for I/O failures (open, read, write, rename). Caught at the batch runner's boundary
// and turned into exit code 1; never crosses into cli/.
struct IoError {
  std::string message;
};

// Sequential reader of a file or of stdin ("-").
class ByteSource {
 public:
  explicit ByteSource(const std::string& path);  // "-" = stdin
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to n bytes; returns 0 at end of input. Throws IoError.
  std::size_t read(char* buffer, std::size_t n);
  // Reads ahead up to n bytes (fewer at the end) without consuming them: the next read()s
  // return them first. For sniffing the format of stdin. Throws IoError.
  std::string_view peek(std::size_t n);
  // Total size when known (a regular file), for progress percentages.
  std::optional<std::uint64_t> size() const { return size_; }
  const std::string& path() const { return path_; }
  bool is_stdin() const { return fd_ == 0; }

  // Everything read from now on is also written to this file (the spill of a two-pass run
  // over stdin). Throws IoError.
  void tee_to(const std::string& spill_path);

 private:
  std::size_t read_raw(char* buffer, std::size_t n);

  std::string path_;
  int fd_ = -1;
  int tee_fd_ = -1;
  std::string pending_;
  std::size_t pending_pos_ = 0;
  std::optional<std::uint64_t> size_;
};

// An output file written as PATH.tmp-PID-N and renamed to PATH by commit(). Destroying it
// without commit() removes the temporary file. "-" writes straight to the given stream.
class OutputFile {
 public:
  OutputFile(const std::string& path, std::ostream* stdout_stream);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);  // buffered; throws IoError
  void flush();
  void commit();  // flush, fsync-free close, rename into place; throws IoError
  const std::string& path() const { return path_; }
  bool is_stdout() const { return stream_ != nullptr; }
  std::uint64_t bytes_written() const { return bytes_; }

 private:
  void write_fd(std::string_view bytes);

  std::string path_;
  std::string temp_path_;
  std::ostream* stream_ = nullptr;
  int fd_ = -1;
  std::string buffer_;
  std::uint64_t bytes_ = 0;
  bool committed_ = false;
};

// A temporary file removed when this object dies (the spill of stdin).
class TempFile {
 public:
  explicit TempFile(const std::string& prefix);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads a whole (small) file; throws IoError.
std::string read_file(const std::string& path);
// Writes a whole file through a temporary file and rename; throws IoError.
void write_file_atomic(const std::string& path, std::string_view content);

// The lower-cased extension of a path without the dot ("csv" for "a/b.CSV"), or "".
std::string extension_of(const std::string& path);

}  // namespace retain::batch
