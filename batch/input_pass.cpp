#include "batch/input_pass.hpp"

#include <fmt/format.h>

#include "batch/pipeline.hpp"

namespace retain::batch {

std::string display_name(const std::string& path) {
  return path == "-" ? "stdin" : path;
}

bool needs_population_stats(const compile::RuleSet& rules) {
  for (const auto& t : rules.program().tiers) {
    if (t.ranked) return true;
  }
  return false;
}

std::optional<int> load_stats_for(const compile::RuleSet& rules, const std::string& path,
                                  bool quiet, StatsFile* file, std::ostream& err) {
  std::string error;
  if (!load_stats_file(path, file, &error)) {
    err << "retain: " << error << "\n";
    return 1;
  }
  for (const auto& t : rules.program().tiers) {
    if (t.ranked && !file->columns.count(t.id)) {
      err << fmt::format(
          "retain: {} has no values for the percentile tiers '{}'; compute it "
          "with `retain stats` and these rules\n",
          path, t.id);
      return 1;
    }
  }
  if (file->ruleset_hash != rules.content_hash() && !quiet) {
    err << fmt::format(
        "retain: warning: {} was computed with rule set {} {} ({}), not the "
        "loaded {} {} ({})\n",
        path, file->ruleset_name, file->ruleset_version, file->ruleset_hash.substr(0, 12),
        rules.name(), rules.version(), rules.content_hash().substr(0, 12));
  }
  return std::nullopt;
}

std::optional<int> open_pass(const InputOptions& in, const std::string& path, const PassOptions& o,
                             Pass* pass, std::ostream& err) {
  try {
    pass->bytes = std::make_unique<ByteSource>(path);
    if (!o.spill_to.empty()) pass->bytes->tee_to(o.spill_to);
    auto format = resolve_input_format(in, *pass->bytes, err);
    if (!format) return 1;
    pass->format = *format;
    pass->reader = std::make_unique<RecordReader>(*pass->bytes, *format, o.limits);
    if (*format == InputFormat::Csv) {
      std::uint64_t line = 1;
      auto text = pass->reader->read_header(&line);
      if (text) {
        std::string error;
        std::vector<std::string> ignored;
        pass->header = CsvHeader::parse(*text, in.ignore_unknown_columns, &error, &ignored,
                                        o.extra.empty() ? nullptr : &o.extra);
        if (!pass->header) {
          err << fmt::format("{}:{}: error: {}; {}\n", display_name(in.path), line, error,
                             o.nothing);
          return 1;
        }
        pass->header_text = *text;
        pass->header_line = line;
        if (!ignored.empty() && o.warn_ignored) {
          err << fmt::format("{}:{}: warning: ignoring unknown columns: {}\n",
                             display_name(in.path), line, fmt::join(ignored, ", "));
        }
      } else {
        pass->header = CsvHeader();  // empty input
      }
    }
  } catch (const IoError& e) {
    err << "retain: " << e.message << "\n";
    return 1;
  }
  return std::nullopt;
}

RowParser::RowParser(InputFormat format, const CsvHeader* header, JsonRowParser::Engine engine) {
  if (format == InputFormat::Csv) {
    csv = std::make_unique<CsvRowParser>(*header);
  } else {
    json = std::make_unique<JsonRowParser>(engine);
  }
}

bool RowParser::parse(const Chunk& c, const Record& r, v1::CustomerProfile* p, RowError* e) {
  if (csv) return csv->parse(c.text(r), p, e);
  return json->parse(c.text(r), c.data.size() - r.offset, p, e);
}

bool profile_of(RowParser& parser, const Chunk& chunk, const Record& r,
                v1::CustomerProfile* profile, Reject* reject) {
  RowError error;
  if (!parser.parse(chunk, r, profile, &error)) {
    *reject =
        Reject{r.line, std::move(error.field), std::move(error.reason), std::string(chunk.text(r))};
    return false;
  }
  if (auto problem = validate_profile(*profile)) {
    *reject = Reject{r.line, problem->field, problem->message, std::string(chunk.text(r))};
    return false;
  }
  return true;
}

RowReaderFn profile_reader(const Pass& pass, JsonRowParser::Engine engine) {
  auto parser =
      std::make_shared<RowParser>(pass.format, pass.header ? &*pass.header : nullptr, engine);
  return [parser](const Chunk& chunk, const Record& r, v1::CustomerProfile* profile) {
    Reject reject;
    return profile_of(*parser, chunk, r, profile, &reject);
  };
}

std::optional<int> stats_pass(const compile::RuleSet& rules, Pass& pass, unsigned threads,
                              const std::function<RowReaderFn()>& make_reader,
                              const PassProgress& progress, StatsFile* stats, std::ostream& err) {
  std::vector<std::unique_ptr<StatsBuilder>> builders;
  std::vector<RowReaderFn> readers;
  std::vector<v1::CustomerProfile> profiles(threads);
  std::vector<std::uint64_t> rows(threads, 0);
  for (unsigned w = 0; w < threads; ++w) {
    builders.push_back(std::make_unique<StatsBuilder>(rules));
    readers.push_back(make_reader());
  }
  std::uint64_t seen = 0;
  const auto result = run_pipeline(
      threads, 4 * threads + 4,
      [&](std::unique_ptr<Chunk> spare) { return pass.reader->next_chunk(std::move(spare)); },
      [&](Chunk& chunk, unsigned w) {
        for (const Record& r : chunk.records) {
          if (!readers[w](chunk, r, &profiles[w])) continue;
          builders[w]->add(profiles[w]);
          ++rows[w];
        }
      },
      [&](Chunk& chunk) {
        seen += chunk.records.size();
        if (progress.update) progress.update(seen, chunk.input_bytes_end);
        return true;
      });
  if (progress.clear) progress.clear();
  if (result.error) {
    err << "retain: " << result.error->message << "\n";
    return 1;
  }
  for (unsigned w = 1; w < threads; ++w) builders[0]->merge(*builders[w]);
  stats->columns = builders[0]->take_sorted_columns();
  stats->rows = 0;
  for (auto n : rows) stats->rows += n;
  stats->ruleset_name = rules.name();
  stats->ruleset_version = rules.version();
  stats->ruleset_hash = rules.content_hash();
  return std::nullopt;
}

}  // namespace retain::batch
