// Structured service logs over spdlog: one event per line, as `event=start key=value ...` (text)
// or `{"time":...,"level":...,"event":"start","key":"value"}` (json). Thread-safe (spdlog's
// default logger is); configure() is meant to be called once, before the server starts.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

namespace retain::service::log {

using Field = std::pair<std::string_view, std::string>;

// Sets the default logger's level and format ("text" or "json"); returns false (and changes
// nothing) for an unknown level or format.
bool configure(std::string_view level, std::string_view format);

// Renders and writes one event. Fields keep their order; values are quoted as needed.
void event(spdlog::level::level_enum level, std::string_view name,
           std::initializer_list<Field> fields);

inline bool enabled(spdlog::level::level_enum level) {
  return spdlog::should_log(level);
}

// The rendering alone, for tests: text `event=NAME k=v ...` or a JSON object body.
std::string render(std::string_view name, std::initializer_list<Field> fields, bool json);

}  // namespace retain::service::log
