// platform-server as a real process against real Redis and SQLite: every endpoint's success
// and error paths.

#include <sys/wait.h>
#include <csignal>

#include <gtest/gtest.h>

#include "platform_fixture.hpp"

namespace bosun::test {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { server = sandbox.start_server(port); }

  HttpResult get(const std::string& path, const std::string& token = "") {
    return http(port, "GET", path, "", token);
  }
  HttpResult post(const std::string& path, const std::string& body, const std::string& token = "") {
    return http(port, "POST", path, body, token);
  }
  static void expect_error(const HttpResult& result, int status, const std::string& fragment) {
    EXPECT_EQ(result.status, status) << result.body;
    EXPECT_EQ(result.content_type, "application/json") << result.body;
    const auto json = result.json();
    EXPECT_EQ(json->getValue<int>("code"), status);
    EXPECT_NE(json->getValue<std::string>("error").find(fragment), std::string::npos)
        << result.body;
  }

  PlatformSandbox sandbox;
  unsigned short port = 0;
  std::unique_ptr<ChildProcess> server;
};

TEST_F(ServerTest, HealthReportsVersionAndUptime) {
  const HttpResult result = get("/health");
  EXPECT_EQ(result.status, 200);
  const auto json = result.json();
  EXPECT_EQ(json->getValue<std::string>("status"), "ok");
  EXPECT_FALSE(json->getValue<std::string>("version").empty());
  EXPECT_GE(json->getValue<int>("uptime_s"), 0);
}

TEST_F(ServerTest, ReadyWhenDatabaseSchemaAndRedisAreGood) {
  const HttpResult result = get("/ready");
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.json()->getValue<std::string>("status"), "ready");
}

TEST_F(ServerTest, NotReadyWhenRedisIsDown) {
  sandbox.redis().stop();
  const HttpResult result = get("/ready");
  EXPECT_EQ(result.status, 503);
  const auto json = result.json();
  EXPECT_EQ(json->getValue<std::string>("status"), "degraded");
  const auto checks = json->getObject("checks");
  EXPECT_FALSE(checks->getObject("redis")->getValue<bool>("ok"));
  EXPECT_TRUE(checks->getObject("database")->getValue<bool>("ok"));
  EXPECT_EQ(get("/health").status, 200);  // liveness has no dependencies
}

TEST_F(ServerTest, NotReadyWhenSchemaIsBehind) {
  ASSERT_EQ(sandbox.migrate({"down", "--to", "3"}), 0);
  const HttpResult result = get("/ready");
  EXPECT_EQ(result.status, 503);
  const auto schema = result.json()->getObject("checks")->getObject("schema");
  EXPECT_EQ(schema->getValue<int>("version"), 3);
  EXPECT_EQ(schema->getValue<int>("expected"), 4);
  EXPECT_FALSE(schema->getValue<bool>("ok"));
  ASSERT_EQ(sandbox.migrate({"up"}), 0);
  EXPECT_EQ(get("/ready").status, 200);
}

