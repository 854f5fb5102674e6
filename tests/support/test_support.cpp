#include "support/test_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string_view>

namespace spoor::test {

std::optional<std::filesystem::path> shared_dir() {
    const char* env = std::getenv("SPOOR_SHARED");
    if (env == nullptr || !std::filesystem::is_directory(env)) {
        return std::nullopt;
    }
    return std::filesystem::path(env);
}

std::optional<std::filesystem::path> maltrail_data() {
    auto shared = shared_dir();
    if (!shared || !std::filesystem::exists(*shared / "data/maltrail/static-trails.tar.xz")) {
        return std::nullopt;
    }
    return *shared / "data/maltrail";
}

TempDir::TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "spoor-test-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
        std::perror("mkdtemp");
        std::abort();
    }
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file;
}

void require_root(const char* tier) {
    if (geteuid() == 0) {
        return;
    }
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string_view(ci) == "true") {
        std::fprintf(stderr, "%s tests need root, and CI must run them: failing\n", tier);
        std::exit(1);
    }
    std::fprintf(stderr, "%s tests need root: skipped\n", tier);
    std::exit(77);
}

}  // namespace spoor::test
