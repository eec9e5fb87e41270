#pragma once
// Test support: the agent's folder namespaces (agent/src/<folder> is bosun::agent::<folder>)
// brought into bosun::agent for the tests, which exercise several folders at once. Only tests
// include this; the agent's own files name the namespace of what they use.

namespace bosun::agent {

namespace sys {}
namespace state {}
namespace supervise {}
namespace release {}
namespace database {}
namespace deploy {
namespace steps {}
}  // namespace deploy
namespace report {}
namespace api {}
namespace cli {}

using namespace sys;
using namespace state;
using namespace supervise;
using namespace release;
using namespace database;
using namespace deploy;
using namespace deploy::steps;
using namespace report;
using namespace api;
using namespace cli;

}  // namespace bosun::agent
