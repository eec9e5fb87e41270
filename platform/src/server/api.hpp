#pragma once
// The platform's HTTP API: every route's logic, on plain request/response values.

#include <chrono>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/job_queue.hpp"
#include "core/redis_connection.hpp"
#include "core/sqlite_db.hpp"
#include "core/tokens.hpp"
#include "server/metrics.hpp"
#include "server/router.hpp"

namespace platform {

struct User;

class Api {
 public:
  Api(const ServerConfig& config, Metrics& metrics);

  void register_routes(Router& router);

 private:
  struct Auth;  // the authenticated user, or the response that refuses the request

  HttpResponse health(const HttpRequest& request);
  HttpResponse ready(const HttpRequest& request);
  HttpResponse register_user(const HttpRequest& request);
  HttpResponse login(const HttpRequest& request);
  HttpResponse me(const HttpRequest& request);
  HttpResponse admin_stats(const HttpRequest& request);
  HttpResponse set_local_id(const HttpRequest& request, const std::string& id_text);
  HttpResponse feed(const HttpRequest& request);
  HttpResponse generate(const HttpRequest& request);
  HttpResponse task(const HttpRequest& request, const std::string& task_id);
  HttpResponse metrics(const HttpRequest& request);

  // The bearer token's user, or the 401 (or, with admin_only, 403) that refuses the request.
  Auth authenticate(const HttpRequest& request, Database& db, bool admin_only = false);
  bool is_admin_email(const std::string& email) const;

  const ServerConfig& m_config;
  Metrics& m_metrics;
  ConnectionPool m_pool;
  RedisConnection m_redis;
  JobQueue m_queue;
  TokenService m_tokens;
  std::chrono::steady_clock::time_point m_started;
  std::string m_revision;
};

}  // namespace platform
