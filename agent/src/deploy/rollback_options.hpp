#pragma once
// What a rollback was asked, as the run journal keeps it ("db=down window=0s force to=v1.2")
// so that a new agent can finish a rollback the old one was killed in: one codec both ways.

#include <string>

#include "deploy/deploy_engine.hpp"

namespace bosun::agent::deploy {

std::string encode_rollback_options(const RollbackRequest& request);
// The db mode, force and target read back (unknown words are ignored: an older agent's text).
RollbackRequest decode_rollback_options(const std::string& text);

}  // namespace bosun::agent::deploy
