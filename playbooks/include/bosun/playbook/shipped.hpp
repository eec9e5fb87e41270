#pragma once
// The playbooks shipped with bosun (playbooks/deploy.yaml and rollback.yaml), compiled in:
// what `bosun-agent deploy` runs when no playbook file is given.

#include <string_view>

namespace bosun::playbook {

std::string_view shipped_deploy_playbook();
std::string_view shipped_rollback_playbook();

}  // namespace bosun::playbook
