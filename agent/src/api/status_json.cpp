#include "api/status_json.hpp"

#include <unistd.h>

#include <Poco/JSON/Array.h>

#include "sys/process.hpp"

namespace bosun::agent::api {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr status_to_json(const std::vector<supervise::ServiceStatus>& services) {
  Array::Ptr list = new Array;
  for (const supervise::ServiceStatus& service : services) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("name", service.name);
    entry->set("state", to_string(service.state));
    entry->set("pid", service.pid > 0 ? Poco::Dynamic::Var(service.pid) : Poco::Dynamic::Var());
    entry->set("adopted", service.adopted);
    entry->set("restarts", service.restarts);
    entry->set("instance", service.instance);
    entry->set("leaving", service.leaving);
    if (service.port != 0) {
      entry->set("port", service.port);  // deploy: proxy: the serving instance's own
    }
    entry->set("last_exit", service.last_exit);
    entry->set("last_exit_code", service.last_exit_code
                                     ? Poco::Dynamic::Var(*service.last_exit_code)
                                     : Poco::Dynamic::Var());
    entry->set("state_since_unix_ms", service.state_since_unix_ms);
    entry->set("started_unix_ms", service.started_unix_ms);
    entry->set("probe", service.probe);
    entry->set("probe_ok", service.probe_ok);
    entry->set("liveness_failures", service.liveness_failures);
    Array::Ptr depends = new Array;
    for (const std::string& name : service.depends_on) {
      depends->add(name);
    }
    entry->set("depends_on", depends);
    entry->set("log", service.log_path);
    Array::Ptr evidence = new Array;
    for (const std::string& line : service.evidence) {
      evidence->add(line);
    }
    entry->set("evidence", evidence);
    list->add(entry);
  }
  Object::Ptr agent = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  agent->set("pid", ::getpid());
  agent->set("rss_bytes", sys::resident_bytes(::getpid()));
  Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("agent", agent);
  body->set("services", list);
  return body;
}

Object::Ptr diagnosis_to_json(const report::Diagnosis& diagnosis) {
  const auto strings = [](const std::vector<std::string>& values) {
    Array::Ptr list = new Array;
    for (const std::string& value : values) {
      list->add(value);
    }
    return list;
  };
  Array::Ptr shared = new Array;
  for (const report::SharedFault& fault : diagnosis.shared) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("what", fault.what);
    entry->set("evidence", fault.evidence);
    entry->set("services", strings(fault.services));
    shared->add(entry);
  }
  Object::Ptr body = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("unhealthy", strings(diagnosis.unhealthy));
  body->set("shared", shared);
  body->set("rollback_can_help", diagnosis.rollback_can_help);
  return body;
}

Object::Ptr events_to_json(const std::vector<state::JournalEvent>& events) {
  Array::Ptr list = new Array;
  for (const state::JournalEvent& event : events) {
    Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    entry->set("id", event.id);
    entry->set("unix_ms", event.unix_ms);
    entry->set("service", event.service);
    entry->set("kind", event.kind);
    entry->set("detail", event.detail);
    list->add(entry);
  }
  Object::Ptr body = new Object;
  body->set("events", list);
  return body;
}

}  // namespace bosun::agent::api
