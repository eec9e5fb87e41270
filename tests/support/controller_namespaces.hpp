#pragma once
// Test support: the controller's folder namespaces (controller/src/<folder> is
// bosun::controller::<folder>) brought into bosun::controller for the tests. Only tests include
// this; the controller's own files name the namespace of what they use.

namespace bosun::controller {

namespace cli {}
namespace fleet {}
namespace host {}
namespace transport {}
namespace setup {}
namespace project {}

using namespace cli;
using namespace fleet;
using namespace host;
using namespace transport;
using namespace setup;
using namespace project;

}  // namespace bosun::controller
