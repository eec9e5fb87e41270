// Issue 16, item 2: the app's own commands run as the app's account, not as the agent's root.
// Through the real bosun-agent (as root) with `nobody` as that account: the build, the
// migration, a manifest backup command and on_crash_loop run as it (HOME its own), the release,
// the shared paths and the cache are handed to it, a folder another account owns stays that
// account's, the backup ends up the agent's own again, and the python service (user: nobody)
// serves the deployed version and writes its data. An unknown user fails the deploy at
// checkout, before anything runs; an agent that is not root is refused a switch, by name.
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "bosun/common/text_file.hpp"
#include "child_process.hpp"
#include "database/backup_staging.hpp"
#include "git_repo.hpp"
#include "http_client.hpp"
#include "sys/step_account.hpp"

namespace bosun::test {
namespace {

namespace fs = std::filesystem;

constexpr uid_t k_nobody = 65534;

uid_t owner_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_uid;
}

std::string trimmed(const fs::path& path) {
  std::string text = read_text_file(path.string()).value_or("");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

bool nobody_exists() {
  const passwd* entry = ::getpwnam("nobody");
  return ::geteuid() == 0 && entry != nullptr && entry->pw_uid == k_nobody;
}

// Serves {"version", "uid"} and writes a file into shared/data at start, as an app would. It
// runs as `[python3, server.py]`, looked up in the service's PATH (the system's: the test
// runner's own python3 may live under /root, which nobody cannot reach).
const char* k_server_py = R"(import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
VERSION = open("VERSION").read().strip()
open(os.environ["DATA"] + "/written-by-web", "w").write(str(os.getuid()))
class Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"version": VERSION, "uid": os.getuid()}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("serving", VERSION, flush=True)
HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Answer).serve_forever()
)";

std::string manifest(const std::string& repo, unsigned short port, const std::string& user_line) {
  const std::string db = "${shared}/data/app.db";
  const std::string py = "/usr/bin/python3";
  return "app: steps-user\nrepo: " + repo + "\n" + user_line +
         "shared: [data]\n"
         "build: [{sh: 'id -u > built-by; echo \"$HOME\" > built-home; mkdir -p out; touch "
         "out/made'}]\n"
         "database:\n  kind: sqlite\n  path: " +
         db + "\n  migrate:\n    up: [" + py + ", -c, \"import os, sqlite3; sqlite3.connect('" +
         db +
         "').execute('create table if not exists t(x)'); open('${shared}/data/migrated-by', "
         "'w').write(str(os.getuid()))\"]\n"
         "  backup: [" +
         py + ", -c, \"import os, sqlite3; s = sqlite3.connect('" + db +
         "'); d = sqlite3.connect(os.environ['BOSUN_BACKUP_PATH']); s.backup(d); d.close(); "
         "open('${shared}/data/backup-by', 'w').write(str(os.getuid()))\"]\n"
         "verify: {window: 1s}\n"
         "services:\n  web:\n    command: [python3, server.py]\n    user: nobody\n    env: {PORT: "
         "'" +
         std::to_string(port) +
         "', DATA: '${shared}/data', PATH: /usr/local/bin:/usr/bin:/bin}\n    ready: {http: "
         "'http://127.0.0.1:" +
         std::to_string(port) + "/', timeout: 20s}\n";
}

struct Served {
  std::string version;
  int uid = -1;
};

Served served(unsigned short port) {
  try {
    const HttpResult answer = http(port, "GET", "/");
    if (answer.status != 200) {
      return {};
    }
    const auto json = answer.json();
    return {json->getValue<std::string>("version"), json->getValue<int>("uid")};
  } catch (const std::exception&) {
    return {};  // nothing listens
  }
}

class StepUser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!nobody_exists()) {
      GTEST_SKIP() << "needs root and the nobody account (uid 65534) to switch to";
    }
    // The temporary root is 0700: nobody must reach its releases, as under /srv/bosun.
    fs::permissions(agent.root(), fs::perms(0755));
  }

  void write_version(const std::string& version) {
    repo.write("VERSION", version + "\n");
    repo.write("server.py", k_server_py);
  }

  CliRun deploy(const std::string& sha) {
    return agent.cli({"deploy", "--root", agent.root(), "--commit", sha, "--json"},
                     std::chrono::seconds(120));
  }

  AgentSandbox agent;
  TempDir source;
  GitRepo repo{source.path() + "/app"};
  unsigned short port = free_port();
};

