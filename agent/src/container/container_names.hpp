#pragma once
// What bosun calls a service's containers and images, in one place: the build step tags what it
// builds, the service runs it, the prune step removes it, and a kill or a cleanup finds it.
//  - image built in a release: bosun-APP-SERVICE:RELEASE (every release keeps its own);
//  - container of an instance: bosun-APP-SERVICE-PID, PID the instance's own (its engine CLI,
//    which container-run became), with the label bosun.service=bosun-APP-SERVICE.

#include <sys/types.h>

#include <string>

namespace bosun::agent::container {

// bosun-APP-SERVICE, lowercased (image repositories are lowercase).
std::string service_prefix(const std::string& app, const std::string& service);
std::string built_image(const std::string& app, const std::string& service,
                        const std::string& release_id);
std::string container_name(const std::string& prefix, pid_t pid);
inline constexpr const char* k_service_label = "bosun.service";

}  // namespace bosun::agent::container
