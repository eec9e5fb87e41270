#include "host/release_list.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace bosun::controller::host {

std::vector<ReleaseEntry> parse_release_list(const std::string& json) {
  Poco::JSON::Parser parser;
  const auto list = parser.parse(json).extract<Poco::JSON::Object::Ptr>()->getArray("releases");
  std::vector<ReleaseEntry> releases;
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const auto release = list->getObject(static_cast<unsigned>(i));
    ReleaseEntry entry;
    entry.id = release->optValue<std::string>("id", "");
    entry.commit = release->optValue<std::string>("commit", "");
    entry.state = release->optValue<std::string>("state", "");
    entry.current = release->optValue<bool>("current", false);
    entry.restored_backup = release->optValue<std::string>("restored_backup", "");
    if (release->has("verified_unix_ms") && !release->isNull("verified_unix_ms")) {
      entry.verified_unix_ms = release->getValue<std::int64_t>("verified_unix_ms");
    }
    releases.push_back(std::move(entry));
  }
  return releases;
}

}  // namespace bosun::controller::host
