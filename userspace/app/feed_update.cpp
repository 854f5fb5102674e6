#include "app/feed_update.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "app/trail_loading.h"
#include "trails/feed_policy.h"
#include "trails/feeds.h"
#include "trails/formats.h"
#include "trails/loader.h"

namespace spoor::app {

namespace {

namespace fs = std::filesystem;

constexpr const char* kEtcFeeds = "/etc/spoor/feeds";
// Where tools/setup.sh installs the static trails the store is compiled from.
constexpr const char* kStaticTrails = "/var/lib/spoor/trails";
// The head that format recognition reads (docs/TRAIL_FORMATS.md).
constexpr std::size_t kHeadBytes = 64 * 1024;
// A feed larger than this is not a feed any sensor should compile: refused, not stored.
constexpr curl_off_t kMaxFeedBytes = curl_off_t{1} << 30;
constexpr long kConnectTimeoutMs = 30'000;

// libcurl's global state, set up once before the first handle and torn down at exit.
class CurlGlobal {
  public:
    CurlGlobal() : code_(curl_global_init(CURL_GLOBAL_DEFAULT)) {}
    ~CurlGlobal() {
        if (code_ == CURLE_OK) {
            curl_global_cleanup();
        }
    }
    CurlGlobal(const CurlGlobal&) = delete;
    CurlGlobal& operator=(const CurlGlobal&) = delete;
    CURLcode code() const { return code_; }

  private:
    CURLcode code_;
};

struct CurlCleanup {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistCleanup {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct FileClose {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::size_t write_to_file(char* data, std::size_t size, std::size_t count, void* file) {
    // A short count makes libcurl stop with CURLE_WRITE_ERROR.
    return std::fwrite(data, 1, size * count, static_cast<std::FILE*>(file));
}

// Downloads `feed` into `dest`; returns what went wrong, empty on success.
std::string download(const trails::FeedDefinition& feed, const fs::path& dest, double timeout_s) {
    static const CurlGlobal global;
    if (global.code() != CURLE_OK) {
        return std::string("libcurl cannot start: ") + curl_easy_strerror(global.code());
    }
    const std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
    if (!curl) {
        return "libcurl cannot make a handle";
    }
    std::unique_ptr<curl_slist, SlistCleanup> headers;
    for (const std::string& header : feed.headers) {
        // The head stays the same once there is one; a null answer leaves the list intact.
        curl_slist* head = curl_slist_append(headers.get(), header.c_str());
        if (head == nullptr) {
            return "out of memory";
        }
        static_cast<void>(headers.release());
        headers.reset(head);
    }
    std::unique_ptr<std::FILE, FileClose> out(std::fopen(dest.c_str(), "wb"));
    if (!out) {
        return "cannot write " + dest.string() + ": " + std::strerror(errno);
    }
    char error[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_URL, feed.url.c_str());
    // A redirect must not turn a feed into a file:// read of the sensor's own disk.
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);  // HTTP 4xx/5xx: an error, not a feed
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
    curl_easy_setopt(h, CURLOPT_USERAGENT, "spoor-trails-update");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, kMaxFeedBytes);
    if (headers) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_to_file);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out.get());
    const CURLcode code = curl_easy_perform(h);
    if (code == CURLE_HTTP_RETURNED_ERROR) {
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        return "HTTP " + std::to_string(status) + " from " + feed.url;
    }
    if (code != CURLE_OK) {
        return std::string(curl_easy_strerror(code)) + (error[0] != '\0' ? ": " : "") + error;
    }
    if (std::fclose(out.release()) != 0) {
        return "cannot write " + dest.string() + ": " + std::strerror(errno);
    }
    return {};
}

// The file of `folder_or_file` named after the feed (`<name>` or `<name>.<ext>`), or nullopt
// with `why` set.
std::optional<fs::path> import_source(const trails::FeedDefinition& feed, const fs::path& from,
                                      std::string& why) {
    const auto named = [&feed](const fs::path& path) {
        return path.filename() == feed.name || path.stem() == feed.name;
    };
    if (!fs::is_directory(from)) {
        if (named(from)) {
            return from;
        }
        why = "not in " + from.string();
        return std::nullopt;
    }
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(from)) {
        if (entry.is_regular_file() && named(entry.path())) {
            found.push_back(entry.path());
        }
    }
    if (found.size() > 1) {
        why = "several files in " + from.string() +
              " are named after it: " + found[0].filename().string() + ", " +
              found[1].filename().string();
        return std::nullopt;
    }
    if (found.empty()) {
        why = "not in " + from.string();
        return std::nullopt;
    }
    return found.front();
}

trails::TrailSource feed_source(const trails::FeedDefinition& feed, const fs::path& file) {
    return trails::TrailSource{file, feed.format, feed.info, feed.reference,
                               trails::SourceRank::Feed};
}

// Indicators the feed's file gives on its own; throws TrailLoadError when it cannot be read.
std::size_t count_indicators(const trails::FeedDefinition& feed, const fs::path& file) {
    trails::LoadReport report;
    return trails::load_trails({feed_source(feed, file)}, report).total();
}

