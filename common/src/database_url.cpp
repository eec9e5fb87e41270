#include "bosun/common/database_url.hpp"

#include <array>
#include <utility>

#include "bosun/common/text.hpp"
#include "bosun/common/url.hpp"

namespace bosun {

namespace {

struct SchemeInfo {
  std::string_view name;
  DatabaseEngine engine;
  std::uint16_t default_port;
};

constexpr std::array<SchemeInfo, 5> k_schemes{{{"postgres", DatabaseEngine::postgres, 5432},
                                               {"postgresql", DatabaseEngine::postgres, 5432},
                                               {"mysql", DatabaseEngine::mysql, 3306},
                                               {"mariadb", DatabaseEngine::mysql, 3306},
                                               {"mysqlx", DatabaseEngine::mysql, 3306}}};

// The scheme before "://", without a "+driver" suffix; nullptr when not a database's.
const SchemeInfo* scheme_of(std::string_view text, std::string_view& scheme_written) {
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) {
    return nullptr;
  }
  scheme_written = text.substr(0, separator);
  const std::string_view base = scheme_written.substr(0, scheme_written.find('+'));
  for (const SchemeInfo& info : k_schemes) {
    if (info.name == base) {
      return &info;
    }
  }
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

tl::expected<std::string, std::string> percent_decode(std::string_view text,
                                                      std::string_view what) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded += text[i];
      continue;
    }
    const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return tl::make_unexpected("a malformed %-escape in the " + std::string(what));
    }
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

// user[:password]@ into the URL; the rest of the authority is returned.
tl::expected<std::string_view, std::string> take_credentials(std::string_view authority,
                                                             DatabaseUrl& url) {
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return authority;
  }
  const std::string_view credentials = authority.substr(0, at);
  const std::size_t colon = credentials.find(':');
  auto user = percent_decode(credentials.substr(0, colon), "user name");
  if (!user) {
    return tl::make_unexpected(user.error());
  }
  url.user = std::move(*user);
  if (colon != std::string_view::npos) {
    auto password = percent_decode(credentials.substr(colon + 1), "password");
    if (!password) {
      return tl::make_unexpected(password.error());
    }
    url.password = std::move(*password);
  }
  return authority.substr(at + 1);
}

// One key=value of the query into the URL: a socket, or an option.
tl::expected<void, std::string> take_parameter(std::string_view pair, DatabaseUrl& url) {
  const std::size_t equals = pair.find('=');
  auto key = percent_decode(pair.substr(0, equals), "query");
  auto value = percent_decode(
      equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), "query");
  if (!key || !value) {
    return tl::make_unexpected(std::string("a malformed %-escape in the query"));
  }
  const bool postgres = url.engine == DatabaseEngine::postgres;
  if ((postgres && *key == "host" && value->starts_with("/")) ||
      (!postgres && (*key == "unix_socket" || *key == "socket"))) {
    url.socket = *value;
  } else if (*key == "password") {
    return tl::make_unexpected(std::string("the password belongs before the @, not in the query"));
  } else {
    url.options[*key] = *value;
  }
  return {};
}

tl::expected<void, std::string> take_query(std::string_view query, DatabaseUrl& url) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      if (auto taken = take_parameter(pair, url); !taken) {
        return taken;
      }
    }
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return {};
}

}  // namespace

std::string to_string(DatabaseEngine engine) {
  return engine == DatabaseEngine::postgres ? "postgres" : "mysql";
}

bool is_database_url(std::string_view text) {
  std::string_view scheme;
  return scheme_of(trim(text), scheme) != nullptr;
}

tl::expected<DatabaseUrl, std::string> parse_database_url(std::string_view text) {
  const std::string_view input = trim(text);
  std::string_view scheme;
  const SchemeInfo* info = scheme_of(input, scheme);
  const auto fail = [](const std::string& why) {
    return tl::make_unexpected("not a usable database URL: " + why);
  };
  if (info == nullptr) {
    return fail("it must start with postgres://, postgresql://, mysql:// or mariadb://");
  }
  DatabaseUrl url;
  url.engine = info->engine;
  url.scheme = std::string(scheme);
  url.port = info->default_port;
  std::string_view rest = input.substr(scheme.size() + 3);
  const std::size_t query_at = rest.find('?');
  const std::string_view query =
      query_at == std::string_view::npos ? std::string_view{} : rest.substr(query_at + 1);
  rest = rest.substr(0, query_at);
  const std::size_t slash = rest.find('/');
  auto host_part = take_credentials(rest.substr(0, slash), url);
  if (!host_part) {
    return fail(host_part.error());
  }
  if (slash != std::string_view::npos) {
    auto database = percent_decode(rest.substr(slash + 1), "database name");
    if (!database) {
      return fail(database.error());
    }
    url.database = std::move(*database);
  }
  if (auto taken = take_query(query, url); !taken) {
    return fail(taken.error());
  }
  if (host_part->empty()) {
    if (url.socket.empty()) {
      return fail("no host (and no socket in the query)");
    }
    return url;
  }
  if (host_part->find(',') != std::string_view::npos) {
    return fail("several hosts in one URL are not supported");
  }
  const auto split = split_authority(*host_part);
  if (!split) {
    return fail(split.error());
  }
  url.host = split->first;
  if (!split->second.empty()) {
    const auto port = parse_port(split->second);
    if (!port) {
      return fail("the port must be a number from 1 to 65535");
    }
    url.port = *port;
  }
  return url;
}

void take_password_from(const std::map<std::string, std::string>& env, DatabaseUrl& url) {
  if (!url.password.empty()) {
    return;
  }
  const auto found = env.find(url.engine == DatabaseEngine::postgres ? "PGPASSWORD" : "MYSQL_PWD");
  if (found != env.end()) {
    url.password = found->second;
  }
}

tl::expected<DatabaseUrl, std::string> database_url_from(
    const std::map<std::string, std::string>& env, const std::string& name) {
  const auto found = env.find(name);
  if (found == env.end() || found->second.empty()) {
    return tl::make_unexpected(name + " is not set in the app's environment");
  }
  auto url = parse_database_url(found->second);
  if (!url) {
    return tl::make_unexpected(name + ": " + url.error());
  }
  take_password_from(env, *url);
  return url;
}

std::string DatabaseUrl::address() const {
  if (!socket.empty()) {
    return socket;
  }
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string DatabaseUrl::redacted() const {
  std::string text = scheme + "://" + (user.empty() ? "" : user + "@");
  text += socket.empty() ? address() : "";
  text += "/" + database;
  if (!socket.empty()) {
    text +=
        std::string("?") + (engine == DatabaseEngine::postgres ? "host=" : "unix_socket=") + socket;
  }
  return text;
}

}  // namespace bosun