TEST_F(ServerTest, RegisterLoginAndMe) {
  const HttpResult registered =
      post("/auth/register", R"({"email":"Ann@Example.com","password":"long enough"})");
  EXPECT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(registered.json()->getValue<std::string>("email"), "ann@example.com");
  EXPECT_EQ(registered.body.find("long enough"), std::string::npos);
  const HttpResult login =
      post("/auth/login", R"({"email":"ann@example.com","password":"long enough"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.json()->getValue<std::string>("token_type"), "bearer");
  const std::string token = login.json()->getValue<std::string>("access_token");
  const HttpResult me = get("/users/me", token);
  ASSERT_EQ(me.status, 200);
  const auto json = me.json();
  EXPECT_EQ(json->getValue<std::string>("email"), "ann@example.com");
  EXPECT_EQ(json->getValue<std::string>("role"), "guest");
  EXPECT_TRUE(json->isNull("local_id"));
}

TEST_F(ServerTest, RegisterRejectsBadInput) {
  expect_error(post("/auth/register", R"({"email":"not-an-email","password":"long enough"})"), 400,
               "not a valid email");
  expect_error(post("/auth/register", R"({"email":"a@example.com","password":"short"})"), 400,
               "8 to 256 characters");
  expect_error(post("/auth/register", R"({"email":"a@example.com"})"), 400,
               "missing field \"password\"");
  expect_error(post("/auth/register", R"({"email":5,"password":"long enough"})"), 400,
               "must be a string");
  expect_error(post("/auth/register", R"({"email": "a@example.com",)"), 400, "malformed JSON");
  expect_error(post("/auth/register", "[1,2]"), 400, "must be an object");
  expect_error(post("/auth/register", ""), 400, "needs a JSON body");
  EXPECT_EQ(post("/auth/register", R"({"email":"a@example.com","password":"long enough"})").status,
            201);
  expect_error(post("/auth/register", R"({"email":"A@example.com","password":"other password"})"),
               400, "already exists");
}

TEST_F(ServerTest, LoginRefusesWrongCredentials) {
  post("/auth/register", R"({"email":"b@example.com","password":"long enough"})");
  const HttpResult wrong =
      post("/auth/login", R"({"email":"b@example.com","password":"not it at all"})");
  expect_error(wrong, 401, "wrong email or password");
  EXPECT_EQ(wrong.headers.at("WWW-Authenticate"), "Bearer");
  expect_error(post("/auth/login", R"({"email":"nobody@example.com","password":"long enough"})"),
               401, "wrong email or password");
}

TEST_F(ServerTest, ProtectedRoutesNeedAValidBearerToken) {
  for (const char* path : {"/users/me", "/admin/stats"}) {
    const HttpResult anonymous = get(path);
    expect_error(anonymous, 401, "authentication required");
    EXPECT_EQ(anonymous.headers.at("WWW-Authenticate"), "Bearer");
    expect_error(get(path, "garbage.token.here"), 401, "invalid or expired token");
  }
}

TEST_F(ServerTest, AdminRoutesNeedTheAdminRole) {
  const std::string guest = sandbox.login(port, "guest@example.com");
  expect_error(get("/admin/stats", guest), 403, "admin role required");
  const std::string admin = sandbox.login(port, "admin@example.com");
  const HttpResult stats = get("/admin/stats", admin);
  ASSERT_EQ(stats.status, 200) << stats.body;
  const auto json = stats.json();
  EXPECT_EQ(json->getValue<int>("users"), 2);
  EXPECT_EQ(json->getValue<int>("lessons"), 3);  // seeded by migration 0002
  EXPECT_EQ(json->getObject("tasks")->getValue<int>("done"), 0);
}

TEST_F(ServerTest, AdminSetsLocalId) {
  const std::string admin = sandbox.login(port, "admin@example.com");
  const std::string guest = sandbox.login(port, "guest@example.com");
  const int guest_id = get("/users/me", guest).json()->getValue<int>("id");
  const std::string path = "/users/" + std::to_string(guest_id) + "/local-id";
  const HttpResult set = http(port, "PUT", path, R"({"local_id":"L-42"})", admin);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(get("/users/me", guest).json()->getValue<std::string>("local_id"), "L-42");
  expect_error(http(port, "PUT", path, R"({"local_id":"L-43"})", guest), 403,
               "admin role required");
  expect_error(http(port, "PUT", "/users/abc/local-id", R"({"local_id":"x"})", admin), 400,
               "positive whole number");
  expect_error(http(port, "PUT", "/users/0/local-id", R"({"local_id":"x"})", admin), 400,
               "positive whole number");
  expect_error(http(port, "PUT", "/users/999/local-id", R"({"local_id":"x"})", admin), 404,
               "no user with id 999");
  expect_error(http(port, "PUT", path, R"({"local_id":""})", admin), 400, "1 to 64 characters");
  const int admin_id = get("/users/me", admin).json()->getValue<int>("id");
  expect_error(http(port, "PUT", "/users/" + std::to_string(admin_id) + "/local-id",
                    R"({"local_id":"L-42"})", admin),
               400, "belongs to another user");
}

TEST_F(ServerTest, FeedListsLessonsNewestFirst) {
  const HttpResult feed = get("/feed?limit=2");
  ASSERT_EQ(feed.status, 200);
  const auto json = feed.json();
  EXPECT_EQ(json->getValue<int>("count"), 2);
  const auto items = json->getArray("items");
  EXPECT_GT(items->getObject(0)->getValue<int>("feed_item_id"),
            items->getObject(1)->getValue<int>("feed_item_id"));
  EXPECT_EQ(get("/feed").json()->getValue<int>("count"), 3);
  expect_error(get("/feed?limit=0"), 400, "limit must be");
  expect_error(get("/feed?limit=101"), 400, "limit must be");
  expect_error(get("/feed?limit=ten"), 400, "limit must be");
}

TEST_F(ServerTest, GenerateQueuesATaskThatTheWorkerCompletes) {
  auto worker = sandbox.start_worker();
  const std::string token = sandbox.login(port, "learner@example.com");
  const HttpResult queued =
      post("/content/generate", R"({"topic":"blue-green deploys","mode":"audio"})", token);
  ASSERT_EQ(queued.status, 202) << queued.body;
  EXPECT_EQ(queued.json()->getValue<std::string>("status"), "queued");
  const std::string task_id = queued.json()->getValue<std::string>("task_id");
  HttpResult task;
  ASSERT_TRUE(wait_until(
      [&] {
        task = get("/content/tasks/" + task_id, token);
        return task.status == 200 && task.json()->getValue<std::string>("status") == "done";
      },
      std::chrono::seconds(15)))
      << task.body << "\nworker:\n"
      << worker->output();
  const auto result = task.json()->getObject("result");
  EXPECT_EQ(result->getValue<std::string>("mode"), "audio");
  EXPECT_NE(result->getValue<std::string>("body").find("HOST:"), std::string::npos);
  EXPECT_EQ(
      get("/feed?limit=1").json()->getArray("items")->getObject(0)->getValue<std::string>("topic"),
      "blue-green deploys");
}

TEST_F(ServerTest, GenerateValidatesInputAndOwnership) {
  const std::string token = sandbox.login(port, "owner@example.com");
  expect_error(post("/content/generate", R"({"topic":"x","mode":"video"})", token), 400,
               "text, audio or quiz");
  expect_error(post("/content/generate", R"({"topic":"","mode":"text"})", token), 400, "1 to 200");
  expect_error(post("/content/generate", R"({"topic":"x","mode":"text"})"), 401,
               "authentication required");
  const std::string task_id = post("/content/generate", R"({"topic":"x","mode":"text"})", token)
                                  .json()
                                  ->getValue<std::string>("task_id");
  const std::string stranger = sandbox.login(port, "stranger@example.com");
  expect_error(get("/content/tasks/" + task_id, stranger), 404, "no task");
  expect_error(get("/content/tasks/not-a-uuid", token), 400, "must be a UUID");
  EXPECT_EQ(get("/content/tasks/" + task_id, token).json()->getValue<std::string>("status"),
            "queued");
}

TEST_F(ServerTest, GenerateAnswers503WhenTheQueueIsDown) {
  const std::string token = sandbox.login(port, "late@example.com");
  sandbox.redis().stop();
  expect_error(post("/content/generate", R"({"topic":"x","mode":"text"})", token), 503,
               "queue is unavailable");
}

TEST_F(ServerTest, OversizedBodiesAre413) {
  const std::string big =
      R"({"email":"a@example.com","password":")" + std::string(70 * 1024, 'p') + "\"}";
  expect_error(post("/auth/register", big), 413, "larger than 65536 bytes");
  EXPECT_EQ(get("/health").status, 200);
}

