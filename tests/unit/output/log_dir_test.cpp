#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "output/log_dir.h"
#include "support/test_support.h"

using spoor::output::LogDirSink;
using spoor::test::TempDir;

namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;
// 2026-08-08T00:00:00Z.
constexpr std::uint64_t kAug8Midnight = 1786147200 * kSecond;

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

TEST_CASE("LogDirSink creates its directory, nested") {
    TempDir tmp;
    const auto dir = tmp.path() / "var" / "log" / "spoor";
    LogDirSink sink(dir);
    CHECK(std::filesystem::is_directory(dir));
    CHECK(sink.current_path().empty());  // nothing written yet
}

TEST_CASE("LogDirSink writes one file per UTC day") {
    TempDir tmp;
    LogDirSink sink(tmp.path());
    CHECK(sink.write(kAug8Midnight - 1, R"({"n":1})"));
    CHECK(sink.current_path() == tmp.path() / "eve-2026-08-07.json");
    CHECK(sink.write(kAug8Midnight - 1, R"({"n":2})"));
    CHECK(sink.write(kAug8Midnight, R"({"n":3})"));
    CHECK(sink.current_path() == tmp.path() / "eve-2026-08-08.json");
    CHECK(sink.write(kAug8Midnight + 3600 * kSecond, R"({"n":4})"));
    sink.flush();
    CHECK(slurp(tmp.path() / "eve-2026-08-07.json") == "{\"n\":1}\n{\"n\":2}\n");
    CHECK(slurp(tmp.path() / "eve-2026-08-08.json") == "{\"n\":3}\n{\"n\":4}\n");

    // A late alert from before midnight goes to its own day's file.
    CHECK(sink.write(kAug8Midnight - 2, R"({"n":5})"));
    sink.flush();
    CHECK(slurp(tmp.path() / "eve-2026-08-07.json") == "{\"n\":1}\n{\"n\":2}\n{\"n\":5}\n");
}

TEST_CASE("LogDirSink appends, across reopen and across instances") {
    TempDir tmp;
    const auto file = tmp.path() / "eve-2026-08-08.json";
    tmp.write(file.filename().string(), "old\n");
    {
        LogDirSink sink(tmp.path());
        CHECK(sink.write(kAug8Midnight, "a"));
        sink.flush();
        CHECK(slurp(file) == "old\na\n");

        // Log rotation: the file moves away, reopen starts a new one at the old name.
        std::filesystem::rename(file, tmp.path() / "rotated.json");
        sink.reopen();
        CHECK(sink.write(kAug8Midnight, "b"));
        sink.flush();
        CHECK(slurp(tmp.path() / "rotated.json") == "old\na\n");
        CHECK(slurp(file) == "b\n");

        sink.reopen();
        CHECK(sink.write(kAug8Midnight, "c"));
    }  // the destructor flushes and closes
    CHECK(slurp(file) == "b\nc\n");
    LogDirSink again(tmp.path());
    CHECK(again.write(kAug8Midnight, "d"));
    again.flush();
    CHECK(slurp(file) == "b\nc\nd\n");
}

TEST_CASE("LogDirSink throws, naming the path, when the directory cannot be made") {
    TempDir tmp;
    const auto file = tmp.write("not-a-dir", "x");
    for (const auto& dir : {file / "logs", file}) {
        CAPTURE(dir);
        try {
            LogDirSink sink(dir);
            FAIL("no exception");
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()).find(dir.string()) != std::string::npos);
        }
    }
}

TEST_CASE("LogDirSink reports a failed write and recovers") {
    TempDir tmp;
    // The day's file is /dev/full: every write that reaches it fails with ENOSPC.
    std::filesystem::create_symlink("/dev/full", tmp.path() / "eve-2026-08-07.json");
    LogDirSink sink(tmp.path());
    // Bigger than any stdio buffer, so the failure shows in this very write.
    const std::string big(1 << 20, 'x');
    CHECK_FALSE(sink.write(kAug8Midnight - 1, big));
    // A small line may sit in the buffer; the failure is reported by a later write.
    CHECK(sink.write(kAug8Midnight - 1, "small"));
    sink.flush();
    CHECK_FALSE(sink.write(kAug8Midnight - 1, "next"));
    // The next day's file is a normal one and works.
    CHECK(sink.write(kAug8Midnight, "ok"));
    sink.flush();
    CHECK(slurp(tmp.path() / "eve-2026-08-08.json") == "ok\n");
}
