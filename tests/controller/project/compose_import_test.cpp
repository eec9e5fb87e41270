// bosun init --from docker-compose.yml, as pure conversion: contexts resolved the way Compose
// does (relative to the compose file), what cannot be mapped listed with its line, secrets
// moved out of the manifest, and the result a valid app.yaml.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bosun/manifest/loader.hpp"
#include "child_process.hpp"
#include "project/compose_import.hpp"

namespace bosun::controller::project {
namespace {

namespace fs = std::filesystem;

bool has_line(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& line : lines) {
    if (line.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

class ComposeImportTest : public ::testing::Test {
 protected:
  ComposeImport convert(const std::string& compose, const std::string& where = "") {
    const fs::path dir = fs::path(project.path()) / where;
    fs::create_directories(dir);
    std::ofstream(dir / "docker-compose.yml") << compose;
    auto result = import_compose(dir / "docker-compose.yml", project.path(), "shop", "/srv/git");
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error());
    return result.value_or(ComposeImport{});
  }

  test::TempDir project;
};

TEST_F(ComposeImportTest, AContextIsResolvedFromTheComposeFilesFolder) {
  fs::create_directories(fs::path(project.path()) / "api");
  const ComposeImport made = convert(
      "services:\n  api:\n    build: {context: ../api, dockerfile: docker/Dockerfile}\n", "deploy");
  EXPECT_NE(made.manifest.find("build: {context: \"api\", dockerfile: \"api/docker/Dockerfile\"}"),
            std::string::npos)
      << made.manifest;
  EXPECT_TRUE(made.unmapped.empty());
}

TEST_F(ComposeImportTest, WhatCannotBeMappedIsListedWithItsLine) {
  const ComposeImport made = convert(
      "services:\n"
      "  api:\n"
      "    build: ../../elsewhere\n"
      "    ports: [\"8080:8000\"]\n"
      "    networks: [back]\n"
      "    env_file: [config/app.env]\n"
      "    restart: \"no\"\n"
      "    privileged: true\n");
  EXPECT_TRUE(has_line(made.unmapped,
                       "docker-compose.yml:3: services.api.build: the build "
                       "context ../../elsewhere is outside the project"));
  EXPECT_TRUE(has_line(made.unmapped, "docker-compose.yml:4: services.api.ports: 8080:8000"));
  EXPECT_TRUE(has_line(made.unmapped, "docker-compose.yml:5: services.api.networks"));
  EXPECT_TRUE(has_line(made.unmapped,
                       "docker-compose.yml:6: services.api.env_file: "
                       "config/app.env"));
  EXPECT_TRUE(has_line(made.unmapped, "docker-compose.yml:7: services.api.restart"));
  EXPECT_TRUE(has_line(made.unmapped, "docker-compose.yml:8: services.api.privileged"));
  EXPECT_NE(made.manifest.find("# not mapped: docker-compose.yml:8"), std::string::npos);
}

TEST_F(ComposeImportTest, ServicesVolumesSecretsAndHealthchecksMapToAValidManifest) {
  fs::create_directories(fs::path(project.path()) / "web");
  fs::create_directories(fs::path(project.path()) / "initdb");
  const ComposeImport made = convert(
      "name: Shop Front\n"
      "services:\n"
      "  web:\n"
      "    build: ./web\n"
      "    command: node server.js\n"
      "    env_file: .env\n"
      "    environment: [NODE_ENV=production, API_TOKEN=abc123]\n"
      "    depends_on:\n"
      "      db: {condition: service_healthy}\n"
      "    healthcheck:\n"
      "      test: [\"CMD-SHELL\", \"wget -q -O- http://127.0.0.1:3000/ || exit 1\"]\n"
      "    deploy: {resources: {limits: {memory: 256m, cpus: '0.5'}}}\n"
      "  db:\n"
      "    image: postgres:16\n"
      "    init: true\n"
      "    volumes: [pgdata:/var/lib/postgresql/data, ./initdb:/docker-entrypoint-initdb.d:ro, "
      "./uploads:/uploads]\n"
      "volumes: {pgdata: {}}\n");
  const std::string& m = made.manifest;
  EXPECT_NE(m.find("app: shop-front"), std::string::npos) << m;
  EXPECT_NE(m.find("secrets: [\"API_TOKEN\"]"), std::string::npos) << m;
  EXPECT_EQ(m.find("abc123"), std::string::npos) << "a secret's value stays out of app.yaml";
  ASSERT_EQ(made.secrets.size(), 1U);
  EXPECT_EQ(made.secrets[0].second, "abc123");
  EXPECT_NE(m.find("shared: [\".env\", \"uploads\", \"volumes/pgdata\"]"), std::string::npos) << m;
  EXPECT_NE(m.find("\"${shared}/volumes/pgdata:/var/lib/postgresql/data\""), std::string::npos);
  EXPECT_NE(m.find("\"${release}/initdb:/docker-entrypoint-initdb.d:ro\""), std::string::npos);
  EXPECT_NE(m.find("\"${shared}/uploads:/uploads\""), std::string::npos);
  EXPECT_NE(m.find("command: [\"node\", \"server.js\"]"), std::string::npos);
  EXPECT_NE(m.find("depends_on: [\"db\"]"), std::string::npos);
  EXPECT_NE(m.find("ready: {exec: [\"docker\", \"exec\", \"bosun-shop-front-web-${pid}\", \"sh\", "
                   "\"-c\", \"wget -q -O- http://127.0.0.1:3000/ || exit 1\"]"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("memory: \"256m\""), std::string::npos);
  EXPECT_NE(m.find("cpus: \"0.5\""), std::string::npos);
  EXPECT_NE(m.find("init: true"), std::string::npos);
  EXPECT_TRUE(made.unmapped.empty()) << made.unmapped.front();
  const manifest::LoadResult loaded = manifest::parse_manifest(m, "app.yaml");
  EXPECT_TRUE(loaded.ok()) << manifest::format_diagnostics(loaded.diagnostics) << "\n" << m;
}

TEST_F(ComposeImportTest, ABrokenComposeFileIsAnErrorNamingItsLine) {
  const fs::path file = fs::path(project.path()) / "docker-compose.yml";
  std::ofstream(file) << "services:\n  web:\n    image: [unclosed\n";
  const auto result = import_compose(file, project.path(), "shop", "/srv/git");
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().find("docker-compose.yml:"), std::string::npos) << result.error();
  std::ofstream(file) << "version: '3'\n";
  const auto empty = import_compose(file, project.path(), "shop", "/srv/git");
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().find("no services: map"), std::string::npos);
}

}  // namespace
}  // namespace bosun::controller::project
