#include "core/host_layout.hpp"

namespace bosun::agent {

void HostLayout::create() const {
  std::filesystem::create_directories(logs());
  std::filesystem::create_directories(run_dir());
}

}  // namespace bosun::agent
