// Source text of one rule file and byte-offset spans into it.
// SourceFile is immutable after construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace retain {

// Half-open byte range [begin, end) into a SourceFile's text.
struct Span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// 1-based line and column; column counts UTF-8 code points, as editors do.
struct Location {
  int line = 1;
  int column = 1;
};

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  Location location(std::uint32_t offset) const;
  // The text of the 1-based line, without its line break.
  std::string_view line_text(int line) const;
  std::string_view slice(Span span) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

using SourcePtr = std::shared_ptr<const SourceFile>;

}  // namespace retain
