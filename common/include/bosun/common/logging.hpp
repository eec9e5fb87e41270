#pragma once
// One place that sets up spdlog for every binary: human-readable lines on stderr.

namespace bosun {

// verbosity 0: warnings and errors; 1 (-v): info; 2 (-vv): debug; 3+: trace.
void configure_logging(int verbosity);

}  // namespace bosun
