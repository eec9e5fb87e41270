#pragma once
// JSON shapes of the agent API (documented in docs/AGENT.md).

#include <vector>

#include <Poco/JSON/Object.h>

#include "report/incident_diagnosis.hpp"
#include "state/journal.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::api {

Poco::JSON::Object::Ptr status_to_json(const std::vector<supervise::ServiceStatus>& services);
Poco::JSON::Object::Ptr events_to_json(const std::vector<state::JournalEvent>& events);
// {"unhealthy": [...], "shared": [{"what", "evidence", "services"}], "rollback_can_help"}
Poco::JSON::Object::Ptr diagnosis_to_json(const report::Diagnosis& diagnosis);

}  // namespace bosun::agent::api
