// The report model and its renderings: ordering, verdicts, JSON round trip, escaping, and an
// HTML page that needs nothing from the network.

#include <regex>

#include <gtest/gtest.h>

#include "bosun/checks/report.hpp"

namespace bosun::checks {
namespace {

Report sample() {
  Report report;
  report.kind = "readiness";
  report.app = "learning-platform";
  report.host = "ecs-1";
  report.release = "20261122T154300Z-1a2b3c4d";
  report.commit = "1a2b3c4d5e6f7a8b";
  report.generated_unix_ms = 1'795'000'000'000;
  report.items = {
      {"services", "redis", "", {Status::pass, "ready (pid 10)", "", {}}, true},
      {"logs", "server", "", {Status::warn, "2 error lines", "read the log", {}}, false},
      {"env",
       "JWT_SECRET_KEY",
       "",
       {Status::fail, "placeholder \"changeme\" (8 chars)", "set a real secret in shared/.env", {}},
       true},
      {"api",
       "GET /users | <b>",
       "",
       {Status::fail, "HTML <h1>502</h1> & more", "check the proxy", {}},
       true},
      {"resources", "load", "", {Status::fail, "load 9 per core", "add cores", {}}, false},
  };
  return report;
}

TEST(Report, VerdictAndSeverityOrder) {
  Report report = sample();
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.verdict(), "not ready");
  const auto sorted = report.by_severity();
  ASSERT_EQ(sorted.size(), 5U);
  EXPECT_EQ(sorted[0]->name, "JWT_SECRET_KEY");  // blocking failures first, in order
  EXPECT_EQ(sorted[1]->group, "api");
  EXPECT_EQ(sorted[2]->group, "logs");  // then warnings and non-blocking failures
  EXPECT_EQ(sorted[3]->group, "resources");
  EXPECT_EQ(sorted[4]->group, "services");
  report.items.erase(report.items.begin() + 2, report.items.begin() + 4);
  EXPECT_TRUE(report.ok()) << "a failing non-blocking check is only a warning";
  report.kind = "gap";
  EXPECT_EQ(report.verdict(), "no blocking gap");
}

TEST(Report, JsonRoundTripKeepsEverything) {
  const Report report = sample();
  const std::string json = render_json(report);
  EXPECT_NE(json.find("\"schema\":\"bosun.report/1\""), std::string::npos);
  EXPECT_NE(json.find("\"verdict\":\"not ready\""), std::string::npos);
  EXPECT_NE(json.find("\"counts\":{\"pass\":1,\"warn\":1,\"fail\":3}"), std::string::npos) << json;
  const auto back = parse_report_json(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->app, report.app);
  EXPECT_EQ(back->release, report.release);
  ASSERT_EQ(back->items.size(), report.items.size());
  for (std::size_t i = 0; i < report.items.size(); ++i) {
    EXPECT_EQ(back->items[i].name, report.items[i].name);
    EXPECT_EQ(back->items[i].result.status, report.items[i].result.status);
    EXPECT_EQ(back->items[i].blocking, report.items[i].blocking);
    EXPECT_EQ(back->items[i].result.evidence, report.items[i].result.evidence);
  }
  EXPECT_FALSE(parse_report_json("{\"schema\":\"other\"}").has_value());
  EXPECT_FALSE(parse_report_json("not json").has_value());
}

TEST(Report, TerminalTextWithAndWithoutColour) {
  const std::string plain = render_text(sample(), {false});
  EXPECT_EQ(plain.find("\033["), std::string::npos);
  EXPECT_NE(plain.find("not ready: 2 failing, 2 warning, 1 passing"), std::string::npos) << plain;
  EXPECT_LT(plain.find("JWT_SECRET_KEY"), plain.find("redis")) << "failures on top";
  EXPECT_NE(plain.find("-> set a real secret in shared/.env"), std::string::npos);
  const std::string coloured = render_text(sample(), {true});
  EXPECT_NE(coloured.find("\033[31;1mFAIL"), std::string::npos);
}

TEST(Report, MarkdownEscapesCells) {
  const std::string markdown = render_markdown(sample());
  EXPECT_NE(markdown.find("| Status | Check | Name | Evidence | Action |"), std::string::npos);
  EXPECT_NE(markdown.find("GET /users \\| <b>"), std::string::npos) << markdown;
}

TEST(Report, HtmlIsSelfContainedEscapedAndPutsFailuresFirst) {
  const std::string html = render_html(sample());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("HTML &lt;h1&gt;502&lt;/h1&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(html.find("<h1>502"), std::string::npos);
  EXPECT_LT(html.find("id=\"verdict\""), html.find("<details")) << "verdict first";
  EXPECT_LT(html.find("JWT_SECRET_KEY"), html.find(">redis<"));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*"(https?:)?//)")))
      << "no external assets";
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace bosun::checks
