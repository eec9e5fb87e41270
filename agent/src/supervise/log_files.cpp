#include "supervise/log_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace bosun::agent::supervise {

namespace {

constexpr const char* k_cut_marker = "[...] ";

}  // namespace

std::uint64_t file_size(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::uint64_t>(size);
}

bool rotate_if_larger(const std::string& path, std::uint64_t max_size, int keep) {
  if (file_size(path) <= max_size || keep < 1) {
    return false;
  }
  std::error_code ignored;
  std::filesystem::remove(path + "." + std::to_string(keep), ignored);
  for (int index = keep - 1; index >= 1; --index) {
    std::filesystem::rename(path + "." + std::to_string(index),
                            path + "." + std::to_string(index + 1), ignored);
  }
  std::filesystem::copy_file(path, path + ".1", std::filesystem::copy_options::overwrite_existing,
                             ignored);
  std::filesystem::resize_file(path, 0, ignored);
  return true;
}

void add_to_rotation(const std::string& path, const std::string& retired, int keep) {
  std::error_code ignored;
  if (keep < 1) {
    std::filesystem::remove(retired, ignored);
    return;
  }
  std::filesystem::remove(path + "." + std::to_string(keep), ignored);
  for (int index = keep - 1; index >= 1; --index) {
    std::filesystem::rename(path + "." + std::to_string(index),
                            path + "." + std::to_string(index + 1), ignored);
  }
  std::filesystem::rename(retired, path + ".1", ignored);
}

std::vector<std::string> tail_lines(const std::string& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  if (!in || count == 0) {
    return {};
  }
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::int64_t>(in.tellg());
  // Blocks read backwards until enough newlines were seen or k_tail_read_cap bytes were read,
  // then joined once: a log without newlines costs one bounded read, not the whole file.
  std::vector<std::string> blocks;
  std::int64_t position = size;
  std::int64_t read_total = 0;
  constexpr std::int64_t k_block = 64 * 1024;
  std::size_t newlines = 0;
  while (position > 0 && newlines <= count && read_total < k_tail_read_cap) {
    const std::int64_t length = std::min(k_block, position);
    position -= length;
    read_total += length;
    std::string block(static_cast<std::size_t>(length), '\0');
    in.seekg(position);
    in.read(block.data(), length);
    newlines += static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n'));
    blocks.push_back(std::move(block));
  }
  std::string buffer;
  buffer.reserve(static_cast<std::size_t>(read_total));
  for (auto block = blocks.rbegin(); block != blocks.rend(); ++block) {
    buffer += *block;
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < buffer.size()) {
    const std::size_t end = buffer.find('\n', start);
    lines.push_back(
        buffer.substr(start, end == std::string::npos ? std::string::npos : end - start));
    start = end == std::string::npos ? buffer.size() : end + 1;
  }
  if (lines.size() > count) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  }
  // A line longer than what is shown is shown by its end, marked as cut; so is the first line
  // when the read stopped at the cap inside it.
  const bool stopped_mid_line = position > 0 && newlines <= count;
  for (std::size_t index = 0; index < lines.size(); ++index) {
    std::string& line = lines[index];
    if (line.size() > k_tail_line_cap) {
      line = k_cut_marker + line.substr(line.size() - k_tail_line_cap);
    } else if (index == 0 && stopped_mid_line) {
      line.insert(0, k_cut_marker);
    }
  }
  return lines;
}

std::string read_from(const std::string& path, std::uint64_t& offset, std::size_t limit) {
  const std::uint64_t size = file_size(path);
  if (size < offset) {
    offset = 0;
  }
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text(std::min<std::uint64_t>(size - offset, limit), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  offset += text.size();
  return text;
}

}  // namespace bosun::agent::supervise
