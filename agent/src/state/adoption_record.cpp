#include "state/adoption_record.hpp"

#include <fstream>
#include <stdexcept>

#include "bosun/common/text_file.hpp"

namespace bosun::agent::state {

void save_record(const std::filesystem::path& file, const AdoptionRecord& record) {
  const std::string text = std::to_string(record.pid) + " " + std::to_string(record.start_ticks) +
                           " " + std::to_string(record.log_offset) + " " +
                           std::to_string(record.started_unix_ms) + " " +
                           std::to_string(record.port) + "\n";
  // Durable (text_file.hpp): a power cut leaves the old record or the new one, never half.
  if (!write_text_file_atomically(file.string(), text)) {
    throw std::runtime_error("cannot write the record " + file.string());
  }
}

std::optional<AdoptionRecord> load_record(const std::filesystem::path& file) {
  std::ifstream in(file);
  AdoptionRecord record;
  if (!(in >> record.pid >> record.start_ticks >> record.log_offset >> record.started_unix_ms)) {
    return std::nullopt;
  }
  in >> record.port;  // absent in records of agents before deploy: proxy
  return record;
}

void remove_record(const std::filesystem::path& file) {
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
}

}  // namespace bosun::agent::state
