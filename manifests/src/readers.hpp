#pragma once
// Internal: readers for each section of the manifest. Each reports its own problems and
// returns what it could read, so the loader can carry on and report everything at once.

#include <optional>

#include "bosun/manifest/model.hpp"
#include "bosun/manifest/node_reader.hpp"

namespace bosun::manifest::detail {

const std::vector<std::string>& check_kind_names();

// `http: {...}`, `tcp: {...}`, ... from a map that must hold exactly one check kind key.
std::optional<CheckSpec> read_check_from(ReadContext& context, const MapReader& map);
// A list element of verify.checks: a map with exactly one check kind key.
std::optional<CheckSpec> read_check(ReadContext& context, const Field& field);

enum class ProbeRole { readiness, liveness };
std::optional<ProbeSpec> read_probe(ReadContext& context, const Field& field, ProbeRole role);

std::optional<Service> read_service(ReadContext& context, const Field& field);
std::optional<ListenSpec> read_listen(ReadContext& context, const Field& field);
std::optional<ProxySpec> read_proxy(ReadContext& context, const Field& field);
std::optional<ContainerSpec> read_container(ReadContext& context, const Field& field);

std::vector<Stage> read_stages(ReadContext& context, const Field& field);
std::optional<SshSettings> read_ssh(ReadContext& context, const Field& field);
std::optional<Build> read_build(ReadContext& context, const Field& field);
std::optional<Database> read_database(ReadContext& context, const Field& field);
std::optional<Verify> read_verify(ReadContext& context, const Field& field);
std::optional<Requirements> read_requirements(ReadContext& context, const Field& field);

}  // namespace bosun::manifest::detail