TEST_F(StepUser, TheAppsCommandsRunAsTheServicesUserOnFilesHandedToIt) {
  repo.write("app.yaml", manifest(repo.path(), port, ""));  // no user: the services' one
  write_version("v1");
  const std::string first = repo.commit_all("v1");
  write_version("v2");
  const std::string second = repo.commit_all("v2: backed up before its migrate");
  // A folder another account owns among the shared data (a database server's, say).
  const fs::path foreign = fs::path(agent.root()) / "shared/data/foreign";
  fs::create_directories(foreign);
  std::ofstream(foreign / "inside") << "x";
  ASSERT_EQ(::chown(foreign.c_str(), 65533, 65533), 0);
  agent.start_agent({"--repo", repo.path()});

  const CliRun one = deploy(first);
  ASSERT_EQ(one.code, 0) << one.output;
  EXPECT_EQ(served(port).version, "v1");
  const CliRun two = deploy(second);
  ASSERT_EQ(two.code, 0) << two.output;
  const Served now = served(port);
  EXPECT_EQ(now.version, "v2");
  EXPECT_EQ(now.uid, static_cast<int>(k_nobody));

  const fs::path root = agent.root();
  const fs::path release = fs::canonical(root / "current");
  EXPECT_EQ(trimmed(release / "built-by"), "65534");
  EXPECT_EQ(trimmed(release / "built-home"), ::getpwnam("nobody")->pw_dir);
  EXPECT_EQ(owner_of(release), k_nobody);
  EXPECT_EQ(owner_of(release / "server.py"), k_nobody);
  EXPECT_EQ(owner_of(release / "out/made"), k_nobody);
  EXPECT_EQ(trimmed(root / "shared/data/migrated-by"), "65534");
  EXPECT_EQ(trimmed(root / "shared/data/backup-by"), "65534");
  EXPECT_EQ(trimmed(root / "shared/data/written-by-web"), "65534");
  EXPECT_EQ(owner_of(root / "shared/data"), k_nobody);
  EXPECT_EQ(owner_of(root / "shared/data/app.db"), k_nobody);
  EXPECT_EQ(owner_of(root / "cache"), k_nobody);
  EXPECT_EQ(owner_of(foreign), 65533U) << "another account's folder is left as it is";
  EXPECT_EQ(owner_of(foreign / "inside"), 0U) << "and not walked into";

  // The backup the command wrote as nobody is the agent's own, private, and nothing is staged.
  int backups = 0;
  for (const auto& entry : fs::directory_iterator(root / "backups")) {
    if (entry.path().extension() == ".db") {
      ++backups;
      EXPECT_EQ(owner_of(entry.path()), 0U) << entry.path();
      struct stat info {};
      ASSERT_EQ(::stat(entry.path().c_str(), &info), 0);
      EXPECT_EQ(info.st_mode & 077U, 0U) << entry.path();
    }
  }
  EXPECT_GE(backups, 1) << "the second deploy backs the database up";
  for (const auto& entry : fs::directory_iterator(root)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".staging-")) << entry.path();
  }
  // Back on v1: python3 from PATH, still as nobody, serving the version it was rolled back to.
  const CliRun back = agent.cli({"rollback", "--root", agent.root()}, std::chrono::seconds(120));
  ASSERT_EQ(back.code, 0) << back.output;
  const Served rolled_back = served(port);
  EXPECT_EQ(rolled_back.version, "v1");
  EXPECT_EQ(rolled_back.uid, static_cast<int>(k_nobody));
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

