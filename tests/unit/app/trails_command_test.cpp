// `spoor trails compile` and `spoor trails lookup` as an operator types them:
// parsed by the real command line, run, their output read back.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "support/test_support.h"
#include "trails/trail_store.h"

namespace {

using spoor::test::TempDir;

// Parses `args` as the command line (after "spoor") into `values`.
void parse(spoor::app::CommandLine& values, std::vector<std::string> args) {
    const auto cli = spoor::app::make_cli(values);
    std::vector<const char*> argv{"spoor"};
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    cli->parse(static_cast<int>(argv.size()), argv.data());
}

// What `trails lookup --json` printed, and its exit status.
std::pair<nlohmann::json, int> lookup(std::vector<std::string> args) {
    spoor::app::CommandLine values;
    args.insert(args.begin(), {"trails", "lookup", "--json"});
    parse(values, args);
    std::ostringstream out;
    // Put back even when the lookup throws: doctest writes to std::cout.
    struct Restore {
        std::streambuf* old;
        ~Restore() { std::cout.rdbuf(old); }
    } restore{std::cout.rdbuf(out.rdbuf())};
    const int rc = spoor::app::run_trails_lookup(values.trails_lookup);
    return {nlohmann::json::parse(out.str()), rc};
}

}  // namespace

TEST_CASE("trails compile writes a store that trails lookup reads, and says what matched how") {
    TempDir dir;
    const auto list = dir.write("lab/malware/labrat.txt",
                                "evil.example\n10.77.0.0/24\n10.55.0.1:4444\n"
                                "files.example/payload/\nua:LabBot/1.0\ndga[0-9]+\\.example\n");
    const auto whitelist = dir.write("whitelist.txt", "good.evil.example\n");
    const auto store = (dir.path() / "lab.spoor").string();
    spoor::app::CommandLine values;
    parse(values, {"trails", "compile", (dir.path() / "lab").string(), "-o", store});
    CHECK(spoor::app::run_trails_compile(values.trails_compile) == 0);
    REQUIRE(spoor::trails::TrailStore::is_store_file(store));
    CHECK(spoor::trails::TrailStore::open(store)->total() == 6);

    const auto [answers, rc] = lookup(
        {"--trails", store, "--whitelist", whitelist.string(), "a.b.evil.example", "evil.example",
         "dga42.example", "10.77.0.9", "10.55.0.1:4444", "http://files.example/payload/x.exe",
         "ua:LabBot/1.0", "good.evil.example", "clean.example", "not a trail"});
    CHECK(rc == 0);
    REQUIRE(answers.size() == 10);
    const auto first = [&](std::size_t i) { return answers[i]["matches"][0]; };
    CHECK(first(0)["trail"] == "(a.b).evil.example");
    CHECK(first(0)["how"] == "parent");
    CHECK(first(0)["type"] == "DNS");
    CHECK(first(0)["info"] == "labrat (malware)");
    CHECK(first(0)["reference"] == "(static)");
    CHECK(first(0)["severity"] == 1);
    CHECK(first(1)["how"] == "exact");
    CHECK(first(2)["how"] == "regex");
    CHECK(first(3)["type"] == "CIDR");
    CHECK(first(3)["how"] == "in 10.77.0.0/24");
    CHECK(first(4)["type"] == "IPORT");
    CHECK(first(5)["type"] == "URL");
    CHECK(first(5)["trail"] == "files.example/payload(/x.exe)");
    CHECK(first(6)["type"] == "UA");
    CHECK(answers[7]["matches"].empty());
    CHECK(answers[7]["not_matched"] == "whitelisted");
    CHECK(answers[8]["matches"].empty());
    CHECK(answers[9]["not_matched"] == "not an address, CIDR, URL or domain");

    // Nothing matched: exit status 1, as grep.
    CHECK(lookup({"--trails", store, "clean.example"}).second == 1);
    // Sources work as well as a store, and a store given with other sources is refused.
    CHECK(lookup({"--trails", (dir.path() / "lab").string(), "evil.example"}).second == 0);
    spoor::app::CommandLine mixed;
    parse(mixed, {"trails", "lookup", "--trails", store, "--trails", list.string(), "x.example"});
    CHECK_THROWS_WITH_AS(spoor::app::run_trails_lookup(mixed.trails_lookup),
                         doctest::Contains("is a compiled store"), std::runtime_error);
}

TEST_CASE("trails compile refuses an empty set and needs somewhere to write") {
    TempDir dir;
    const auto empty = dir.write("empty.txt", "# nothing\n");
    spoor::app::CommandLine values;
    parse(values, {"trails", "compile", empty.string(), "-o", (dir.path() / "x.spoor").string()});
    CHECK_THROWS_WITH_AS(spoor::app::run_trails_compile(values.trails_compile),
                         doctest::Contains("refusing to write an empty store"), std::runtime_error);
    spoor::app::CommandLine allowed;
    parse(allowed, {"trails", "compile", empty.string(), "--allow-empty", "-o",
                    (dir.path() / "x.spoor").string()});
    CHECK(spoor::app::run_trails_compile(allowed.trails_compile) == 0);
    spoor::app::CommandLine no_output;
    CHECK_THROWS(parse(no_output, {"trails", "compile", empty.string()}));
}
