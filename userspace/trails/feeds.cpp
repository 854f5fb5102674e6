#include "trails/feeds.h"

#include <algorithm>
#include <fstream>
#include <string_view>
#include <system_error>

#include "common/text.h"

namespace spoor::trails {

namespace {

namespace fs = std::filesystem;

bool valid_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
           });
}

class DefinitionReader {
  public:
    explicit DefinitionReader(const fs::path& file) : file_(file) { feed_.file = file; }

    FeedDefinition read() {
        std::ifstream in(file_);
        if (!in) {
            throw FeedDefinitionError(file_.string() + ": cannot read feed definition");
        }
        std::string line;
        while (std::getline(in, line)) {
            ++line_;
            read_line(line);
        }
        if (in.bad()) {
            throw FeedDefinitionError(file_.string() + ": read error");
        }
        if (feed_.url.empty()) {
            throw FeedDefinitionError(file_.string() + ": no url");
        }
        if (!has_format_) {
            throw FeedDefinitionError(file_.string() + ": no format");
        }
        if (feed_.name.empty()) {
            feed_.name = file_.stem().string();
            if (!valid_name(feed_.name)) {
                throw FeedDefinitionError(file_.string() +
                                          ": the file name is no feed name: give `name =`");
            }
        }
        if (feed_.reference.empty()) {
            feed_.reference = "(" + feed_.name + ")";
        }
        return std::move(feed_);
    }

  private:
    [[noreturn]] void fail(const std::string& why) const {
        throw FeedDefinitionError(file_.string() + ":" + std::to_string(line_) + ": " + why);
    }

    void read_line(std::string_view line) {
        // Whole-line comments only: a URL or a header value may hold a '#'.
        line = trim(line);
        if (line.empty() || line.front() == '#') {
            return;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            fail("not `key = value`: '" + std::string(line) + "'");
        }
        const std::string key(trim(line.substr(0, equals)));
        const std::string value(trim(line.substr(equals + 1)));
        if (value.empty()) {
            fail("no value for " + key);
        }
        // `header` may repeat (one request header each); every other key is said once.
        if (key != "header") {
            if (std::find(seen_.begin(), seen_.end(), key) != seen_.end()) {
                fail(key + " given twice");
            }
            seen_.push_back(key);
        }
        if (key == "name") {
            if (!valid_name(value)) {
                fail("name '" + value + "': only letters, digits, '.', '_' and '-'");
            }
            feed_.name = value;
        } else if (key == "url") {
            if (!starts_with_ignoring_case(value, "http://") &&
                !starts_with_ignoring_case(value, "https://")) {
                fail("url '" + value + "': not http:// or https://");
            }
            feed_.url = value;
        } else if (key == "format") {
            const auto format = format_from_name(value);
            if (!format) {
                fail("format '" + value + "': not one of " + format_names());
            }
            feed_.format = *format;
            has_format_ = true;
        } else if (key == "info") {
            feed_.info = value;
        } else if (key == "reference") {
            if (value == "(custom)" || value == "(static)") {
                fail("reference " + value + " belongs to the operator's lists, not to a feed");
            }
            feed_.reference = value;
        } else if (key == "header") {
            if (value.find(':') == std::string::npos) {
                fail("header '" + value + "': not `Name: value`");
            }
            feed_.headers.push_back(value);
        } else if (key == "enabled") {
            if (value == "true" || value == "yes") {
                feed_.enabled = true;
            } else if (value == "false" || value == "no") {
                feed_.enabled = false;
            } else {
                fail("enabled '" + value + "': true or false");
            }
        } else {
            fail("unknown key '" + key + "' (name, url, format, info, reference, header, enabled)");
        }
    }

    const fs::path& file_;
    FeedDefinition feed_;
    std::vector<std::string> seen_;
    bool has_format_ = false;
    std::size_t line_ = 0;
};

}  // namespace

FeedDefinition read_feed_definition(const fs::path& file) {
    return DefinitionReader(file).read();
}

std::vector<FeedDefinition> read_feed_definitions(const fs::path& folder) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".conf" && it->is_regular_file()) {
            files.push_back(it->path());
        }
    }
    if (ec) {
        throw FeedDefinitionError(folder.string() +
                                  ": cannot read feed definitions: " + ec.message());
    }
    std::sort(files.begin(), files.end());
    std::vector<FeedDefinition> feeds;
    for (const auto& file : files) {
        FeedDefinition feed = read_feed_definition(file);
        const auto same = std::find_if(feeds.begin(), feeds.end(), [&feed](const auto& other) {
            return other.name == feed.name;
        });
        if (same != feeds.end()) {
            throw FeedDefinitionError(file.string() + ": feed '" + feed.name +
                                      "' is already defined by " + same->file.string());
        }
        feeds.push_back(std::move(feed));
    }
    return feeds;
}

}  // namespace spoor::trails
