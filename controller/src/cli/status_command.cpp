// `bosun status`, the incident view: what every host runs and how it is, gathered first
// (StageStatus), then printed as text or JSON.

#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "bosun/common/exit_codes.hpp"
#include "bosun/common/text.hpp"
#include "cli/host_commands.hpp"
#include "cli/progress_printer.hpp"
#include "host/host_queries.hpp"
#include "host/release_list.hpp"
#include "project/local_repo.hpp"

namespace bosun::controller::cli {
namespace {

using Poco::JSON::Object;

Object::Ptr parse_object(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

struct HostStatus {
  std::string name;
  std::string live = "none";  // the current release's id
  std::string commit;
  std::string state;
  std::string restored_backup;  // the database restore the live release came back with
  std::string good_release;     // the newest release verified good other than the live one
  std::string good_commit;
  // What the live release brought since good_release, when they differ.
  std::optional<tl::expected<project::ChangeSummary, std::string>> since_good;
  std::string unreachable;                                  // why the host could not be asked
  Poco::JSON::Array::Ptr services = new Poco::JSON::Array;  // as its agent reports them
  bool unhealthy = false;  // a service that is not ready, or a status that cannot be read
  // Failing dependencies every release shares (the agent's diagnosis): the database, a
  // service kept across deploys, a port held by another process. "what: evidence (services)"
  std::vector<std::string> shared_faults;
  bool rollback_helps = true;  // false when the shared faults explain every unhealthy service
};

struct StageStatus {
  std::vector<HostStatus> hosts;
  std::set<std::string> commits;  // the live commits across the stage
  std::string rollback_command;

  bool drift() const { return commits.size() > 1; }
  std::vector<std::string> unreachable() const {
    std::vector<std::string> names;
    for (const HostStatus& host : hosts) {
      if (!host.unreachable.empty()) {
        names.push_back(host.name);
      }
    }
    return names;
  }
  bool sick() const {
    return std::any_of(hosts.begin(), hosts.end(), [](const HostStatus& h) { return h.unhealthy; });
  }
  // A rollback can help: an unhealthy reachable host has an earlier good release, and its
  // trouble is not only in what every release shares.
  bool can_roll_back() const {
    return std::any_of(hosts.begin(), hosts.end(), [](const HostStatus& h) {
      return h.unhealthy && !h.good_release.empty() && h.rollback_helps;
    });
  }
  bool shared_faults() const {
    return std::any_of(hosts.begin(), hosts.end(),
                       [](const HostStatus& h) { return !h.shared_faults.empty(); });
  }
  bool healthy() const { return !sick() && unreachable().empty(); }
};

void read_releases(const host::Answer& answer, HostStatus& host) {
  if (!answer.failure.empty() || answer.result.exit_code != 0) {
    return;
  }
  std::int64_t good_when = -1;
  try {
    const std::vector<host::ReleaseEntry> releases = host::parse_release_list(answer.result.output);
    for (const host::ReleaseEntry& release : releases) {
      if (release.current) {
        host.live = release.id;
        host.commit = release.commit;
        host.state = release.state;
        host.restored_backup = release.restored_backup;
      }
    }
    // The last good release to go back to is an older one (ids start with their UTC time):
    // after a rollback, a newer release verified before it is not "the last good one".
    for (const host::ReleaseEntry& release : releases) {
      const bool older = host.live == "none" || release.id < host.live;
      if (!release.current && older && release.state == "good" && release.verified_unix_ms &&
          *release.verified_unix_ms > good_when) {
        good_when = *release.verified_unix_ms;
        host.good_commit = release.commit;
        host.good_release = release.id;
      }
    }
  } catch (const std::exception&) {
    host.live = "unreadable";
  }
}

void read_services(const host::Answer& answer, HostStatus& host) {
  if (!answer.failure.empty()) {
    host.unreachable = answer.failure;
    return;
  }
  try {
    const auto body = parse_object(answer.result.output);
    const auto list = body->getArray("services");
    for (std::size_t s = 0; list && s < list->size(); ++s) {
      const auto service = list->getObject(static_cast<unsigned>(s));
      host.services->add(service);
      host.unhealthy = host.unhealthy || service->optValue<std::string>("state", "") != "ready";
    }
    if (const auto diagnosis = body->getObject("diagnosis")) {
      host.rollback_helps = diagnosis->optValue<bool>("rollback_can_help", true);
      const auto shared = diagnosis->getArray("shared");
      for (std::size_t f = 0; shared && f < shared->size(); ++f) {
        const auto fault = shared->getObject(static_cast<unsigned>(f));
        std::vector<std::string> services;
        const auto names = fault->getArray("services");
        for (std::size_t n = 0; names && n < names->size(); ++n) {
          services.push_back(names->getElement<std::string>(static_cast<unsigned>(n)));
        }
        host.shared_faults.push_back(fault->optValue<std::string>("what", "") + ": " +
                                     fault->optValue<std::string>("evidence", "") + " (" +
                                     join(services, ", ") + ")");
      }
    }
  } catch (const std::exception&) {
    host.unhealthy = true;
  }
}

StageStatus gather(ControllerContext& context, const std::string& manifest_path) {
  std::vector<host::HostSession>& hosts = context.hosts();
  const auto statuses = host::ask_all(hosts, "status", {"--json"});
  const auto releases = ask_all(hosts, "releases", {"--json"});
  StageStatus stage;
  stage.rollback_command = "bosun rollback -c " + manifest_path +
                           (context.stage_name().empty() ? "" : " -d " + context.stage_name());
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    HostStatus host;
    host.name = hosts[i].name();
    read_releases(releases[i], host);
    if (!host.commit.empty()) {
      stage.commits.insert(host.commit);
    }
    if (!host.good_commit.empty() && !host.commit.empty() && host.good_commit != host.commit) {
      host.since_good = project::changes_between(manifest_path, host.good_commit, host.commit);
    }
    read_services(statuses[i], host);
    stage.hosts.push_back(std::move(host));
  }
  return stage;
}

void print_since_good(const HostStatus& host, std::ostream& out) {
  out << "  since the last good release " << host.good_release << ": ";
  if (!*host.since_good) {
    out << host.since_good->error() << "\n";
    return;
  }
  const project::ChangeSummary& changes = **host.since_good;
  out << changes.commits.size() << " commit(s), " << changes.migrations.size()
      << " migration file(s)\n";
  for (const std::string& line : changes.commits) {
    out << "      " << line << "\n";
  }
  for (const std::string& path : changes.migrations) {
    out << "      migration: " << path << "\n";
  }
}

void print_services(const HostStatus& host, std::ostream& out) {
  for (std::size_t s = 0; s < host.services->size(); ++s) {
    const auto service = host.services->getObject(static_cast<unsigned>(s));
    const std::string state = service->optValue<std::string>("state", "");
    const bool ok = state == "ready";
    out << "  " << pad_column(service->optValue<std::string>("name", ""), 14)
        << pad_column(state, 12) << "restarts " << service->optValue<std::int64_t>("restarts", 0);
    if (!ok) {
      out << "  " << service->optValue<std::string>("last_exit", "");
    }
    out << "\n";
    const std::string probe = service->optValue<std::string>("probe", "");
    if (!ok && !probe.empty() && !probe.starts_with("pass")) {  // failing evidence only
      out << "      probe: " << probe << "\n";
    }
  }
}

void print_text(const StageStatus& stage, std::ostream& out) {
  for (const HostStatus& host : stage.hosts) {
    out << host.name << ": " << host.live << " (" << short_commit(host.commit)
        << (host.state.empty() ? "" : ", " + host.state) << ")\n";
    if (!host.restored_backup.empty()) {
      out << "  data: " << host.restored_backup << "\n";
    }
    if (host.since_good) {
      print_since_good(host, out);
    }
    if (!host.unreachable.empty()) {
      out << "  unreachable: " << host.unreachable << "\n";
    } else {
      print_services(host, out);
      for (const std::string& fault : host.shared_faults) {
        out << "  shared dependency down: " << fault << "\n";
      }
    }
  }
  if (stage.drift()) {
    out << "\nversion drift: the hosts run " << stage.commits.size()
        << " different commits; deploy one commit to all (bosun deploy) or roll back\n";
  }
  if (const auto unreachable = stage.unreachable(); !unreachable.empty()) {
    // A rollback cannot reach them either: the way back starts with the machine or its sshd.
    out << "\nunreachable: " << join(unreachable, ", ")
        << ". Check that the machine is up and its sshd answers; nothing can be changed there "
           "until then.\n";
  }
  if (stage.shared_faults()) {
    out << "\nthe failing checks point at dependencies every release shares (above): bring them "
           "back; a rollback cannot help where they explain the failures, the previous release "
           "needs them too.\n";
  }
  if (stage.can_roll_back()) {
    out << "\nsomething is unhealthy. To go back to the last good release everywhere:\n  "
        << stage.rollback_command << "\n";
  } else if (stage.sick() && !stage.shared_faults()) {
    out << "\nsomething is unhealthy, and no unhealthy host has an earlier good release to go "
           "back to: see the failing services above (bosun logs SERVICE, bosun ready).\n";
  }
}

Object::Ptr host_json(const HostStatus& host) {
  Object::Ptr entry = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  entry->set("host", host.name);
  entry->set("release", host.live);
  entry->set("commit", host.commit);
  entry->set("release_state", host.state);
  entry->set("restored_backup", host.restored_backup);
  if (host.since_good) {
    Object::Ptr since = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    since->set("last_good_release", host.good_release);
    since->set("last_good_commit", host.good_commit);
    if (*host.since_good) {
      Poco::JSON::Array::Ptr commits = new Poco::JSON::Array;
      for (const std::string& line : (*host.since_good)->commits) {
        commits->add(line);
      }
      Poco::JSON::Array::Ptr migrations = new Poco::JSON::Array;
      for (const std::string& path : (*host.since_good)->migrations) {
        migrations->add(path);
      }
      since->set("commits", commits);
      since->set("migrations", migrations);
    }
    entry->set("since_last_good", since);
  }
  if (!host.unreachable.empty()) {
    entry->set("error", host.unreachable);
  } else {
    entry->set("services", host.services);
    Poco::JSON::Array::Ptr faults = new Poco::JSON::Array;
    for (const std::string& fault : host.shared_faults) {
      faults->add(fault);
    }
    entry->set("shared_faults", faults);
    entry->set("rollback_can_help", host.unhealthy && host.rollback_helps);
  }
  return entry;
}

void print_json(const StageStatus& stage, const std::string& stage_name, std::ostream& out) {
  Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  body.set("stage", stage_name);
  body.set("healthy", stage.healthy());
  body.set("drift", stage.drift());
  Poco::JSON::Array::Ptr unreachable = new Poco::JSON::Array;
  for (const std::string& name : stage.unreachable()) {
    unreachable->add(name);
  }
  body.set("unreachable", unreachable);
  if (stage.can_roll_back()) {
    body.set("rollback_command", stage.rollback_command);
  }
  Poco::JSON::Array::Ptr hosts = new Poco::JSON::Array;
  for (const HostStatus& host : stage.hosts) {
    hosts->add(host_json(host));
  }
  body.set("hosts", hosts);
  body.stringify(out);
  out << "\n";
}

}  // namespace

int status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string command = "bosun status";
  GlobalOptions globals;
  bosun::cli::ArgParser parser(
      command,
      "The incident view: per host the live release and commit, every service and its state, "
      "failing probes with their evidence; version drift across the stage; and the exact "
      "rollback command when something is unhealthy.");
  globals.add_to(parser);
  parser.epilog("Exit status: 0 every host healthy and on one release, 1 otherwise.\n");
  int code = 0;
  auto context = host::open_context(globals, parser, args, command, out, err, code);
  if (!context) {
    return code;
  }
  const StageStatus stage = gather(*context, globals.config);
  if (globals.json) {
    print_json(stage, context->stage_name(), out);
  } else {
    print_text(stage, out);
  }
  return stage.healthy() && !stage.drift() ? exit_code::k_ok : exit_code::k_failed;
}

}  // namespace bosun::controller::cli
