#pragma once
// Test support: a real git repository in a temporary directory, driven by the git CLI, to
// deploy from.

#include <string>
#include <vector>

namespace bosun::test {

class GitRepo {
 public:
  explicit GitRepo(std::string path);  // git init -b main

  // Runs git in the repository; throws with its output when it fails.
  std::string git(const std::vector<std::string>& args) const;
  // Writes `content` to `file` (directories created), commits it, returns the new sha.
  std::string commit(const std::string& file, const std::string& content,
                     const std::string& message);
  // Commits whatever is staged or changed in the work tree; returns the new sha.
  std::string commit_all(const std::string& message);
  void write(const std::string& file, const std::string& content) const;

  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

}  // namespace bosun::test
