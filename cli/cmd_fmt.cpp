// retain fmt [-w|--check|-d] PATH...: the canonical text of rule files (analyst/fmt.hpp).
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "analyst/fmt.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_fmt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Format rule files canonically (prints to standard output by default).",
               "retain fmt"};
  std::vector<std::string> paths;
  bool write = false, check = false, diff = false;
  app.add_option("paths", paths, "Rule files or directories of *.rules; - for standard input")
      ->required();
  auto* w = app.add_flag("-w,--write", write, "Rewrite files in place (only those that change)");
  auto* c = app.add_flag("--check", check, "List files that are not canonical; exit 1 if any");
  auto* d = app.add_flag("-d,--diff", diff, "Show what formatting would change, as a diff");
  w->excludes(c)->excludes(d);
  c->excludes(d);
  if (auto code = parse_args(app, args, out, err)) return *code;

  // `retain fmt -` formats standard input to standard output (editors' format-on-save).
  if (paths.size() == 1 && paths[0] == "-") {
    if (write || check || diff) {
      err << "retain fmt: -w, --check and -d need files, not standard input\n";
      return kUsage;
    }
    auto text = read_input("-", err);
    if (!text) return kUsage;
    const auto result = analyst::format_rules("<stdin>", *text);
    if (result.status != analyst::FormatStatus::Ok) {
      if (!result.message.empty())
        err << "<stdin>: error: refusing to format: " << result.message << "\n";
      render_text(result.diagnostics, err);
      return kFailed;
    }
    out << result.formatted;
    return kOk;
  }
  std::vector<std::string> missing;
  const auto files = analyst::collect_rule_files(paths, &missing);
  for (const auto& m : missing) err << fmt::format("{}: no such file or directory\n", m);
  if (!missing.empty()) return kUsage;
  if (files.empty()) {
    err << "retain fmt: no .rules files\n";
    return kUsage;
  }

  // Every file is formatted and checked before anything is written: a syntax error anywhere
  // writes nothing.
  struct Item {
    std::string path;
    std::string text;
    analyst::FormatResult result;
  };
  std::vector<Item> items;
  bool failed = false;
  for (const auto& path : files) {
    auto text = read_input(path, err);
    if (!text) return kUsage;
    auto result = analyst::format_rules(path, *text);
    if (result.status == analyst::FormatStatus::SyntaxError) {
      render_text(result.diagnostics, err);
      failed = true;
    } else if (result.status == analyst::FormatStatus::MeaningChanged) {
      err << fmt::format("{}: error: refusing to format: {} (a formatter bug; please report it)\n",
                         path, result.message);
      render_text(result.diagnostics, err);
      failed = true;
    }
    items.push_back({path, std::move(*text), std::move(result)});
  }
  if (failed) return kFailed;

  int unformatted = 0;
  for (const auto& item : items) {
    if (check) {
      if (item.result.changed) {
        out << item.path << "\n";
        ++unformatted;
      }
    } else if (diff) {
      out << analyst::unified_diff(item.text, item.result.formatted, item.path + " (original)",
                                   item.path + " (formatted)");
    } else if (write) {
      if (!item.result.changed) continue;
      // Written beside the file, then renamed over it: a failed write leaves the original.
      const std::string temp = item.path + ".fmt-tmp";
      {
        std::ofstream file(temp, std::ios::binary | std::ios::trunc);
        file << item.result.formatted;
        if (!file.flush()) {
          err << fmt::format("{}: cannot write\n", temp);
          return kUsage;
        }
      }
      std::error_code ec;
      std::filesystem::rename(temp, item.path, ec);
      if (ec) {
        std::filesystem::remove(temp, ec);
        err << fmt::format("{}: cannot replace: {}\n", item.path, ec.message());
        return kUsage;
      }
      err << fmt::format("formatted {}\n", item.path);
    } else {
      out << item.result.formatted;
    }
  }
  if (check && unformatted > 0) {
    err << fmt::format("{} file{} not formatted; run `retain fmt -w`\n", unformatted,
                       unformatted == 1 ? " is" : "s are");
    return kUsage;
  }
  return kOk;
}

}  // namespace

RETAIN_COMMAND("fmt", "Format rule files canonically", run_fmt);

}  // namespace retain::cli