std::string read_head(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string head(kHeadBytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head;
}

// Why the new copy of a feed is refused, empty when it is good; `count` is its indicators.
std::string check_feed(const trails::FeedDefinition& feed, const fs::path& fresh,
                       const fs::path& previous, std::size_t& count) {
    const std::string head = read_head(fresh);
    const auto first = head.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && head[first] == '<') {
        return "an HTML page, not a feed (a login portal or an error page?)";
    }
    // Lists and trails.csv show no format of their own: a file that shows one is another feed.
    const auto detected = trails::detect_format(head);
    const bool shows_itself =
        feed.format != trails::TrailFormat::List && feed.format != trails::TrailFormat::Csv;
    const std::optional<trails::TrailFormat> expected =
        shows_itself ? std::optional(feed.format) : std::nullopt;
    if (detected != expected) {
        return "the definition says format " + std::string(trails::format_name(feed.format)) +
               ", the file " +
               (detected ? "is " + std::string(trails::format_name(*detected))
                         : std::string("shows no format of its own"));
    }
    try {
        count = count_indicators(feed, fresh);
    } catch (const trails::TrailLoadError& e) {
        return e.what();
    }
    if (fs::exists(previous)) {
        std::size_t before = 0;
        try {
            before = count_indicators(feed, previous);
        } catch (const trails::TrailLoadError& e) {
            spdlog::warn("feed {}: the previous copy cannot be read ({}): not compared", feed.name,
                         e.what());
        }
        if (count * 2 < before) {
            return "shrank to " + std::to_string(count) + " indicators from " +
                   std::to_string(before) + " in the previous copy (under half)";
        }
    }
    return {};
}

enum class Fetch : std::uint8_t { Downloaded, Imported, Refused, Failed };

const char* fetch_name(Fetch fetch) {
    switch (fetch) {
        case Fetch::Downloaded:
            return "downloaded";
        case Fetch::Imported:
            return "imported";
        case Fetch::Refused:
            return "refused";
        case Fetch::Failed:
            return "failed";
    }
    return "?";
}

struct FeedOutcome {
    const trails::FeedDefinition* feed = nullptr;
    Fetch fetch = Fetch::Failed;
    std::string why;               // of Refused and Failed
    std::optional<fs::path> used;  // the copy merged: new or previous; none: left out
    std::size_t indicators = 0;    // of the copy used
};

// Gets a new copy of the feed into the cache (downloaded, or imported from `from`), checked;
// falls back to the previous copy.
FeedOutcome update_feed(const trails::FeedDefinition& feed, const TrailsUpdateOptions& o) {
    FeedOutcome outcome;
    outcome.feed = &feed;
    const fs::path cached = fs::path(o.cache_dir) / feed.name;
    const fs::path fresh = fs::path(o.cache_dir) / (feed.name + ".part");
    std::error_code ec;
    fs::remove(fresh, ec);
    bool have_fresh = false;
    if (o.from.empty()) {
        outcome.why = download(feed, fresh, o.timeout_s);
        have_fresh = outcome.why.empty();
        outcome.fetch = Fetch::Downloaded;
    } else if (const auto source = import_source(feed, o.from, outcome.why)) {
        fs::copy_file(*source, fresh, fs::copy_options::overwrite_existing, ec);
        have_fresh = !ec;
        outcome.why = ec ? "cannot copy " + source->string() + ": " + ec.message() : "";
        outcome.fetch = Fetch::Imported;
    }
    if (!have_fresh) {
        outcome.fetch = Fetch::Failed;
    } else if (std::string why = check_feed(feed, fresh, cached, outcome.indicators);
               !why.empty()) {
        outcome.fetch = Fetch::Refused;
        outcome.why = std::move(why);
    } else {
        // Renamed, so that the last good copy is always whole.
        fs::rename(fresh, cached);
        outcome.used = cached;
        spdlog::info("feed {}: {}, {} indicators", feed.name, fetch_name(outcome.fetch),
                     outcome.indicators);
        return outcome;
    }
    fs::remove(fresh, ec);
    if (!fs::exists(cached)) {
        spdlog::warn("feed {}: {}: {}; no previous copy: left out", feed.name,
                     fetch_name(outcome.fetch), outcome.why);
        return outcome;
    }
    try {
        outcome.indicators = count_indicators(feed, cached);
        outcome.used = cached;
        spdlog::warn("feed {}: {}: {}; the previous copy is used ({} indicators)", feed.name,
                     fetch_name(outcome.fetch), outcome.why, outcome.indicators);
    } catch (const trails::TrailLoadError& e) {
        spdlog::warn("feed {}: {}: {}; the previous copy cannot be read either ({}): left out",
                     feed.name, fetch_name(outcome.fetch), outcome.why, e.what());
    }
    return outcome;
}

