// Feed definitions: what a good one says, and how a bad one is named.
#include <doctest/doctest.h>

#include <cstdlib>

#include "support/test_support.h"
#include "trails/feeds.h"

using spoor::test::TempDir;
using namespace spoor::trails;

TEST_CASE("a definition names url, format, reference; the rest has defaults") {
    TempDir dir;
    const auto file = dir.write("feodo.conf",
                                "# Feodo Tracker\n"
                                "url = https://feodotracker.abuse.ch/downloads/ipblocklist.csv\n"
                                "  format =  FEODO  \n"
                                "\n");
    const FeedDefinition feed = read_feed_definition(file);
    CHECK(feed.name == "feodo");  // the file's name
    CHECK(feed.url == "https://feodotracker.abuse.ch/downloads/ipblocklist.csv");
    CHECK(feed.format == TrailFormat::Feodo);
    CHECK_FALSE(feed.info);
    CHECK(feed.reference == "(feodo)");
    CHECK(feed.headers.empty());
    CHECK_FALSE(feed.enabled);

    const auto full = dir.write("b.conf",
                                "name = blocklist_v2\n"
                                "url = http://127.0.0.1:8080/list.txt#all\n"
                                "format = list\n"
                                "info = known attacker\n"
                                "reference = (blocklist.example)\n"
                                "header = Auth-Key: 0123#456\n"
                                "header = X-Other: 1\n"
                                "enabled = true\n");
    const FeedDefinition b = read_feed_definition(full);
    CHECK(b.name == "blocklist_v2");
    CHECK(b.url == "http://127.0.0.1:8080/list.txt#all");
    CHECK(b.info == "known attacker");
    CHECK(b.reference == "(blocklist.example)");
    CHECK(b.headers == std::vector<std::string>{"Auth-Key: 0123#456", "X-Other: 1"});
    CHECK(b.enabled);
}

TEST_CASE("a bad definition is refused with its file and line") {
    TempDir dir;
    struct Bad {
        const char* text;
        const char* message;  // after "<file>"
    };
    const Bad cases[] = {
        {"url = http://a/\nformat = list\nthis is no key\n",
         ":3: not `key = value`: 'this is no key'"},
        {"url = http://a/\nformat = list\ncolour = red\n",
         ":3: unknown key 'colour' (name, url, format, info, reference, header, enabled)"},
        {"url = http://a/\nurl = http://b/\n", ":2: url given twice"},
        {"url = ftp://a/\n", ":1: url 'ftp://a/': not http:// or https://"},
        {"url = http://a/\nformat = json\n",
         ":2: format 'json': not one of list, csv, hosts, iprep, iprep-categories, zeek, "
         "feodo, urlhaus, threatfox, sslbl, sslbl-ja3"},
        {"name = ../etc\n", ":1: name '../etc': only letters, digits, '.', '_' and '-'"},
        {"enabled = maybe\n", ":1: enabled 'maybe': true or false"},
        {"info =\n", ":1: no value for info"},
        {"header = Auth-Key 123\n", ":1: header 'Auth-Key 123': not `Name: value`"},
        {"reference = (custom)\n",
         ":1: reference (custom) belongs to the operator's lists, not to a feed"},
        {"format = list\n", ": no url"},
        {"url = http://a/\n", ": no format"},
    };
    for (const Bad& bad : cases) {
        CAPTURE(bad.text);
        const auto file = dir.write("bad.conf", bad.text);
        CHECK_THROWS_WITH_AS(read_feed_definition(file), (file.string() + bad.message).c_str(),
                             FeedDefinitionError);
    }
    CHECK_THROWS_AS(read_feed_definition(dir.path() / "absent.conf"), FeedDefinitionError);
}

TEST_CASE("a folder's definitions are read in name order; a name defined twice is refused") {
    TempDir dir;
    dir.write("b.conf", "url = http://b/\nformat = list\n");
    dir.write("a.conf", "url = http://a/\nformat = list\nenabled = true\n");
    dir.write("README.md", "not a definition\n");
    const auto feeds = read_feed_definitions(dir.path());
    REQUIRE(feeds.size() == 2);
    CHECK(feeds[0].name == "a");
    CHECK(feeds[0].enabled);
    CHECK(feeds[1].name == "b");

    const auto twin = dir.write("c.conf", "name = a\nurl = http://c/\nformat = list\n");
    CHECK_THROWS_WITH_AS(
        read_feed_definitions(dir.path()),
        (twin.string() + ": feed 'a' is already defined by " + (dir.path() / "a.conf").string())
            .c_str(),
        FeedDefinitionError);
    CHECK_THROWS_AS(read_feed_definitions(dir.path() / "absent"), FeedDefinitionError);
}

TEST_CASE("the definitions the repository ships are valid, abuse.ch's, and disabled") {
    const char* source = std::getenv("SPOOR_SOURCE");
    REQUIRE(source != nullptr);
    const auto feeds = read_feed_definitions(std::filesystem::path(source) / "trails/feeds");
    std::vector<std::string> names;
    for (const auto& feed : feeds) {
        names.push_back(feed.name);
        CHECK(feed.url.starts_with("https://"));
        CHECK(feed.url.find(".abuse.ch/") != std::string::npos);
        CHECK_FALSE(feed.enabled);
    }
    CHECK(names == std::vector<std::string>{"feodo", "sslbl", "threatfox", "urlhaus"});
}
