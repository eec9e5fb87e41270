#include "stack_example.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "child_process.hpp"

namespace bosun::test {

namespace fs = std::filesystem;

std::string examples_dir() {
  return std::string(BOSUN_SOURCE_DIR) + "/examples";
}

std::string stack_overlays_dir() {
  return std::string(BOSUN_SOURCE_DIR) + "/tests/stacks";
}

StackExample::StackExample(const std::string& example, const std::string& repo_dir)
    : m_example(example), m_repo(repo_dir) {
  if (!fs::is_directory(examples_dir() + "/" + example)) {
    throw std::runtime_error("no example " + example + " in " + examples_dir());
  }
  for (const unsigned short written :
       {static_cast<unsigned short>(8000), static_cast<unsigned short>(3000)}) {
    m_ports[written] = free_port();
  }
}

void StackExample::copy_tree(const std::string& from) {
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    const fs::path relative = fs::relative(entry.path(), from);
    if (!entry.is_regular_file() || relative.begin()->string() == "node_modules") {
      continue;
    }
    const bool lockfile = relative.filename() == "package-lock.json";  // hashes hold digits
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    for (const auto& [written, port] : lockfile ? decltype(m_ports){} : m_ports) {
      const std::string old_text = std::to_string(written);
      for (std::size_t at = content.find(old_text); at != std::string::npos;
           at = content.find(old_text, at)) {
        content.replace(at, old_text.size(), std::to_string(port));
        at += std::to_string(port).size();
      }
    }
    if (relative == "app.yaml") {  // the repository is this one, on this machine
      const std::size_t line = content.find("\nrepo: ");
      if (line != std::string::npos) {
        content.replace(line + 7, content.find('\n', line + 1) - line - 7, m_repo.path());
      }
    }
    m_repo.write(relative.string(), content);
    fs::permissions(fs::path(m_repo.path()) / relative, fs::status(entry.path()).permissions());
  }
}

std::string StackExample::commit(const std::string& version) {
  copy_tree(version == "v1" ? examples_dir() + "/" + m_example
                            : stack_overlays_dir() + "/" + m_example + "/" + version);
  return m_repo.commit_all(version);
}

}  // namespace bosun::test
