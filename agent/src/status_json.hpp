#pragma once
// JSON shapes of the agent API (documented in docs/AGENT.md).

#include <vector>

#include <Poco/JSON/Object.h>

#include "journal.hpp"
#include "supervisor.hpp"

namespace bosun::agent {

Poco::JSON::Object::Ptr status_to_json(const std::vector<ServiceStatus>& services);
Poco::JSON::Object::Ptr events_to_json(const std::vector<JournalEvent>& events);

}  // namespace bosun::agent
