#pragma once
// Where lesson content comes from. An external LLM would plug in behind ContentProvider;
// the local provider is the default: deterministic, offline, instant.

#include <chrono>
#include <string>

namespace platform {

struct GeneratedLesson {
  std::string title;
  std::string body;
};

class ContentProvider {
 public:
  virtual ~ContentProvider() = default;
  // mode is text, audio or quiz. Throws std::runtime_error when generation fails.
  virtual GeneratedLesson generate(const std::string& topic, const std::string& mode) = 0;
};

// Builds a lesson from templates chosen by a hash of the topic: the same topic and mode
// always give the same lesson.
class LocalContentProvider : public ContentProvider {
 public:
  // `latency` simulates a remote provider; topics containing `fail_pattern` (when set)
  // fail, so retries and dead-lettering can be exercised.
  explicit LocalContentProvider(std::chrono::milliseconds latency = std::chrono::milliseconds(0),
                                std::string fail_pattern = "");
  GeneratedLesson generate(const std::string& topic, const std::string& mode) override;

 private:
  std::chrono::milliseconds m_latency;
  std::string m_fail_pattern;
};

}  // namespace platform
