#pragma once
// The naming rules shared by manifests, the agent and the controller.

#include <string_view>

namespace bosun {

// App, service, stage and release-step names: [a-z0-9][a-z0-9_-]{0,63}.
[[nodiscard]] bool is_valid_name(std::string_view name);

// Environment variable names: [A-Za-z_][A-Za-z0-9_]*, at most 255 characters.
[[nodiscard]] bool is_valid_env_name(std::string_view name);

}  // namespace bosun
