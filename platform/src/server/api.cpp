#include "server/api.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include "core/content_store.hpp"
#include "core/migrations.hpp"
#include "core/password_hash.hpp"
#include "core/task_store.hpp"
#include "core/user_store.hpp"

namespace platform {

using Poco::JSON::Object;

struct Api::Auth {
  std::optional<User> user;
  HttpResponse refusal;
};

namespace {

Object::Ptr new_object() {
  return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

HttpResponse json_response(int status, const Object::Ptr& body) {
  std::ostringstream out;
  body->stringify(out);
  return HttpResponse{status, out.str()};
}

// Parses a JSON object body; nullopt and a 400 response when it is anything else.
std::optional<Object::Ptr> parse_object(const HttpRequest& request, HttpResponse& error) {
  if (request.body.empty()) {
    error = json_error(400, "the request needs a JSON body");
    return std::nullopt;
  }
  try {
    Poco::JSON::Parser parser;
    const Poco::Dynamic::Var parsed = parser.parse(request.body);
    if (parsed.type() != typeid(Object::Ptr)) {
      error = json_error(400, "the JSON body must be an object");
      return std::nullopt;
    }
    return parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception& parse_error) {
    error = json_error(400, "malformed JSON: " + parse_error.message());
    return std::nullopt;
  }
}

// A string field of a JSON object; sets a 400 response when absent or not a string.
std::optional<std::string> string_field(const Object::Ptr& object, const std::string& name,
                                        HttpResponse& error) {
  if (!object->has(name) || object->isNull(name)) {
    error = json_error(400, "missing field \"" + name + "\"");
    return std::nullopt;
  }
  const Poco::Dynamic::Var value = object->get(name);
  if (!value.isString()) {
    error = json_error(400, "field \"" + name + "\" must be a string");
    return std::nullopt;
  }
  return value.extract<std::string>();
}

// {"email": ..., "password": ...} as strings; sets a 400 response otherwise.
std::optional<std::pair<std::string, std::string>> read_credentials(const HttpRequest& request,
                                                                    HttpResponse& error) {
  const auto object = parse_object(request, error);
  if (!object) {
    return std::nullopt;
  }
  auto email = string_field(*object, "email", error);
  auto password = email ? string_field(*object, "password", error) : std::nullopt;
  if (!email || !password) {
    return std::nullopt;
  }
  return std::pair{std::move(*email), std::move(*password)};
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool valid_email(const std::string& email) {
  static const std::regex pattern(R"(^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$)");
  return email.size() <= 254 && std::regex_match(email, pattern);
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const std::int64_t id = std::stoll(text);
  return id > 0 ? std::optional(id) : std::nullopt;
}

Object::Ptr user_json(const User& user) {
  Object::Ptr body = new_object();
  body->set("id", user.id);
  body->set("email", user.email);
  body->set("role", user.role);
  body->set("local_id", user.local_id ? Poco::Dynamic::Var(*user.local_id) : Poco::Dynamic::Var());
  return body;
}

Object::Ptr lesson_json(const Lesson& lesson) {
  Object::Ptr body = new_object();
  body->set("id", lesson.id);
  body->set("topic", lesson.topic);
  body->set("mode", lesson.mode);
  body->set("title", lesson.title);
  body->set("body", lesson.body);
  body->set("created_at", lesson.created_at);
  return body;
}

std::string read_revision() {
  std::ifstream in("REVISION");
  std::string revision;
  std::getline(in, revision);
  return revision.empty() ? "unknown" : revision;
}

}  // namespace

Api::Api(const ServerConfig& config, Metrics& metrics)
    : m_config(config),
      m_metrics(metrics),
      m_pool(config.store.database_path),
      m_redis(config.store.redis),
      m_queue(m_redis),
      m_tokens(config.jwt_secret, config.token_ttl_s),
      m_started(std::chrono::steady_clock::now()),
      m_revision(read_revision()) {}

void Api::register_routes(Router& router) {
  router.add("GET", "/health",
             [this](const HttpRequest& r, const RouteParams&) { return health(r); });
  router.add("GET", "/ready",
             [this](const HttpRequest& r, const RouteParams&) { return ready(r); });
  router.add("POST", "/auth/register",
             [this](const HttpRequest& r, const RouteParams&) { return register_user(r); });
  router.add("POST", "/auth/login",
             [this](const HttpRequest& r, const RouteParams&) { return login(r); });
  router.add("GET", "/users/me",
             [this](const HttpRequest& r, const RouteParams&) { return me(r); });
  router.add("GET", "/admin/stats",
             [this](const HttpRequest& r, const RouteParams&) { return admin_stats(r); });
  router.add("PUT", "/users/{id}/local-id",
             [this](const HttpRequest& r, const RouteParams& p) { return set_local_id(r, p[0]); });
  router.add("GET", "/feed", [this](const HttpRequest& r, const RouteParams&) { return feed(r); });
  router.add("POST", "/content/generate",
             [this](const HttpRequest& r, const RouteParams&) { return generate(r); });
  router.add("GET", "/content/tasks/{id}",
             [this](const HttpRequest& r, const RouteParams& p) { return task(r, p[0]); });
  router.add("GET", "/metrics",
             [this](const HttpRequest& r, const RouteParams&) { return metrics(r); });
}

HttpResponse Api::health(const HttpRequest&) {
  Object::Ptr body = new_object();
  body->set("status", "ok");
  body->set("version", PLATFORM_VERSION);
  body->set("revision", m_revision);
  body->set("pid", static_cast<int>(::getpid()));  // which instance answered (overlap deploys)
  body->set("uptime_s", std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - m_started)
                            .count());
  return json_response(200, body);
}

HttpResponse Api::ready(const HttpRequest&) {
  Object::Ptr checks = new_object();
  bool all_ok = true;
  const auto record = [&](const std::string& name, bool ok, const std::string& detail,
                          Object::Ptr extra = nullptr) {
    Object::Ptr check = extra ? extra : new_object();
    check->set("ok", ok);
    if (!detail.empty()) {
      check->set("detail", detail);
    }
    checks->set(name, check);
    all_ok = all_ok && ok;
  };
  try {
    auto db = m_pool.acquire();
    db->exec("SELECT 1");
    record("database", true, "");
    Migrator migrator(*db, embedded_migrations());
    const int current = migrator.current_version();
    const int expected = migrator.expected_version();
    Object::Ptr schema = new_object();
    schema->set("version", current);
    schema->set("expected", expected);
    record("schema", current == expected,
           current == expected ? ""
                               : "run platform-migrate up (schema " + std::to_string(current) +
                                     ", this build expects " + std::to_string(expected) + ")",
           schema);
  } catch (const std::exception& error) {
    record("database", false, error.what());
    record("schema", false, "database unavailable");
  }
  const bool redis_ok = m_redis.ping();
  record("redis", redis_ok,
         redis_ok ? ""
                  : "no PONG from " + m_config.store.redis.host + ":" +
                        std::to_string(m_config.store.redis.port));
  Object::Ptr body = new_object();
  body->set("status", all_ok ? "ready" : "degraded");
  body->set("pid", static_cast<int>(::getpid()));
  body->set("checks", checks);
  return json_response(all_ok ? 200 : 503, body);
}

HttpResponse Api::register_user(const HttpRequest& request) {
  HttpResponse error;
  const auto credentials = read_credentials(request, error);
  if (!credentials) {
    return error;
  }
  const auto& [email, password] = *credentials;
  const std::string normalized = lower(email);
  if (!valid_email(normalized)) {
    return json_error(400, "\"" + normalized.substr(0, 80) + "\" is not a valid email address");
  }
  if (password.size() < 8 || password.size() > 256) {
    return json_error(400, "the password must be 8 to 256 characters long");
  }
  const std::string hash = hash_password(password);
  auto db = m_pool.acquire();
  UserStore users(*db);
  try {
    const User user = users.create(normalized, hash, is_admin_email(normalized) ? "admin" : "");
    Object::Ptr body = new_object();
    body->set("id", user.id);
    body->set("email", user.email);
    return json_response(201, body);
  } catch (const ConstraintError&) {
    return json_error(400, "an account with this email already exists");
  }
}

HttpResponse Api::login(const HttpRequest& request) {
  HttpResponse error;
  const auto credentials = read_credentials(request, error);
  if (!credentials) {
    return error;
  }
  const auto& [email, password] = *credentials;
  auto db = m_pool.acquire();
  const auto user = UserStore(*db).find_by_email(lower(email));
  // Verify even for unknown users so both failures take the same time.
  static const std::string unknown_user_hash = hash_password("timing-equalizer");
  const std::string& stored = user ? user->password_hash : unknown_user_hash;
  if (!verify_password(password, stored) || !user) {
    HttpResponse refused = json_error(401, "wrong email or password");
    refused.headers.emplace_back("WWW-Authenticate", "Bearer");
    return refused;
  }
  Object::Ptr body = new_object();
  body->set("access_token", m_tokens.issue({user->id, user->role}));
  body->set("token_type", "bearer");
  return json_response(200, body);
}

Api::Auth Api::authenticate(const HttpRequest& request, Database& db, bool admin_only) {
  const auto refuse = [](const std::string& message) {
    HttpResponse response = json_error(401, message);
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return Auth{std::nullopt, response};
  };
  const std::string prefix = "Bearer ";
  if (request.authorization.empty()) {
    return refuse("authentication required: send Authorization: Bearer <token>");
  }
  if (!request.authorization.starts_with(prefix)) {
    return refuse("the Authorization header must be \"Bearer <token>\"");
  }
  const auto claims = m_tokens.verify(request.authorization.substr(prefix.size()));
  if (!claims) {
    return refuse("invalid or expired token");
  }
  auto user = UserStore(db).find_by_id(claims->user_id);
  if (!user) {
    return refuse("the token's user no longer exists");
  }
  if (admin_only && user->role != "admin") {
    return Auth{std::nullopt, json_error(403, "admin role required")};
  }
  return Auth{std::move(user), {}};
}

HttpResponse Api::me(const HttpRequest& request) {
  auto db = m_pool.acquire();
  Auth auth = authenticate(request, *db);
  if (!auth.user) {
    return auth.refusal;
  }
  return json_response(200, user_json(*auth.user));
}

HttpResponse Api::admin_stats(const HttpRequest& request) {
  auto db = m_pool.acquire();
  Auth auth = authenticate(request, *db, /*admin_only=*/true);
  if (!auth.user) {
    return auth.refusal;
  }
  ContentStore content(*db);
  Object::Ptr tasks = new_object();
  for (const auto& [status, count] : TaskStore(*db).count_by_status()) {
    tasks->set(status, count);
  }
  Object::Ptr body = new_object();
  body->set("users", UserStore(*db).count());
  body->set("lessons", content.lesson_count());
  body->set("feed_items", content.feed_count());
  body->set("tasks", tasks);
  return json_response(200, body);
}

HttpResponse Api::set_local_id(const HttpRequest& request, const std::string& id_text) {
  auto db = m_pool.acquire();
  Auth auth = authenticate(request, *db, /*admin_only=*/true);
  if (!auth.user) {
    return auth.refusal;
  }
  const auto id = parse_id(id_text);
  if (!id) {
    return json_error(400, "user id must be a positive whole number");
  }
  HttpResponse error;
  const auto object = parse_object(request, error);
  if (!object) {
    return error;
  }
  const auto local_id = string_field(*object, "local_id", error);
  if (!local_id) {
    return error;
  }
  if (local_id->empty() || local_id->size() > 64) {
    return json_error(400, "local_id must be 1 to 64 characters long");
  }
  UserStore users(*db);
  try {
    if (!users.set_local_id(*id, *local_id)) {
      return json_error(404, "no user with id " + std::to_string(*id));
    }
  } catch (const ConstraintError&) {
    return json_error(400, "local_id \"" + *local_id + "\" belongs to another user");
  }
  return json_response(200, user_json(*users.find_by_id(*id)));
}

HttpResponse Api::feed(const HttpRequest& request) {
  int limit = 20;
  if (const auto it = request.query.find("limit"); it != request.query.end()) {
    const auto parsed = parse_id(it->second);
    if (!parsed || *parsed > 100) {
      return json_error(400, "limit must be a whole number from 1 to 100");
    }
    limit = static_cast<int>(*parsed);
  }
  auto db = m_pool.acquire();
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (const FeedItem& item : ContentStore(*db).feed(limit)) {
    Object::Ptr entry = lesson_json(item.lesson);
    entry->set("feed_item_id", item.id);
    entry->set("published_at", item.published_at);
    items->add(entry);
  }
  Object::Ptr body = new_object();
  body->set("items", items);
  body->set("count", items->size());
  return json_response(200, body);
}

HttpResponse Api::generate(const HttpRequest& request) {
  auto db = m_pool.acquire();
  Auth auth = authenticate(request, *db);
  if (!auth.user) {
    return auth.refusal;
  }
  HttpResponse error;
  const auto object = parse_object(request, error);
  if (!object) {
    return error;
  }
  const auto topic = string_field(*object, "topic", error);
  const auto mode = topic ? string_field(*object, "mode", error) : std::nullopt;
  if (!topic || !mode) {
    return error;
  }
  if (topic->empty() || topic->size() > 200) {
    return json_error(400, "topic must be 1 to 200 characters long");
  }
  if (*mode != "text" && *mode != "audio" && *mode != "quiz") {
    return json_error(400, "mode must be text, audio or quiz");
  }
  const std::string task_id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  TaskStore(*db).create(task_id, auth.user->id, *topic, *mode);
  try {
    m_queue.push(task_id);
  } catch (const std::exception& queue_error) {
    TaskStore(*db).fail(task_id, "could not queue: " + std::string(queue_error.what()));
    return json_error(503, "the job queue is unavailable; try again shortly");
  }
  Object::Ptr body = new_object();
  body->set("task_id", task_id);
  body->set("status", "queued");
  return json_response(202, body);
}

HttpResponse Api::task(const HttpRequest& request, const std::string& task_id) {
  auto db = m_pool.acquire();
  Auth auth = authenticate(request, *db);
  if (!auth.user) {
    return auth.refusal;
  }
  static const std::regex uuid(R"(^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
  if (!std::regex_match(task_id, uuid)) {
    return json_error(400, "task id must be a UUID");
  }
  const auto found = TaskStore(*db).find(task_id);
  if (!found || (found->user_id != auth.user->id && auth.user->role != "admin")) {
    return json_error(404, "no task " + task_id);
  }
  Object::Ptr body = new_object();
  body->set("task_id", found->id);
  body->set("status", found->status);
  body->set("topic", found->topic);
  body->set("mode", found->mode);
  body->set("attempts", found->attempts);
  body->set("error",
            found->error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(found->error));
  Poco::Dynamic::Var result;
  if (found->lesson_id) {
    if (const auto lesson = ContentStore(*db).lesson(*found->lesson_id)) {
      result = lesson_json(*lesson);
    }
  }
  body->set("result", result);
  body->set("created_at", found->created_at);
  body->set("updated_at", found->updated_at);
  return json_response(200, body);
}

HttpResponse Api::metrics(const HttpRequest&) {
  std::optional<std::int64_t> depth;
  std::optional<std::int64_t> dead;
  try {
    depth = m_queue.depth();
    dead = m_queue.dead_count();
  } catch (const std::exception&) {
    // Redis is down: the scrape still answers, with platform_redis_up 0.
  }
  HttpResponse response{200, m_metrics.render(depth, dead)};
  response.content_type = "text/plain; version=0.0.4";
  return response;
}

bool Api::is_admin_email(const std::string& email) const {
  return std::any_of(m_config.admin_emails.begin(), m_config.admin_emails.end(),
                     [&](const std::string& admin) { return lower(admin) == email; });
}

}  // namespace platform
