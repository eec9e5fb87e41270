#include "state/adoption_record.hpp"

#include <fstream>

namespace bosun::agent::state {

void save_record(const std::filesystem::path& file, const AdoptionRecord& record) {
  const std::filesystem::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << record.pid << " " << record.start_ticks << " " << record.log_offset << " "
        << record.started_unix_ms << " " << record.port << "\n";
  }
  std::filesystem::rename(temp, file);
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
