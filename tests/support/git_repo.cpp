#include "git_repo.hpp"

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "child_process.hpp"

namespace bosun::test {

namespace fs = std::filesystem;

GitRepo::GitRepo(std::string path) : m_path(std::move(path)) {
  fs::create_directories(m_path);
  git({"init", "-q", "-b", "main"});
}

std::string GitRepo::git(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = m_path + "/../git.log";
  fs::remove(log);
  ChildProcess process({argv,
                        {"HOME=" + m_path, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
                         "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"},
                        m_path,
                        log});
  const auto status = process.wait(std::chrono::seconds(30));
  if (!status || WEXITSTATUS(*status) != 0) {
    throw std::runtime_error("git failed: " + process.output());
  }
  return process.output();
}

void GitRepo::write(const std::string& file, const std::string& content) const {
  const fs::path target = fs::path(m_path) / file;
  fs::create_directories(target.parent_path());
  std::ofstream(target) << content;
}

std::string GitRepo::commit(const std::string& file, const std::string& content,
                            const std::string& message) {
  write(file, content);
  git({"add", file});
  return commit_all(message);
}

std::string GitRepo::commit_all(const std::string& message) {
  git({"add", "-A"});
  git({"commit", "-q", "-m", message});
  std::string sha = git({"rev-parse", "HEAD"});
  sha.erase(sha.find_last_not_of('\n') + 1);
  return sha;
}

}  // namespace bosun::test
