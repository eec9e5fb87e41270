#pragma once
// The built-in database engines, one per file in this folder. A kind without one (none) gets
// the base Engine: the manifest's commands only.

#include "database/engine.hpp"

namespace bosun::agent::database::engines {

const Engine& sqlite_engine();
const Engine& postgres_engine();
const Engine& mysql_engine();

}  // namespace bosun::agent::database::engines
