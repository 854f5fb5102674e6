// Suspicious User-Agent patterns: Maltrail's real list (every line compiled
// or reported), scanners it names, browsers and common clients it does not,
// the allow-list, and lines Hyperscan refuses.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "detect/user_agents.h"
#include "support/test_support.h"

namespace {

using spoor::detect::SuspiciousUserAgents;
using spoor::detect::UserAgentMatcher;

std::string matched(UserAgentMatcher& matcher, std::string_view user_agent) {
    const auto pattern = matcher.match(user_agent);
    return pattern ? std::string(*pattern) : "-";
}

// Lines of a list that are patterns (not blank, not comments).
std::size_t pattern_lines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) {
        const auto text = spoor::trim(line);
        count += !text.empty() && text.front() != '#' ? 1 : 0;
    }
    return count;
}

}  // namespace

TEST_CASE("user agents: Maltrail's list, every line compiled or reported") {
    const auto shared = spoor::test::shared_dir();
    if (!shared || !std::filesystem::exists(*shared / "data/maltrail/ua.txt")) {
        MESSAGE("SKIPPED: no data/maltrail/ua.txt under SPOOR_SHARED");
        return;
    }
    const auto path = *shared / "data/maltrail/ua.txt";
    const auto list = SuspiciousUserAgents::load(path.string());
    for (const auto& skipped : list->skipped()) {
        MESSAGE("skipped " << skipped.where << ": '" << skipped.pattern << "': " << skipped.reason);
        CHECK(skipped.where.starts_with(path.string() + ":"));
    }
    MESSAGE(list->size() << " patterns compiled, " << list->skipped().size() << " skipped");
    CHECK(list->size() + list->skipped().size() == pattern_lines(path));
    CHECK(list->size() > 1000);

    UserAgentMatcher matcher(list);
    // Scanners and attack tools, as they introduce themselves.
    CHECK(matched(matcher, "sqlmap/1.7.2#stable (https://sqlmap.org)") == "sqlmap");
    CHECK(matched(
              matcher,
              "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)") ==
          "nmap");
    CHECK(matched(matcher, "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)") ==
          "nikto");
    CHECK(matched(matcher, "masscan/1.3 (https://github.com/robertdavidgraham/masscan)") ==
          "masscan");
    CHECK(matched(matcher, "() { :; }; /bin/bash -c id") == "\\(\\) { :;");
    // "\Awget( \d)?\Z": a bare "Wget" (Python's \Z, Hyperscan's \z), not a versioned one.
    CHECK(matched(matcher, "Wget") == "\\Awget( \\d)?\\Z");
    CHECK(matched(matcher, "Wget/1.21.3") == "-");
    // Browsers and everyday clients. The list names curl only in "curl53" and the
    // CVE-2017-11610 tool, and python-requests not at all, so neither alerts alone.
    for (const std::string_view agent :
         {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36",
          "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
          "Gecko) Version/17.4.1 Safari/605.1.15",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
          "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.6367.82 Mobile Safari/537.36",
          "curl/7.88.1", "python-requests/2.31.0", "Debian APT-HTTP/1.3 (2.6.1)"}) {
        CAPTURE(agent);
        CHECK(matched(matcher, agent) == "-");
    }
    // An updater on the allow-list, though it names a listed word.
    CHECK(matched(matcher, "sqlmap Sophos AutoUpdate") == "-");
}

TEST_CASE("user agents: a refused line is reported with file:line and skipped") {
    spoor::test::TempDir dir;
    const auto path = dir.write("ua.txt",
                                "# a comment\n"
                                "\n"
                                "badbot\n"
                                "Mozilla/1.0 (compatible; MSIE 8.0\n"
                                "  spaced tool  \n"
                                "Custom C++\n"
                                "\\Aagent\\Z\n");
    const auto list = SuspiciousUserAgents::load(path.string());
    CHECK(list->size() == 3);
    REQUIRE(list->skipped().size() == 2);
    CHECK(list->skipped()[0].where == path.string() + ":4");
    CHECK(list->skipped()[0].pattern == "Mozilla/1.0 (compatible; MSIE 8.0");
    CHECK_FALSE(list->skipped()[0].reason.empty());
    CHECK(list->skipped()[1].where == path.string() + ":6");

    UserAgentMatcher matcher(list);
    CHECK(matched(matcher, "BadBot/2.0") == "badbot");
    CHECK(matched(matcher, "my spaced tool v1") == "spaced tool");
    CHECK(matched(matcher, "Agent") == "\\Aagent\\Z");
    CHECK(matched(matcher, "my agent") == "-");
    CHECK(matched(matcher, "agent\n") == "-");  // \Z is the very end, as in Python
    CHECK(matched(matcher, "") == "-");
}

TEST_CASE("user agents: the first line in file order wins, the allow-list silences") {
    spoor::test::TempDir dir;
    const auto path = dir.write("ua.txt", "update\nb\n");
    const auto list = SuspiciousUserAgents::load(path.string());
    UserAgentMatcher matcher(list);
    // "b" ends first in the text, but "update" comes first in the file.
    CHECK(matched(matcher, "xb Update") == "update");
    CHECK(matched(matcher, "Foo Update") == "update");
    CHECK(matched(matcher, "Symantec LiveUpdate") == "-");
    CHECK(matched(matcher, "AVGSETUP update") == "-");
    CHECK(matched(matcher, "Apache (internal dummy connection) b") == "-");
    CHECK(matched(matcher, "sophos autoupdate") == "-");  // any case
    CHECK(matched(matcher, "b") == "b");
}

TEST_CASE("user agents: an unreadable list throws naming the file") {
    spoor::test::TempDir dir;
    const std::string missing = (dir.path() / "nope.txt").string();
    try {
        SuspiciousUserAgents::load(missing);
        FAIL("no exception");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(missing) != std::string::npos);
    }
    CHECK_THROWS_AS(SuspiciousUserAgents::load(dir.path().string()), std::runtime_error);
    CHECK_THROWS_AS(UserAgentMatcher(nullptr), std::invalid_argument);
}
