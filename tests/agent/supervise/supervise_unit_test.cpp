// The agent's pure parts: backoff and crash-loop decisions, service resolution, .env files,
// log rotation and adoption records.

#include <pwd.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"
#include "state/adoption_record.hpp"
#include "supervise/log_files.hpp"
#include "supervise/restart_tracker.hpp"
#include "supervise/service_spec.hpp"

namespace bosun::agent {
namespace {

using std::chrono::milliseconds;

TEST(RestartTracker, DoublesTheDelayUpToTheCap) {
  RestartTracker tracker({milliseconds(100), milliseconds(1000), milliseconds(60'000)},
                         {1000, milliseconds(60'000), milliseconds(300'000), false, std::nullopt});
  const auto t0 = Clock::now();
  std::vector<long> delays;
  for (int i = 0; i < 6; ++i) {
    const auto now = t0 + milliseconds(10 * i);
    delays.push_back(tracker.on_exit(now - milliseconds(5), now).delay.count());
  }
  EXPECT_EQ(delays, (std::vector<long>{0, 100, 200, 400, 800, 1000}));
}

TEST(RestartTracker, AStableRunResetsTheBackoff) {
  RestartTracker tracker({milliseconds(100), milliseconds(30'000), milliseconds(60'000)},
                         {1000, milliseconds(60'000), milliseconds(300'000), false, std::nullopt});
  const auto t0 = Clock::now();
  EXPECT_EQ(tracker.on_exit(t0, t0 + milliseconds(1)).delay, milliseconds(0));
  tracker.on_exit(t0, t0 + milliseconds(2));
  EXPECT_EQ(tracker.on_exit(t0, t0 + milliseconds(3)).delay, milliseconds(200));
  // Ran for two minutes before this crash: restarted at once, then backing off from initial.
  const auto later = t0 + std::chrono::minutes(5);
  EXPECT_EQ(tracker.on_exit(later - std::chrono::minutes(2), later).delay, milliseconds(0));
  EXPECT_EQ(tracker.on_exit(later, later + milliseconds(1)).delay, milliseconds(100));
}

TEST(RestartTracker, DetectsCrashLoopsAndCoolsDown) {
  RestartTracker tracker({milliseconds(10), milliseconds(50), milliseconds(60'000)},
                         {3, milliseconds(10'000), milliseconds(2'000), false, std::nullopt});
  const auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) {
    const auto decision = tracker.on_exit(t0, t0 + milliseconds(i));
    EXPECT_FALSE(decision.crash_loop) << i;
  }
  const auto fourth = tracker.on_exit(t0, t0 + milliseconds(3));
  EXPECT_TRUE(fourth.crash_loop);
  EXPECT_TRUE(fourth.entered_crash_loop);
  EXPECT_EQ(fourth.delay, milliseconds(2'000));  // never spinning
  EXPECT_FALSE(fourth.give_up);
  const auto fifth = tracker.on_exit(t0, t0 + milliseconds(4));
  EXPECT_TRUE(fifth.crash_loop);
  EXPECT_FALSE(fifth.entered_crash_loop);  // the hook runs once per crash loop
  // Outside the window the count starts over.
  const auto much_later = t0 + milliseconds(30'000);
  EXPECT_FALSE(tracker.on_exit(much_later - milliseconds(1), much_later).crash_loop);
}

TEST(RestartTracker, GivesUpOnlyWhenConfigured) {
  RestartTracker tracker({milliseconds(10), milliseconds(50), milliseconds(60'000)},
                         {1, milliseconds(10'000), milliseconds(2'000), true, std::nullopt});
  const auto t0 = Clock::now();
  EXPECT_FALSE(tracker.on_exit(t0, t0).give_up);
  EXPECT_TRUE(tracker.on_exit(t0, t0 + milliseconds(1)).give_up);
}

manifest::Manifest load(const std::string& yaml) {
  const auto result = manifest::parse_manifest(yaml, "app.yaml");
  EXPECT_TRUE(result.ok());
  return result.manifest.value_or(manifest::Manifest{});
}

TEST(ServiceSpec, ExpandsVariablesAndMergesEnvironment) {
  const auto manifest = load(
      "app: demo\nrepo: r\n"
      "env: {DATABASE_URL: \"sqlite:///${shared}/app.db\", LEVEL: manifest, WHERE: \"${host}\"}\n"
      "services:\n"
      "  web:\n"
      "    command: [\"${release}/bin/web\", --data, \"${root}/data\"]\n"
      "    env: {LEVEL: service}\n"
      "    ready: {http: \"http://${host}:8080/ready\"}\n"
      "  job:\n"
      "    command: {sh: \"echo ${app} | tee out\"}\n"
      "    cwd: work\n");
  ResolveInputs inputs;
  inputs.layout.root = "/srv/demo";
  inputs.release_dir = "/srv/demo/releases/r1";
  inputs.host = "10.0.0.7";
  inputs.base_env = {{"PATH", "/usr/bin"}, {"LEVEL", "base"}};
  inputs.dotenv = {{"JWT_SECRET_KEY", "s3cret"}, {"LEVEL", "dotenv"}};
  const auto specs = resolve_services(manifest, inputs);
  ASSERT_EQ(specs.size(), 2U);
  const ServiceSpec& web = specs[0];
  EXPECT_EQ(web.argv, (std::vector<std::string>{"/srv/demo/releases/r1/bin/web", "--data",
                                                "/srv/demo/data"}));
  EXPECT_EQ(web.env.at("DATABASE_URL"), "sqlite:////srv/demo/shared/app.db");
  EXPECT_EQ(web.env.at("LEVEL"), "service");  // base < manifest < .env < service
  EXPECT_EQ(web.env.at("JWT_SECRET_KEY"), "s3cret");
  EXPECT_EQ(web.env.at("PATH"), "/usr/bin");
  EXPECT_EQ(web.env.at("WHERE"), "10.0.0.7");
  EXPECT_EQ(web.cwd, "/srv/demo/releases/r1");
  EXPECT_EQ(web.log_path, "/srv/demo/shared/logs/web.log");
  EXPECT_EQ(std::get<manifest::HttpCheck>(web.ready->check.kind).url, "http://10.0.0.7:8080/ready");
  const ServiceSpec& job = specs[1];
  EXPECT_EQ(job.argv, (std::vector<std::string>{"/bin/sh", "-c", "echo demo | tee out"}));
  EXPECT_EQ(job.env.at("LEVEL"), "dotenv");
  EXPECT_EQ(job.cwd, "/srv/demo/releases/r1/work");
}

TEST(DotEnv, ParsesTheUsualForms) {
  const auto values = parse_dotenv(
      "# secrets\n\nJWT_SECRET_KEY=abc=def\nexport REDIS_URL = redis://h:1\nQUOTED=\"a "
      "b\"\nSINGLE='x'\nEMPTY=\n");
  EXPECT_EQ(values.at("JWT_SECRET_KEY"), "abc=def");
  EXPECT_EQ(values.at("REDIS_URL"), "redis://h:1");
  EXPECT_EQ(values.at("QUOTED"), "a b");
  EXPECT_EQ(values.at("SINGLE"), "x");
  EXPECT_EQ(values.at("EMPTY"), "");
}

TEST(DotEnv, BadLinesNameTheLineNotTheValue) {
  try {
    parse_dotenv("GOOD=1\nthis is my-secret-value\n");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), ".env line 2 is not NAME=value");
  }
}

TEST(Operator, NamedFromTheAccountWhenUserIsUnset) {
  const char* saved = std::getenv("USER");
  const std::string before = saved != nullptr ? saved : "";
  ::unsetenv("USER");
  const std::string who = user_at_host();
  if (!before.empty()) {
    ::setenv("USER", before.c_str(), 1);
  }
  const passwd* account = ::getpwuid(::getuid());
  ASSERT_NE(account, nullptr);
  EXPECT_EQ(who.substr(0, who.find('@')), account->pw_name);
}

TEST(LogFiles, RotatesAndKeepsN) {
  test::TempDir dir;
  const std::string log = dir.path() + "/svc.log";
  for (int round = 0; round < 4; ++round) {
    std::ofstream(log, std::ios::app) << std::string(5000, static_cast<char>('a' + round)) << "\n";
    EXPECT_TRUE(rotate_if_larger(log, 4096, 2));
    EXPECT_EQ(file_size(log), 0U);
  }
  EXPECT_FALSE(rotate_if_larger(log, 4096, 2));
  EXPECT_TRUE(std::filesystem::exists(log + ".1"));
  EXPECT_TRUE(std::filesystem::exists(log + ".2"));
  EXPECT_FALSE(std::filesystem::exists(log + ".3"));
  std::ifstream newest(log + ".1");
  EXPECT_EQ(newest.get(), 'd');
}

// issue 16, item 11: `logs -n 100000` on a 30 MB log without newlines read all of it.
TEST(LogFiles, ATailReadsABoundedEndOfTheLog) {
  test::TempDir dir;
  const std::string giant = dir.path() + "/one-line.log";
  {
    std::ofstream out(giant, std::ios::binary);
    const std::string chunk(1024 * 1024, 'x');
    for (int i = 0; i < 20; ++i) {
      out << chunk;
    }
    out << "END";
  }
  const auto one = tail_lines(giant, 100'000);
  ASSERT_EQ(one.size(), 1U);
  EXPECT_EQ(one.front().size(), std::string("[...] ").size() + supervise::k_tail_line_cap);
  EXPECT_TRUE(one.front().starts_with("[...] "));
  EXPECT_TRUE(one.front().ends_with("xxEND"));

  const std::string many = dir.path() + "/many.log";
  {
    std::ofstream out(many, std::ios::binary);
    for (int i = 1; i <= 120'000; ++i) {
      out << "line " << i << std::string(90, '.') << "\n";
    }
  }
  const auto tail = tail_lines(many, 100'000);
  ASSERT_FALSE(tail.empty());
  EXPECT_LT(tail.size(), 100'000U);  // 8 MiB hold fewer lines than asked for
  EXPECT_EQ(tail.back(), "line 120000" + std::string(90, '.'));
  EXPECT_TRUE(tail.front().starts_with("[...] "));  // where the read stopped, mid-line
  EXPECT_TRUE(tail[1].starts_with("line "));
}

TEST(LogFiles, TailAndReadFrom) {
  test::TempDir dir;
  const std::string log = dir.path() + "/svc.log";
  {
    std::ofstream out(log);
    for (int i = 1; i <= 3000; ++i) {
      out << "line " << i << "\n";
    }
  }
  EXPECT_EQ(tail_lines(log, 2), (std::vector<std::string>{"line 2999", "line 3000"}));
  EXPECT_EQ(tail_lines(log, 5000).size(), 3000U);
  EXPECT_TRUE(tail_lines(dir.path() + "/missing.log", 5).empty());
  std::uint64_t offset = file_size(log);
  std::ofstream(log, std::ios::app) << "new\n";
  EXPECT_EQ(read_from(log, offset, 1024), "new\n");
  std::filesystem::resize_file(log, 0);  // rotated underneath
  std::ofstream(log, std::ios::app) << "after\n";
  EXPECT_EQ(read_from(log, offset, 1024), "after\n");
}

TEST(AdoptionRecord, RoundTrips) {
  test::TempDir dir;
  const auto file = std::filesystem::path(dir.path()) / "web.pid";
  save_record(file, {1234, 98765, 42, 1700000000000});
  const auto loaded = load_record(file);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->pid, 1234);
  EXPECT_EQ(loaded->start_ticks, 98765U);
  EXPECT_EQ(loaded->log_offset, 42U);
  remove_record(file);
  EXPECT_FALSE(load_record(file).has_value());
}

}  // namespace
}  // namespace bosun::agent
