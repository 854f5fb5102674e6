// Daily alert files: <dir>/eve-YYYY-MM-DD.json, the date of each alert's UTC
// timestamp, appended line by line. Reopened on request (log rotation).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace spoor::output {

class LogDirSink {
  public:
    // Creates `dir` if needed; throws std::runtime_error naming the path on failure.
    explicit LogDirSink(std::filesystem::path dir);
    ~LogDirSink();
    LogDirSink(const LogDirSink&) = delete;
    LogDirSink& operator=(const LogDirSink&) = delete;

    // Appends `line` + '\n' to the file of the day of `timestamp_ns`. Returns false
    // (and the caller counts it) when the write fails.
    bool write(std::uint64_t timestamp_ns, std::string_view line);
    void flush();
    void reopen();  // close the current file; the next write opens it again
    std::filesystem::path current_path() const;

  private:
    std::filesystem::path dir_;
    std::string day_;  // "YYYY-MM-DD" of the open file
    std::FILE* file_ = nullptr;
};

}  // namespace spoor::output