fs::path feeds_folder(const TrailsUpdateOptions& o) {
    if (!o.feeds_dir.empty()) {
        return o.feeds_dir;
    }
    if (fs::is_directory(kEtcFeeds)) {
        return kEtcFeeds;
    }
    return SPOOR_REPO_FEEDS_DIR;
}

// The operator's sources: as given, or the installed static set if it exists. (The custom
// trails of `trails add|rm` are not among them: the sensor lays them over every store.)
std::vector<std::string> operator_sources(const TrailsUpdateOptions& o) {
    if (!o.trails.empty()) {
        return o.trails;
    }
    if (fs::exists(kStaticTrails)) {
        return {kStaticTrails};
    }
    spdlog::info("{} does not exist: not merged", kStaticTrails);
    return {};
}

// Asks the running sensor to load the new store. No sensor is a note: the store waits for
// the next start. A sensor that refuses the store is an error.
bool tell_sensor(const TrailsUpdateOptions& o, std::ostream& out) {
    if (!o.reload) {
        out << "reload: not asked (--no-reload)\n";
        return true;
    }
    if (!fs::exists(o.control_socket)) {
        out << "reload: no sensor at " << o.control_socket
            << "; it reads the store when it starts\n";
        return true;
    }
    nlohmann::json reply;
    try {
        reply = control_request(o.control_socket, {{"command", "reload"}});
    } catch (const std::exception& e) {
        out << "reload: no sensor answered (" << e.what() << ")\n";
        return true;
    }
    if (reply.contains("error")) {
        spdlog::error("the sensor refused the new store: {}", reply["error"].dump());
        return false;
    }
    out << "reload: the sensor runs generation " << reply.value("generation", 0) << "\n";
    return true;
}

}  // namespace

int run_trails_update(const TrailsUpdateOptions& o, std::ostream& out) {
    const fs::path folder = feeds_folder(o);
    std::vector<trails::FeedDefinition> feeds = trails::read_feed_definitions(folder);
    std::erase_if(feeds, [](const trails::FeedDefinition& feed) { return !feed.enabled; });
    spdlog::info("{}: {} enabled feeds", folder.string(), feeds.size());

    trails::FeedPolicy policy;
    policy.min_feeds = o.min_feeds;
    for (const std::string& file : o.cdn_ranges) {
        policy.cdn.load(file);
    }
    if (!o.from.empty() && !fs::exists(o.from)) {
        throw std::runtime_error("--from " + o.from + ": no such file or folder");
    }
    fs::create_directories(o.cache_dir);

    const std::vector<std::string> operator_paths = operator_sources(o);
    std::vector<trails::TrailSource> sources;
    std::vector<std::string> source_names = operator_paths;
    for (const std::string& path : operator_paths) {
        trails::TrailSource source;
        source.path = path;  // the loader ranks a static folder's files itself
        sources.push_back(std::move(source));
    }
    std::vector<FeedOutcome> outcomes;
    for (const trails::FeedDefinition& feed : feeds) {
        outcomes.push_back(update_feed(feed, o));
        if (const auto& used = outcomes.back().used) {
            sources.push_back(feed_source(feed, *used));
            source_names.push_back(used->string());
            policy.feed_references.push_back(feed.reference);
        }
    }

    trails::LoadReport report;
    trails::TrailSet set = read_trail_sources(sources, report);
    const trails::FeedPolicyReport dropped = trails::apply_feed_policy(set, policy);
    if (set.total() == 0) {
        throw std::runtime_error("no trails from the feeds and sources given; the store " +
                                 o.output + " is left as it was");
    }
    nlohmann::json meta = nlohmann::json::parse(store_meta(source_names, report));
    meta["feed_policy"] = {{"min_feeds", o.min_feeds},
                           {"dropped_bogon", dropped.bogon},
                           {"dropped_cdn", dropped.cdn},
                           {"dropped_too_few_feeds", dropped.too_few_feeds}};
    const std::size_t bytes = save_compiled_store(set, meta.dump(), o.output);

    for (const FeedOutcome& outcome : outcomes) {
        out << "feed " << outcome.feed->name << ": " << fetch_name(outcome.fetch);
        if (!outcome.why.empty()) {
            out << " (" << outcome.why << ")";
        }
        if (!outcome.used) {
            out << "; left out\n";
        } else if (outcome.fetch == Fetch::Refused || outcome.fetch == Fetch::Failed) {
            out << "; previous copy used, " << outcome.indicators << " indicators\n";
        } else {
            out << ", " << outcome.indicators << " indicators\n";
        }
    }
    out << "policy: dropped " << dropped.bogon << " in bogon ranges, " << dropped.cdn
        << " in CDN ranges, " << dropped.too_few_feeds << " named by fewer than " << o.min_feeds
        << " feeds\n"
        << "store: " << o.output << ": " << set.total() << " trails from " << sources.size()
        << " sources, " << report.malformed.size() << " malformed lines, " << bytes << " bytes\n";
    return tell_sensor(o, out) ? 0 : 1;
}

}  // namespace spoor::app
