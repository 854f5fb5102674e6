// Writing a file whole or not at all: the bytes go to a temporary file beside it,
// are flushed to disk and renamed over it, so that a reader (or a watcher of the
// folder) sees the old file or the new one, never half of one. Used for trail
// stores, the custom trails file and cached pattern databases.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

namespace spoor {

// Creates the parent folder if needed. Throws std::runtime_error "FILE: why".
void write_file_atomically(const std::filesystem::path& file, std::span<const std::byte> bytes);
void write_file_atomically(const std::filesystem::path& file, std::string_view text);

// The name is one of write_file_atomically()'s temporary files (not the file itself).
bool is_temporary_file_name(std::string_view name);

}  // namespace spoor
