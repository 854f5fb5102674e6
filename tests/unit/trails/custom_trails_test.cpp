// The operator's custom trails (trails add|rm): the file read and written back,
// and the list laid over a store: its trails found first, its removals masking
// the store's, counts and iteration as the kernel's maps are filled from them.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "trails/custom_trails.h"

namespace {

using spoor::IpAddress;
using spoor::test::TempDir;
using spoor::trails::CustomTrails;
using spoor::trails::IndicatorKind;
using spoor::trails::kNoRecord;
using spoor::trails::LoadReport;
using spoor::trails::SourceRank;
using spoor::trails::TrailSet;
using spoor::trails::TrailStore;

std::shared_ptr<const TrailStore> base_store() {
    TrailSet set;
    set.add(IndicatorKind::Ip, "10.66.0.1", {"asyncrat (malware)", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::Ip, "10.66.0.2", {"asyncrat (malware)", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::Domain, "evil.example", {"lab c2 (malware)", "(static)"},
            SourceRank::StaticMalware);
    set.add(IndicatorKind::RegexDomain, "dga[0-9]+\\.example", {"dga (malware)", "(static)"},
            SourceRank::StaticMalware);
    return spoor::trails::store_of(set);
}

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("custom trails: added and removed, written and read back alike") {
    TempDir dir;
    const auto file = dir.path() / "custom.txt";
    CustomTrails list;
    list.add("10.9.9.9", "pentest box (suspicious)", 3);
    list.add("ua:LabBot/2.0", "", 0);
    list.add("HTTP://Files.Example/drop/", "dropper (malware)", 1);
    list.remove("evil.example");
    list.add("10.9.9.9", "pentest box, again (suspicious)", 2);  // replaces the first
    list.save(file);
    CHECK(read(file).find("10.9.9.9\tpentest box, again (suspicious)\t2\n") != std::string::npos);
    CHECK(read(file).find("ua:LabBot/2.0\tcustom\n") != std::string::npos);
    CHECK(read(file).find("!evil.example\n") != std::string::npos);

    LoadReport report;
    const auto again = CustomTrails::load(file, report);
    CHECK(report.malformed.empty());
    REQUIRE(again.added().size() == 3);
    CHECK(again.added()[0].kind == IndicatorKind::UserAgent);
    CHECK(again.added()[0].key == "LabBot/2.0");
    CHECK(again.added()[1].kind == IndicatorKind::Url);
    CHECK(again.added()[1].key == "files.example/drop/");
    CHECK(again.added()[1].severity == 1);
    CHECK(again.added()[2].info == "pentest box, again (suspicious)");
    CHECK(again.removed() == std::vector<std::pair<IndicatorKind, std::string>>{
                                 {IndicatorKind::Domain, "evil.example"}});

    // Adding a removed trail takes the removal back; removing an added one drops it.
    CustomTrails turn = again;
    turn.add("evil.example", "", 0);
    turn.remove("10.9.9.9");
    CHECK(turn.removed() ==
          std::vector<std::pair<IndicatorKind, std::string>>{{IndicatorKind::Ip, "10.9.9.9"}});
    CHECK(turn.added().size() == 3);
}

TEST_CASE("custom trails: a missing file is empty; bad lines are named by file:line") {
    TempDir dir;
    LoadReport report;
    CHECK(CustomTrails::load(dir.path() / "absent.txt", report).empty());
    const auto file =
        dir.write("custom.txt", "# mine\n10.1.1.1\tok\n??? nonsense\n10.1.1.2\tx\t7\n!\n");
    const auto list = CustomTrails::load(file, report);
    CHECK(list.added().size() == 1);
    REQUIRE(report.malformed.size() == 3);
    CHECK(report.malformed[0].line == 3);
    CHECK(report.malformed[1].line == 4);
    CHECK(report.malformed[1].reason == "severity must be 1, 2 or 3");
    CHECK(report.malformed[2].line == 5);
    CustomTrails empty;
    CHECK_THROWS_WITH_AS(empty.add("not a trail at all", "", 0),
                         "'not a trail at all' is not a trail: "
                         "not an address, CIDR, URL or domain",
                         std::invalid_argument);
    CHECK_THROWS_AS(empty.add("10.1.1.1", "", 4), std::invalid_argument);
    CHECK_THROWS_AS(empty.add("10.1.1.1", "two\tfields", 0), std::invalid_argument);
}

TEST_CASE("custom trails over a store: found first, removals masked, counts and iteration") {
    const auto base = base_store();
    CustomTrails list;
    CHECK(list.over(base) == base);  // nothing to lay over
    list.add("10.66.0.2", "mine now (malware)", 1);
    list.add("10.77.0.1", "", 0);
    list.add("new.example", "phish (suspicious)", 0);
    list.remove("10.66.0.1");
    list.remove("not-listed.example");  // masks nothing, counts nothing
    const auto store = list.over(base);

    const auto info = [&](std::uint32_t record) {
        return record == kNoRecord ? std::string("-") : std::string(store->record(record).info);
    };
    const auto ip = [](const char* text) { return IpAddress::parse(text).value(); };
    CHECK(info(store->find_ip(ip("10.66.0.1"))) == "-");
    CHECK(info(store->find_ip(ip("10.66.0.2"))) == "mine now (malware)");
    CHECK(store->record(store->find_ip(ip("10.66.0.2"))).severity == 1);
    CHECK(store->record(store->find_ip(ip("10.66.0.2"))).reference == "(custom)");
    CHECK(info(store->find_ip(ip("10.77.0.1"))) == "custom");
    CHECK(info(store->index(IndicatorKind::Domain).find("evil.example")) == "lab c2 (malware)");
    CHECK(info(store->index(IndicatorKind::Domain).find("new.example")) == "phish (suspicious)");
    CHECK(store->record_count() == base->record_count() + 3);

    // Counts and iteration as the kernel's maps are filled: each address once, the list's
    // record where it lists one again, 10.66.0.1 gone.
    CHECK(store->count(IndicatorKind::Ip) == 2);
    std::vector<std::string> ips;
    store->for_each_ip([&](const IpAddress& a, std::uint32_t record) {
        ips.push_back(a.to_string() + "=" + info(record));
    });
    CHECK(ips == std::vector<std::string>{"10.66.0.2=mine now (malware)", "10.77.0.1=custom"});
    // The base is untouched.
    CHECK(info(base->find_ip(ip("10.66.0.1"))) == "asyncrat (malware)");
}

TEST_CASE("custom trails over a store: regex changes hide the base's compiled regex databases") {
    TrailSet set;
    set.add(IndicatorKind::RegexDomain, "dga[0-9]+\\.example", {"dga (malware)", "(static)"},
            SourceRank::StaticMalware);
    const std::vector<std::byte> compiled(64, std::byte{1});
    const auto base =
        TrailStore::from_image(spoor::trails::write_store_image(set, "", compiled), "test");
    CHECK(base->regex_database().size() == 64);
    CustomTrails ip_only;
    ip_only.add("10.1.1.1", "", 0);
    CHECK(ip_only.over(base)->regex_database().size() == 64);
    CustomTrails regex;
    regex.add("c2-[a-z]+\\.example", "", 0);
    CHECK(regex.over(base)->regex_database().empty());
}
