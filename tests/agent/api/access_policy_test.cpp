// Who may drive the agent and how far: root and the agent's user fully, the --api-group's
// members within an allow-list (no paths, sockets, repositories or playbooks of their own),
// anyone else not at all; another root is refused for everyone.
#include "api/access_policy.hpp"

#include <gtest/gtest.h>

namespace bosun::agent::api {
namespace {

AccessPolicy group_policy() {
  AccessPolicy policy;
  policy.agent_uid = 1000;
  policy.group = 2000;
  policy.group_name = "deploy";
  return policy;
}

TEST(AccessPolicy, RootTheAgentsUserAndTheGroupsMembersOnly) {
  const AccessPolicy policy = group_policy();
  EXPECT_EQ(policy.access_of({1, 0, 0, {}}), PeerAccess::full);
  EXPECT_EQ(policy.access_of({1, 1000, 1000, {}}), PeerAccess::full);
  EXPECT_EQ(policy.access_of({1, 1001, 2000, {}}), PeerAccess::limited);         // primary group
  EXPECT_EQ(policy.access_of({1, 1001, 1001, {4, 2000}}), PeerAccess::limited);  // supplementary
  EXPECT_EQ(policy.access_of({1, 1001, 1001, {4, 27}}), PeerAccess::refused);
  AccessPolicy owner;
  owner.agent_uid = 1000;
  EXPECT_EQ(owner.access_of({1, 1001, 2000, {2000}}), PeerAccess::refused);
  EXPECT_EQ(owner.refusal({1, 1001, 1001, {}}),
            "uid 1001 may not drive this agent: root, uid 1000 (its own user) may (bosun-agent "
            "run --api-group NAME widens it; docs/SECURITY.md)");
}

TEST(AccessPolicy, ASessionRequestForAnotherRootIsRefusedForEveryone) {
  const std::string root = "/srv/bosun/shop";
  EXPECT_EQ(session_refusal({"status", "--root", root, "--json"}, PeerAccess::full, root), "");
  EXPECT_EQ(session_refusal({"status", "--root=" + root + "/"}, PeerAccess::full, root), "");
  EXPECT_EQ(session_refusal({"lock", "acquire", "--root", "/etc/x"}, PeerAccess::full, root),
            "--root /etc/x: this agent serves /srv/bosun/shop only");
  EXPECT_EQ(session_refusal({"lock", "acquire", "-r", "/tmp/y"}, PeerAccess::limited, root),
            "--root /tmp/y: this agent serves /srv/bosun/shop only");
  EXPECT_NE(session_refusal({"status"}, PeerAccess::refused, root), "");
}

TEST(AccessPolicy, TheGroupGetsTheDeployersCommandsWithoutPathsOfItsOwn) {
  const std::string root = "/srv/bosun/shop";
  const auto limited = [&](std::vector<std::string> args) {
    return session_refusal(args, PeerAccess::limited, root);
  };
  EXPECT_EQ(limited({"deploy", "--root", root, "--commit", "abc", "--who", "ann", "--json"}), "");
  EXPECT_EQ(limited({"lock", "acquire", "--holder", "ann", "-m", "deploy", "--ttl", "10m"}), "");
  EXPECT_EQ(limited({"logs", "web", "-n", "50", "-f"}), "");
  EXPECT_EQ(limited({"rollback", "--to", "r1", "--db", "down"}), "");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"deploy", "--commit", "abc", "--repo", "/tmp/evil"},
        {"deploy", "--commit", "abc", "--playbook=/tmp/evil.yaml"},
        {"deploy", "--commit", "abc", "--manifest", "evil.yaml"},
        {"status", "--socket", "/tmp/other.sock"},
        {"status", "-s", "/tmp/other.sock"},
        {"releases", "-o", "/etc/cron.d/x"}}) {
    EXPECT_NE(limited(args), "") << args.back();
  }
  EXPECT_EQ(limited({"gap", "-c", "/root/secret"}),
            "\"gap\" is not open to members of the agent's group");
  EXPECT_EQ(limited({"run", "--root", root}),
            "\"run\" is not open to members of the agent's group");
  // Root and the agent's user keep every option.
  EXPECT_EQ(session_refusal({"deploy", "--commit", "abc", "--repo", "/srv/git/shop.git"},
                            PeerAccess::full, root),
            "");
}

TEST(AccessPolicy, TheGroupCannotChooseARepositoryOrStopEverythingThroughTheApi) {
  EXPECT_NE(limited_api_refusal("POST", "/v1/stop-all", {}), "");
  EXPECT_NE(limited_api_refusal("POST", "/v1/deploys", {{"ref", "abc"}, {"repo", "/tmp/evil"}}),
            "");
  EXPECT_NE(limited_api_refusal("POST", "/v1/deploys", {{"ref", "abc"}, {"playbook", "/x"}}), "");
  EXPECT_EQ(limited_api_refusal("POST", "/v1/deploys", {{"ref", "abc"}, {"who", "ann"}}), "");
  EXPECT_EQ(limited_api_refusal("GET", "/v1/status", {}), "");
}

}  // namespace
}  // namespace bosun::agent::api
