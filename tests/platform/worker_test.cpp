// platform-worker as a real process: jobs end to end, a worker killed mid-job, retries and
// the dead-letter list, graceful stop.

#include <sys/wait.h>
#include <csignal>

#include <gtest/gtest.h>

#include "platform_fixture.hpp"

namespace bosun::test {
namespace {

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = sandbox.start_server(port);
    token = sandbox.login(port, "learner@example.com");
    admin = sandbox.login(port, "admin@example.com");
  }

  std::string generate(const std::string& topic) {
    const HttpResult queued = http(port, "POST", "/content/generate",
                                   R"({"topic":")" + topic + R"(","mode":"text"})", token);
    EXPECT_EQ(queued.status, 202) << queued.body;
    return queued.json()->getValue<std::string>("task_id");
  }

  Poco::JSON::Object::Ptr task(const std::string& id) {
    return http(port, "GET", "/content/tasks/" + id, "", token).json();
  }

  bool wait_for_status(const std::string& id, const std::string& status,
                       std::chrono::milliseconds timeout) {
    return wait_until([&] { return task(id)->getValue<std::string>("status") == status; }, timeout);
  }

  int lessons() {
    return http(port, "GET", "/admin/stats", "", admin).json()->getValue<int>("lessons");
  }

  std::string redis_cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"redis-cli", "-p", std::to_string(sandbox.redis().port())};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = sandbox.dir() + "/redis-cli.log";
    ::unlink(log.c_str());
    ChildProcess cli({argv, {}, "", log});
    cli.wait(std::chrono::seconds(10));
    return cli.output();
  }

  PlatformSandbox sandbox;
  unsigned short port = 0;
  std::unique_ptr<ChildProcess> server;
  std::string token;
  std::string admin;
};

TEST_F(WorkerTest, LogsWhenIdle) {
  auto worker = sandbox.start_worker();
  EXPECT_TRUE(
      wait_until([&] { return worker->output().find("waiting for jobs") != std::string::npos; },
                 std::chrono::seconds(10)))
      << worker->output();
}

TEST_F(WorkerTest, KilledMidJobTheNextWorkerCompletesItOnce) {
  const int before = lessons();
  auto slow = sandbox.start_worker({"WORKER_JOB_DELAY_MS=60000"});
  const std::string id = generate("crash safety");
  ASSERT_TRUE(wait_for_status(id, "running", std::chrono::seconds(10))) << slow->output();
  slow->signal(SIGKILL);
  slow->wait(std::chrono::seconds(10));
  EXPECT_EQ(task(id)->getValue<std::string>("status"), "running");  // abandoned mid-job

  auto next = sandbox.start_worker();
  // The dead worker's heartbeat must expire first (6 s), then its job is recovered.
  ASSERT_TRUE(wait_for_status(id, "done", std::chrono::seconds(30))) << next->output();
  EXPECT_EQ(task(id)->getValue<int>("attempts"), 2);
  EXPECT_EQ(lessons(), before + 1);
  EXPECT_NE(next->output().find("recovered 1 job(s)"), std::string::npos) << next->output();
}

TEST_F(WorkerTest, AFinishedButUnacknowledgedJobIsNotRunTwice) {
  auto worker = sandbox.start_worker();
  const std::string id = generate("exactly once");
  ASSERT_TRUE(wait_for_status(id, "done", std::chrono::seconds(15)));
  const int after_first = lessons();
  // As if a worker died between committing the result and acknowledging the job.
  redis_cli({"RPUSH", "platform:jobs:processing:ghost", id});
  redis_cli({"SADD", "platform:workers", "ghost"});
  ASSERT_TRUE(wait_until([&] { return worker->output().find("already done") != std::string::npos; },
                         std::chrono::seconds(15)))
      << worker->output();
  EXPECT_EQ(lessons(), after_first);
  EXPECT_EQ(task(id)->getValue<int>("attempts"), 1);
}

TEST_F(WorkerTest, RetriesWithBackoffThenDeadLetters) {
  auto worker = sandbox.start_worker(
      {"WORKER_FAIL_PATTERN=explode", "WORKER_MAX_ATTEMPTS=3", "WORKER_RETRY_BASE_MS=50"});
  const std::string id = generate("explode on purpose");
  ASSERT_TRUE(wait_for_status(id, "failed", std::chrono::seconds(20))) << worker->output();
  const auto failed = task(id);
  EXPECT_EQ(failed->getValue<int>("attempts"), 3);
  EXPECT_NE(failed->getValue<std::string>("error").find("rejected topic"), std::string::npos);
  EXPECT_NE(worker->output().find("retrying in 50ms"), std::string::npos) << worker->output();
  EXPECT_NE(worker->output().find("retrying in 100ms"), std::string::npos) << worker->output();
  EXPECT_NE(http(port, "GET", "/metrics").body.find("platform_dead_jobs 1"), std::string::npos);
  // Other jobs still flow.
  const std::string fine = generate("calm topic");
  EXPECT_TRUE(wait_for_status(fine, "done", std::chrono::seconds(15)));
}

TEST_F(WorkerTest, SigtermFinishesTheCurrentJobThenExits) {
  auto worker = sandbox.start_worker({"WORKER_JOB_DELAY_MS=1500"});
  const std::string id = generate("graceful stop");
  ASSERT_TRUE(wait_for_status(id, "running", std::chrono::seconds(10))) << worker->output();
  worker->signal(SIGTERM);
  const auto status = worker->wait(std::chrono::seconds(15));
  ASSERT_TRUE(status.has_value()) << worker->output();
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(task(id)->getValue<std::string>("status"), "done");
  EXPECT_NE(worker->output().find("platform-worker stopped"), std::string::npos);
}

}  // namespace
}  // namespace bosun::test
