#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/unique_fd.h"

namespace spoor {

namespace {

constexpr std::string_view kTemporary = ".tmp.";  // FILE.tmp.<pid>

}  // namespace

void write_file_atomically(const std::filesystem::path& file, std::span<const std::byte> bytes) {
    const std::filesystem::path temporary =
        file.string() + std::string(kTemporary) + std::to_string(static_cast<long>(::getpid()));
    const auto fail = [&](const std::string& why) {
        ::unlink(temporary.c_str());
        throw std::runtime_error(file.string() + ": " + why);
    };
    if (file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
    }
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) {
        fail("cannot create " + temporary.string() + ": " + std::strerror(errno));
    }
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fail(std::string("write failed: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
        fail(std::string("fsync failed: ") + std::strerror(errno));
    }
    fd.reset();
    if (::rename(temporary.c_str(), file.c_str()) != 0) {
        fail(std::string("cannot rename into place: ") + std::strerror(errno));
    }
}

void write_file_atomically(const std::filesystem::path& file, std::string_view text) {
    write_file_atomically(file, std::as_bytes(std::span(text.data(), text.size())));
}

bool is_temporary_file_name(std::string_view name) {
    return name.find(kTemporary) != std::string_view::npos;
}

}  // namespace spoor
