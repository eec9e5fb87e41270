#pragma once
// Exit codes shared by `bosun` and `bosun-agent` (documented in docs/CLI.md).

namespace bosun::exit_code {

inline constexpr int k_ok = 0;
inline constexpr int k_failed = 1;         // the operation ran and did not succeed
inline constexpr int k_invalid_input = 2;  // bad usage, bad manifest, unknown service: nothing ran

}  // namespace bosun::exit_code
