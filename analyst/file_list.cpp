#include "analyst/file_list.hpp"

#include <algorithm>

namespace retain::analyst {

namespace fs = std::filesystem;

std::vector<std::string> expand_paths(const std::vector<std::string>& paths, bool recursive,
                                      const FileFilter& wanted, std::vector<std::string>* missing) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      auto take = [&](const fs::directory_entry& entry) {
        if (entry.is_regular_file() && wanted(entry.path())) {
          found.push_back(entry.path().lexically_normal().generic_string());
        }
      };
      if (recursive) {
        for (const auto& entry : fs::recursive_directory_iterator(path, ec)) take(entry);
      } else {
        for (const auto& entry : fs::directory_iterator(path, ec)) take(entry);
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else if (missing) {
      missing->push_back(path);
    }
  }
  return files;
}

}  // namespace retain::analyst
