#include "database/engine.hpp"

#include "database/engines/engines.hpp"

namespace bosun::agent::database {

const Engine& engine_for(manifest::DatabaseKind kind) {
  static const Engine commands_only;
  switch (kind) {
    case manifest::DatabaseKind::sqlite:
      return engines::sqlite_engine();
    case manifest::DatabaseKind::postgres:
      return engines::postgres_engine();
    case manifest::DatabaseKind::mysql:
      return engines::mysql_engine();
    case manifest::DatabaseKind::none:
      break;
  }
  return commands_only;
}

}  // namespace bosun::agent::database
