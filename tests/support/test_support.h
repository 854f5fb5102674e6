// Helpers shared by the test binaries.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace spoor::test {

// ../shared beside the repository (SPOOR_SHARED), or nullopt when it is absent:
// tests that need real data say so and return early.
std::optional<std::filesystem::path> shared_dir();

// The maltrail reference data in ../shared, or nullopt.
std::optional<std::filesystem::path> maltrail_data();

// A fresh temporary directory, removed when the object goes.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // Writes `content` to path()/name (creating folders) and returns the full path.
    std::filesystem::path write(const std::string& name, const std::string& content) const;

  private:
    std::filesystem::path path_;
};

// For root tiers: returns normally as root; otherwise exits 77 (CTest "skipped"),
// or fails loudly with exit 1 when CI=true, where root tiers must run.
void require_root(const char* tier);

}  // namespace spoor::test
