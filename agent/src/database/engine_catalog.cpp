#include "database/engine.hpp"

#include "database/engines/engines.hpp"

namespace bosun::agent::database {

const Engine& engine_for(manifest::DatabaseKind kind) {
  static const Engine commands_only;
  switch (kind) {
    case manifest::DatabaseKind::sqlite:
      return engines::sqlite_engine();
    case manifest::DatabaseKind::none:
    case manifest::DatabaseKind::postgres:
    case manifest::DatabaseKind::mysql:
      break;
  }
  return commands_only;
}

}  // namespace bosun::agent::database
