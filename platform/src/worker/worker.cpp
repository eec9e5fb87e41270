#include "worker/worker.hpp"

#include <chrono>
#include <ostream>
#include <thread>

#include <unistd.h>

#include <Poco/Environment.h>
#include <Poco/UUIDGenerator.h>

#include "core/content_provider.hpp"
#include "core/content_store.hpp"
#include "core/job_queue.hpp"
#include "core/redis_connection.hpp"
#include "core/sqlite_db.hpp"
#include "core/task_store.hpp"

namespace platform {
namespace {

constexpr auto k_heartbeat_ttl = std::chrono::milliseconds(6000);
constexpr auto k_housekeeping_every = std::chrono::milliseconds(1000);
constexpr auto k_take_wait = std::chrono::milliseconds(500);

// Sleeps in short steps so a stop request is noticed quickly.
void pause(std::chrono::milliseconds duration, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class JobRunner {
 public:
  JobRunner(const WorkerConfig& config, ContentProvider& provider, Database& db, JobQueue& queue,
            std::ostream& log)
      : m_config(config), m_provider(provider), m_db(db), m_queue(queue), m_log(log) {}

  void run(const std::string& job_id) {
    TaskStore tasks(m_db);
    const auto task = tasks.find(job_id);
    if (!task) {
      m_log << "job " << job_id << ": no such task, dropping it" << std::endl;
      m_queue.ack(job_id);
      return;
    }
    if (task->status == "done" || task->status == "failed") {
      // Finished by a worker that died before acknowledging: nothing left to do.
      m_log << "job " << job_id << ": already " << task->status << std::endl;
      m_queue.ack(job_id);
      return;
    }
    tasks.start_attempt(job_id);
    const std::int64_t attempt = task->attempts + 1;
    m_log << "job " << job_id << ": generating " << task->mode << " lesson on \"" << task->topic
          << "\" (attempt " << attempt << ")" << std::endl;
    try {
      const GeneratedLesson lesson = m_provider.generate(task->topic, task->mode);
      Transaction transaction(m_db);
      const std::int64_t lesson_id =
          ContentStore(m_db).publish(task->topic, task->mode, lesson.title, lesson.body);
      tasks.complete(job_id, lesson_id);
      transaction.commit();
      m_queue.ack(job_id);
      m_log << "job " << job_id << ": done, lesson " << lesson_id << std::endl;
    } catch (const DatabaseError&) {
      throw;  // not the job's fault: leave it in the processing list for recovery
    } catch (const std::exception& error) {
      give_up_or_retry(job_id, attempt, error.what());
    }
  }

 private:
  void give_up_or_retry(const std::string& job_id, std::int64_t attempt, const std::string& error) {
    TaskStore tasks(m_db);
    if (attempt < m_config.max_attempts) {
      const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(m_config.retry_base_ms)
                                                   << std::min<std::int64_t>(attempt - 1, 20));
      tasks.retrying(job_id, error);
      m_queue.retry_later(job_id, delay);
      m_log << "job " << job_id << ": attempt " << attempt << " failed (" << error
            << "); retrying in " << delay.count() << "ms" << std::endl;
    } else {
      tasks.fail(job_id, error);
      m_queue.dead_letter(job_id);
      m_log << "job " << job_id << ": failed after " << attempt << " attempts (" << error
            << "); moved to the dead-letter list" << std::endl;
    }
  }

  const WorkerConfig& m_config;
  ContentProvider& m_provider;
  Database& m_db;
  JobQueue& m_queue;
  std::ostream& m_log;
};

}  // namespace

std::string make_worker_id() {
  const std::string random = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  return Poco::Environment::nodeName() + "-" + std::to_string(getpid()) + "-" + random.substr(0, 8);
}

Worker::Worker(const WorkerConfig& config, ContentProvider& provider, std::ostream& log)
    : m_config(config), m_provider(provider), m_log(log) {}

void Worker::run(const std::atomic<bool>& stop) {
  Database db(m_config.store.database_path);
  RedisConnection redis(m_config.store.redis);
  JobQueue queue(redis, make_worker_id());
  JobRunner runner(m_config, m_provider, db, queue, m_log);
  m_log << "platform-worker " << queue.worker_id() << " started" << std::endl;
  auto next_housekeeping = std::chrono::steady_clock::now();
  bool announced_idle = false;
  while (!stop.load()) {
    try {
      if (std::chrono::steady_clock::now() >= next_housekeeping) {
        queue.heartbeat(k_heartbeat_ttl);
        if (const auto recovered = queue.recover_orphans(); recovered > 0) {
          m_log << "recovered " << recovered << " job(s) from a worker that stopped mid-job"
                << std::endl;
        }
        queue.promote_due();
        next_housekeeping = std::chrono::steady_clock::now() + k_housekeeping_every;
      }
      if (!announced_idle) {
        m_log << "waiting for jobs" << std::endl;  // the readiness signal the manifest waits for
        announced_idle = true;
      }
      const auto job = queue.take(k_take_wait);
      if (!job) {
        continue;
      }
      announced_idle = false;
      runner.run(*job);
    } catch (const std::exception& error) {
      m_log << "error: " << error.what() << "; retrying in 1s" << std::endl;
      announced_idle = false;
      pause(std::chrono::milliseconds(1000), stop);
    }
  }
  try {
    queue.retire();
  } catch (const std::exception&) {
    // Redis is gone; the heartbeat expires on its own and nothing is held.
  }
  m_log << "platform-worker stopped" << std::endl;
}

}  // namespace platform
