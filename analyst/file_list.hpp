// Expands the paths given to an analyst verb into files: a directory contributes the files in
// it that match, sorted; a file is taken as given; anything else is reported as missing.
// Pure apart from reading directory listings; thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace retain::analyst {

using FileFilter = std::function<bool(const std::filesystem::path&)>;

std::vector<std::string> expand_paths(const std::vector<std::string>& paths, bool recursive,
                                      const FileFilter& wanted, std::vector<std::string>* missing);

}  // namespace retain::analyst
