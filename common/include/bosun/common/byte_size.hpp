#pragma once
// Byte sizes as written in manifests: "512MiB", "1GiB", "10MB", "1.5GiB".

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace bosun {

// Parses <number><unit>. Units (case-insensitive): B; KB MB GB TB (powers of 1000);
// KiB MiB GiB TiB (powers of 1024); K M G T are read as KiB MiB GiB TiB. A unit is mandatory.
[[nodiscard]] tl::expected<std::uint64_t, std::string> parse_byte_size(std::string_view text);

// The shortest exact binary spelling when there is one ("512MiB"), else one decimal ("1.3GiB").
[[nodiscard]] std::string format_byte_size(std::uint64_t bytes);

}  // namespace bosun
