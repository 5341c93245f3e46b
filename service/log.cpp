#include "service/log.hpp"

#include <atomic>

#include <spdlog/sinks/stdout_sinks.h>

#include "engine/json_text.hpp"

namespace retain::service::log {

namespace {

std::atomic<bool> g_json{false};

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t' || c == '\\') return true;
  }
  return false;
}

}  // namespace

bool configure(std::string_view level, std::string_view format) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to off; accept "off" only when asked for.
  if (lvl == spdlog::level::off && level != "off") return false;
  if (format != "text" && format != "json") return false;
  auto logger =
      std::make_shared<spdlog::logger>("retain", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(lvl);
  g_json = (format == "json");
  if (g_json) {
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                        spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  }
  return true;
}

std::string render(std::string_view name, std::initializer_list<Field> fields, bool json) {
  std::string out;
  out.reserve(64);
  if (json) {
    out += "\"event\":";
    out += json_quote(name);
    for (const auto& [k, v] : fields) {
      out += ',';
      out += json_quote(k);
      out += ':';
      out += json_quote(v);
    }
  } else {
    out += "event=";
    out += name;
    for (const auto& [k, v] : fields) {
      out += ' ';
      out += k;
      out += '=';
      if (needs_quotes(v)) {
        out += json_quote(v);
      } else {
        out += v;
      }
    }
  }
  return out;
}

void event(spdlog::level::level_enum level, std::string_view name,
           std::initializer_list<Field> fields) {
  if (!spdlog::should_log(level)) return;
  spdlog::log(level, "{}", render(name, fields, g_json.load(std::memory_order_relaxed)));
}

}  // namespace retain::service::log
