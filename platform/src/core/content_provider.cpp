#include "core/content_provider.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <thread>

namespace platform {
namespace {

// FNV-1a: stable across runs and platforms, unlike std::hash.
std::uint64_t stable_hash(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string json_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

const std::array<const char*, 4> k_openers{
    "Start with the one idea that makes %s click.",
    "%s in five minutes: the part that matters most.",
    "Most people meet %s the hard way; here is the short way.",
    "A field guide to %s for busy learners.",
};

const std::array<const char*, 3> k_practice{
    "Try it once today, write down what surprised you, and try again tomorrow.",
    "Explain it to a colleague in two sentences; where you stumble is what to review.",
    "Find one place in your own work where this applies and change it.",
};

std::string fill(const char* pattern, const std::string& topic) {
  std::string text = pattern;
  const std::size_t at = text.find("%s");
  if (at != std::string::npos) {
    text.replace(at, 2, topic);
  }
  return text;
}

}  // namespace

LocalContentProvider::LocalContentProvider(std::chrono::milliseconds latency,
                                           std::string fail_pattern)
    : m_latency(latency), m_fail_pattern(std::move(fail_pattern)) {}

GeneratedLesson LocalContentProvider::generate(const std::string& topic, const std::string& mode) {
  if (m_latency.count() > 0) {
    std::this_thread::sleep_for(m_latency);
  }
  if (!m_fail_pattern.empty() && topic.find(m_fail_pattern) != std::string::npos) {
    throw std::runtime_error("the content provider rejected topic \"" + topic + "\"");
  }
  const std::uint64_t hash = stable_hash(topic + "|" + mode);
  const std::string opener = fill(k_openers[hash % k_openers.size()], topic);
  const std::string practice = k_practice[(hash / 7) % k_practice.size()];
  if (mode == "quiz") {
    const std::string t = json_escape(topic);
    return {"Quiz: " + topic, "[{\"q\":\"What problem does " + t + " solve?\",\"a\":\"" +
                                  json_escape(opener) +
                                  "\"},"
                                  "{\"q\":\"How do you practise " +
                                  t + "?\",\"a\":\"" + json_escape(practice) +
                                  "\"},"
                                  "{\"q\":\"What is one sign you understand " +
                                  t +
                                  "?\","
                                  "\"a\":\"You can explain it in two sentences.\"}]"};
  }
  if (mode == "audio") {
    return {"Listen: " + topic, "HOST: " + opener + "\nGUEST: The key is to start small.\nHOST: " +
                                    practice + "\nGUEST: That's " + topic + " in one breath."};
  }
  if (mode == "text") {
    return {"Micro-lesson: " + topic, opener + " " + practice};
  }
  throw std::runtime_error("unknown mode \"" + mode + "\"");
}

}  // namespace platform
