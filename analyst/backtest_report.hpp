// The report of `retain backtest`: Markdown or a self-contained HTML page for people, JSON for
// machines. Pure functions of a BacktestResult.
#pragma once

#include <string>

#include "analyst/backtest.hpp"

namespace retain::analyst {

std::string render_backtest_markdown(const BacktestResult& result);
std::string render_backtest_html(const BacktestResult& result);
// {"format":"retain.backtest","version":1,...}: docs/analyst.md, "Backtest".
std::string render_backtest_json(const BacktestResult& result);

}  // namespace retain::analyst
