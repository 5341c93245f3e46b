// The human-readable run report: Markdown or a self-contained HTML page (no scripts, inline
// CSS) built from a Summary. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "batch/summary.hpp"

namespace retain::batch {

struct ReportInfo {
  std::string ruleset_name, ruleset_version, ruleset_hash;
  std::string input, output, rejects_path;
  std::string stats_source;  // "computed from the input (two passes)", "stats.json", "none"
  std::string shard;         // "" or "2/8"
  unsigned threads = 1;
  double seconds = 0;
  std::string finished_at;  // UTC, ISO 8601
};

std::string render_report_markdown(const Summary& summary, const ReportInfo& info);

// Text made safe inside HTML elements and double-quoted attributes (& < > ").
std::string html_escape(std::string_view s);
std::string render_report_html(const Summary& summary, const ReportInfo& info);

}  // namespace retain::batch
