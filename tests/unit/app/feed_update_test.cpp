// `spoor trails update` end to end, without root and without touching /etc or /var/lib:
// feeds served by a local HTTP server on 127.0.0.1 (python3 -m http.server on a port the
// kernel picks), a fake sensor on a control socket in a temporary folder, and the
// air-gapped --from import.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/control.h"
#include "app/feed_update.h"
#include "common/unique_fd.h"
#include "support/test_support.h"
#include "trails/trail_store.h"

using spoor::IpAddress;
using spoor::UniqueFd;
using spoor::app::TrailsUpdateOptions;
using spoor::test::TempDir;
namespace fs = std::filesystem;
namespace trails = spoor::trails;

namespace {

// python3's http.server serving `folder` on 127.0.0.1, a free port; stopped with the object.
class HttpServer {
  public:
    explicit HttpServer(const fs::path& folder) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        UniqueFd read_end(fds[0]);
        UniqueFd write_end(fds[1]);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(write_end.get(), STDOUT_FILENO);
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, STDERR_FILENO);  // its request log
            ::execlp("python3", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                     "--directory", folder.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        write_end.reset();
        // "Serving HTTP on 127.0.0.1 port 43127 (http://127.0.0.1:43127/) ..."
        std::string line;
        char c = 0;
        while (::read(read_end.get(), &c, 1) == 1 && c != '\n') {
            line.push_back(c);
        }
        const auto at = line.find(" port ");
        REQUIRE_MESSAGE(at != std::string::npos, "http.server said: " << line);
        port_ = std::stoi(line.substr(at + 6));
    }
    ~HttpServer() {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    std::string url(const std::string& file) const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/" + file;
    }

  private:
    pid_t pid_ = -1;
    int port_ = 0;
};

// What run_trails_update printed, and its exit status.
struct Run {
    int status = -1;
    std::string out;
};

Run update(const TrailsUpdateOptions& o) {
    std::ostringstream captured;
    std::streambuf* const saved = std::cout.rdbuf(captured.rdbuf());
    Run run;
    try {
        run.status = spoor::app::run_trails_update(o);
    } catch (...) {
        std::cout.rdbuf(saved);
        throw;
    }
    std::cout.rdbuf(saved);
    run.out = captured.str();
    return run;
}

std::string feodo_rows(std::initializer_list<const char*> rows) {
    std::string text =
        "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n";
    for (const char* row : rows) {
        text += row;
        text += '\n';
    }
    return text;
}

const std::string kFeodoFour = feodo_rows({
    R"("2026-01-01 00:00:00","45.9.148.3","443","online","2026-01-02","QakBot")",
    R"("2026-01-01 00:00:00","45.9.148.20","8080","online","2026-01-02","Emotet")",
    R"("2026-01-01 00:00:00","45.9.148.21","447","offline","2026-01-02","Dridex")",
    R"("2026-01-01 00:00:00","45.9.148.22","449","online","2026-01-02","Dridex")",
});
const std::string kFeodoOne = feodo_rows({
    R"("2026-01-01 00:00:00","45.9.148.22","449","online","2026-01-02","Dridex")",
});
const std::string kGoodList =
    "# a plain list feed\n45.9.148.3\n45.9.148.9\n10.0.0.7\n10.9.9.9\nevil.example\n";

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool has_ip(const trails::TrailStore& store, const char* text) {
    return store.find_ip(IpAddress::parse(text).value()) != trails::kNoRecord;
}

bool has_ip_port(const trails::TrailStore& store, const char* text, std::uint16_t port) {
    return store.find_ip_port(trails::IpPort{IpAddress::parse(text).value(), port}) !=
           trails::kNoRecord;
}

bool has_domain(const trails::TrailStore& store, const char* name) {
    return store.index(trails::IndicatorKind::Domain).find(name) != trails::kNoRecord;
}

bool says(const Run& run, const std::string& line) {
    const bool found = run.out.find(line) != std::string::npos;
    if (!found) {
        MESSAGE("missing '" << line << "' in:\n" << run.out);
    }
    return found;
}

// The feeds, the operator's list and every path of one update, under one temporary folder.
struct Lab {
    TempDir dir;
    fs::path served = dir.path() / "www";
    fs::path feeds = dir.path() / "feeds";

    Lab() {
        fs::create_directories(served);
        fs::create_directories(feeds);
    }