TEST_F(ServerTest, UnknownRoutesAndMethodsAreJson) {
  expect_error(get("/nope"), 404, "no route for GET /nope");
  const HttpResult wrong = http(port, "DELETE", "/feed");
  expect_error(wrong, 405, "not allowed");
  EXPECT_EQ(wrong.headers.at("Allow"), "GET");
}

TEST_F(ServerTest, MetricsCountRequestsAndQueueDepth) {
  get("/health");
  get("/nope");
  const HttpResult metrics = get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_TRUE(metrics.content_type.starts_with("text/plain"));
  for (const char* line :
       {"platform_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"}",
        "platform_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "platform_http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"}",
        "platform_queue_depth 0", "platform_redis_up 1"}) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
  }
}

TEST_F(ServerTest, RefusesToStartWithoutAStrongSecret) {
  TempDir dir;
  ChildProcess bad(
      {{PLATFORM_SERVER_BIN},
       {"DATABASE_URL=sqlite:///" + dir.path() + "/x.db", "JWT_SECRET_KEY=too-short-secret"},
       dir.path(),
       dir.path() + "/out.log"});
  const auto status = bad.wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_NE(bad.output().find("JWT_SECRET_KEY is 16 bytes long; at least 32"), std::string::npos)
      << bad.output();
  EXPECT_EQ(bad.output().find("too-short-secret"), std::string::npos);
}

TEST_F(ServerTest, SigtermExitsZero) {
  server->signal(SIGTERM);
  const auto status = server->wait(std::chrono::seconds(15));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_NE(server->output().find("drained"), std::string::npos) << server->output();
}

}  // namespace
}  // namespace bosun::test
