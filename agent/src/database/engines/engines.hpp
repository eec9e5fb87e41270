#pragma once
// The built-in database engines, one per file in this folder. Kinds without one (none,
// postgres and mysql for now) get the base Engine: the manifest's commands only.

#include "database/engine.hpp"

namespace bosun::agent::database::engines {

const Engine& sqlite_engine();

}  // namespace bosun::agent::database::engines