    void define(const std::string& name, const std::string& url, const char* format,
                bool enabled = true) const {
        dir.write("feeds/" + name + ".conf", "url = " + url + "\nformat = " + format +
                                                 "\nenabled = " + (enabled ? "true" : "false") +
                                                 "\n");
    }
    void serve(const std::string& file, const std::string& content) const {
        dir.write("www/" + file, content);
    }

    TrailsUpdateOptions options() const {
        TrailsUpdateOptions o;
        o.feeds_dir = feeds.string();
        o.cache_dir = (dir.path() / "cache").string();
        o.trails = {dir.write("custom.txt", "10.0.0.7\n").string()};
        o.output = (dir.path() / "trails.spoor").string();
        o.control_socket = (dir.path() / "spoor.sock").string();
        o.timeout_s = 20;
        return o;
    }
    fs::path cached(const std::string& name) const { return dir.path() / "cache" / name; }
};

// A sensor's control socket that answers reload requests with `reply` and counts them.
class FakeSensor {
  public:
    FakeSensor(const std::string& socket, nlohmann::json reply) : server_(socket) {
        server_.serve([this, reply = std::move(reply)](const nlohmann::json& request) {
            if (request.value("command", "") == "reload") {
                ++reloads_;
            }
            return reply;
        });
    }
    int reloads() const { return reloads_; }

  private:
    std::atomic<int> reloads_{0};
    spoor::app::ControlServer server_;
};

}  // namespace

TEST_CASE("trails update: download, refuse what is broken, keep the last good copy, reload") {
    Lab lab;
    HttpServer http(lab.served);
    lab.serve("good.txt", kGoodList);
    lab.serve("feodo.csv", kFeodoFour);
    lab.serve("wrong.csv", kFeodoFour);  // defined as URLhaus
    lab.serve("portal.txt", "<!DOCTYPE html>\n<html><body>Log in first</body></html>\n");
    lab.serve("disabled.txt", "45.9.148.50\n");
    lab.define("good", http.url("good.txt"), "list");
    lab.define("feodo", http.url("feodo.csv"), "feodo");
    lab.define("missing", http.url("missing.txt"), "list");
    lab.define("wrong", http.url("wrong.csv"), "urlhaus");
    lab.define("portal", http.url("portal.txt"), "list");
    lab.define("disabled", http.url("disabled.txt"), "list", false);

    TrailsUpdateOptions o = lab.options();
    o.min_feeds = 1;
    {
        FakeSensor sensor(o.control_socket, {{"ok", true}, {"generation", 2}});
        const Run run = update(o);
        CHECK(run.status == 0);
        CHECK(sensor.reloads() == 1);
        CHECK(says(run, "feed good: downloaded, 5 indicators\n"));
        CHECK(says(run, "feed feodo: downloaded, 4 indicators\n"));
        CHECK(says(run, "feed missing: failed (HTTP 404 from " + http.url("missing.txt") +
                            "); left out\n"));
        CHECK(says(run,
                   "feed wrong: refused (the definition says format urlhaus, the file is "
                   "feodo); left out\n"));
        CHECK(says(run, "feed portal: refused (an HTML page, not a feed"));
        CHECK(run.out.find("feed disabled") == std::string::npos);
        CHECK(says(run,
                   "policy: dropped 1 in bogon ranges, 0 in CDN ranges, 0 named by fewer "
                   "than 1 feeds\n"));
        CHECK(says(run, "reload: the sensor runs generation 2\n"));
    }
    {
        const auto store = trails::TrailStore::open(o.output);
        CHECK(has_ip(*store, "45.9.148.3"));
        CHECK(has_ip(*store, "45.9.148.9"));
        CHECK(has_ip_port(*store, "45.9.148.21", 447));
        CHECK(has_domain(*store, "evil.example"));
        CHECK(has_ip(*store, "10.0.0.7"));        // the operator's, also in a feed
        CHECK_FALSE(has_ip(*store, "10.9.9.9"));  // a feed's bogon
        CHECK_FALSE(has_ip(*store, "45.9.148.50"));
        const auto record = store->record(store->find_ip(IpAddress::parse("10.0.0.7").value()));
        CHECK(record.reference == "(custom) (+good)");
        CHECK(store->record(store->find_ip(IpAddress::parse("45.9.148.3").value())).reference ==
              "(good)");
    }
    CHECK(read_file(lab.cached("feodo")) == kFeodoFour);
    CHECK(fs::exists(lab.cached("good")));
    CHECK_FALSE(fs::exists(lab.cached("missing")));
    CHECK_FALSE(fs::exists(lab.cached("wrong")));
    CHECK_FALSE(fs::exists(lab.cached("portal")));
    CHECK_FALSE(fs::exists(lab.cached("disabled")));
    CHECK_FALSE(fs::exists(lab.cached("feodo.part")));

    // Feodo shrinks to a quarter: refused, its last good copy merged again. The list grows:
    // taken. Two feeds are asked of each address now, and no sensor runs.
    lab.serve("feodo.csv", kFeodoOne);
    lab.serve("good.txt", kGoodList + "new.example\n");
    o.min_feeds = 2;
    const Run second = update(o);
    CHECK(second.status == 0);
    CHECK(says(second,
               "feed feodo: refused (shrank to 1 indicators from 4 in the previous copy "
               "(under half)); previous copy used, 4 indicators\n"));
    CHECK(says(second, "feed good: downloaded, 6 indicators\n"));
    CHECK(says(second,
               "policy: dropped 1 in bogon ranges, 0 in CDN ranges, 4 named by fewer "
               "than 2 feeds\n"));
    CHECK(says(second, "reload: no sensor at " + o.control_socket));
    CHECK(read_file(lab.cached("feodo")) == kFeodoFour);
    {
        const auto store = trails::TrailStore::open(o.output);
        CHECK(has_domain(*store, "new.example"));
        // In both feeds: kept, as an address and as address:port (from the kept copy).
        CHECK(has_ip(*store, "45.9.148.3"));
        CHECK(has_ip_port(*store, "45.9.148.3", 443));
        // In one feed only: gone.
        CHECK_FALSE(has_ip(*store, "45.9.148.9"));
        CHECK_FALSE(has_ip_port(*store, "45.9.148.21", 447));
        CHECK(has_ip(*store, "10.0.0.7"));
    }

    // A sensor that refuses the new store: the store is written, the update fails.
    FakeSensor refusing(o.control_socket, {{"error", "the new set is under half the size"}});
    CHECK(update(o).status == 1);
    CHECK(refusing.reloads() == 1);
}

