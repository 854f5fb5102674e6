#include "output/log_dir.h"

#include <stdexcept>
#include <system_error>
#include <utility>

#include "output/eve.h"

namespace spoor::output {

LogDirSink::LogDirSink(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    // An existing regular file of that name is no directory to write into.
    if (!ec && !std::filesystem::is_directory(dir_, ec)) {
        ec = std::make_error_code(std::errc::not_a_directory);
    }
    if (ec) {
        throw std::runtime_error("cannot create log directory " + dir_.string() + ": " +
                                 ec.message());
    }
}

LogDirSink::~LogDirSink() {
    reopen();
}

bool LogDirSink::write(std::uint64_t timestamp_ns, std::string_view line) {
    // The file's date is the date the line's own "timestamp" field shows.
    const std::string day = format_timestamp(timestamp_ns).substr(0, 10);
    if (file_ != nullptr && day != day_) {
        reopen();
    }
    day_ = day;
    if (file_ == nullptr) {
        // "e": O_CLOEXEC, so children the daemon starts do not hold the file open.
        file_ = std::fopen(current_path().c_str(), "ae");
        if (file_ == nullptr) {
            return false;
        }
    }
    // stdio buffers, so a failure may surface a line late (or in flush()): ferror
    // reports it on the next write, which is then the one counted.
    const bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size() &&
                    std::fputc('\n', file_) != EOF && std::ferror(file_) == 0;
    if (!ok) {
        // Drop the stream, whose error flag would fail every later write: the next
        // write opens the file again and succeeds once the disk has room.
        reopen();
    }
    return ok;
}

void LogDirSink::flush() {
    if (file_ != nullptr) {
        std::fflush(file_);
    }
}

void LogDirSink::reopen() {
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
    }
}

std::filesystem::path LogDirSink::current_path() const {
    if (day_.empty()) {
        return {};
    }
    return dir_ / ("eve-" + day_ + ".json");
}

}  // namespace spoor::output