TEST_F(StepUser, AnUnknownUserFailsTheDeployAtCheckoutBeforeAnythingRuns) {
  repo.write("app.yaml", manifest(repo.path(), port, "user: bosun-no-such-account\n"));
  write_version("v1");
  const std::string sha = repo.commit_all("v1");
  agent.start_agent({"--repo", repo.path()});
  const CliRun run = deploy(sha);
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("user: bosun-no-such-account is not an account on this host"),
            std::string::npos)
      << run.output;
  for (const auto& entry : fs::directory_iterator(fs::path(agent.root()) / "releases")) {
    EXPECT_FALSE(fs::exists(entry.path() / "built-by")) << "the build must not have run";
  }
  EXPECT_FALSE(fs::exists(fs::path(agent.root()) / "current"));
  EXPECT_EQ(served(port).version, "");
}

TEST_F(StepUser, OnCrashLoopRunsAsTheAppsUser) {
  const fs::path out = fs::path(source.path()) / "hook";
  fs::create_directories(out);
  fs::permissions(out, fs::perms(0777));
  fs::permissions(source.path(), fs::perms(0755));
  agent.write_manifest(
      "app: hooked\nrepo: /nonexistent\nuser: nobody\nservices:\n  flaky:\n"
      "    command: {sh: 'exit 3'}\n    restart:\n"
      "      backoff: {initial: 10ms, max: 40ms}\n"
      "      crash_loop: {restarts: 3, window: 30s, cooldown: 30s}\n"
      "      on_crash_loop: {sh: 'id -u > " +
      (out / "uid").string() + "'}\n");
  agent.start_agent();
  ASSERT_TRUE(
      wait_until([&] { return !trimmed(out / "uid").empty(); }, std::chrono::milliseconds(15'000)));
  EXPECT_EQ(trimmed(out / "uid"), "65534");
  agent.cli({"stop-all", "--root", agent.root()}, std::chrono::seconds(30));
}

// A restore command of another account reads a copy it owns; a backup command's file becomes
// the agent's 0600 backup; the staging folder goes either way.
TEST_F(StepUser, ABackupCommandOfAnotherAccountGetsAStagingFolderOfItsOwn) {
  const fs::path backups = fs::path(agent.root()) / "backups";
  fs::create_directories(backups);
  const std::string backup = (backups / "r1.db").string();
  std::ofstream(backup) << "rows";
  {
    const agent::database::BackupStaging restore(backup, "nobody",
                                                 agent::database::BackupStaging::Use::restore);
    ASSERT_NE(restore.command_path(), backup);
    EXPECT_EQ(owner_of(restore.command_path()), k_nobody);
    EXPECT_EQ(owner_of(fs::path(restore.command_path()).parent_path()), k_nobody);
    EXPECT_EQ(trimmed(restore.command_path()), "rows");
  }
  fs::remove(backup);
  std::string staged;
  {
    const agent::database::BackupStaging taken(backup, "nobody",
                                               agent::database::BackupStaging::Use::backup);
    staged = taken.command_path();
    std::ofstream(staged) << "dumped";
    ASSERT_EQ(::chown(staged.c_str(), k_nobody, k_nobody), 0);
    taken.keep_backup();
  }
  EXPECT_EQ(trimmed(backup), "dumped");
  EXPECT_EQ(owner_of(backup), 0U);
  EXPECT_FALSE(fs::exists(fs::path(staged).parent_path()));
  // As the agent itself: no staging at all.
  const agent::database::BackupStaging own(backup, "", agent::database::BackupStaging::Use::backup);
  EXPECT_EQ(own.command_path(), backup);
}

// An agent that is not root cannot switch: refused by name before anything runs.
TEST_F(StepUser, AnAgentThatIsNotRootIsRefusedASwitchByName) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(report[0]);
    if (::setgid(k_nobody) != 0 || ::setuid(k_nobody) != 0) {
      ::_exit(2);
    }
    const auto root = agent::sys::switch_account("root");
    const auto self = agent::sys::switch_account("nobody");
    const std::string text = (root ? std::string("allowed") : root.error()) + "\n" +
                             (self && !*self ? "no switch" : "switch");
    (void)!::write(report[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(report[1]);
  std::string text;
  char buffer[512];
  for (ssize_t got = 0; (got = ::read(report[0], buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(text.find("user: root needs the agent to run as root to switch to it (it runs as "
                      "uid 65534)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("no switch"), std::string::npos) << "its own account needs no switch";
}

}  // namespace
}  // namespace bosun::test