TEST_CASE("trails update --from: feeds carried in as files, no network") {
    Lab lab;
    // Nothing listens on the discard port: a download would fail, an import never tries.
    lab.define("good", "http://127.0.0.1:9/good.txt", "list");
    lab.define("feodo", "http://127.0.0.1:9/feodo.csv", "feodo");
    lab.define("absent", "http://127.0.0.1:9/absent.txt", "list");
    lab.dir.write("usb/good.txt", kGoodList);
    lab.dir.write("usb/feodo.csv", kFeodoFour);

    TrailsUpdateOptions o = lab.options();
    o.min_feeds = 1;
    o.reload = false;
    o.from = (lab.dir.path() / "usb").string();
    const Run run = update(o);
    CHECK(run.status == 0);
    CHECK(says(run, "feed good: imported, 5 indicators\n"));
    CHECK(says(run, "feed feodo: imported, 4 indicators\n"));
    CHECK(says(run, "feed absent: failed (not in " + o.from + "); left out\n"));
    CHECK(says(run, "reload: not asked (--no-reload)\n"));
    CHECK(read_file(lab.cached("good")) == kGoodList);
    {
        const auto store = trails::TrailStore::open(o.output);
        CHECK(has_ip_port(*store, "45.9.148.22", 449));
        CHECK(has_domain(*store, "evil.example"));
    }

    // One file: that feed is imported, the others keep their last good copy.
    const auto file = lab.dir.write(
        "feodo.csv",
        kFeodoFour + R"("2026-01-01 00:00:00","45.9.148.23","443","online","2026-01-02","QakBot")"
                     "\n");
    o.from = file.string();
    const Run one = update(o);
    CHECK(one.status == 0);
    CHECK(says(one, "feed feodo: imported, 5 indicators\n"));
    CHECK(
        says(one, "feed good: failed (not in " + o.from + "); previous copy used, 5 indicators\n"));
    const auto store = trails::TrailStore::open(o.output);
    CHECK(has_ip_port(*store, "45.9.148.23", 443));
    CHECK(has_domain(*store, "evil.example"));
}
