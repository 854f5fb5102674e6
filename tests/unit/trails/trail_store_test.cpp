// The compiled trail store: every kind found in place, the same image whatever
// order the set was filled in, and files that are not a whole store refused with
// a message naming them.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "trails/trail_store.h"

namespace {

using spoor::IpAddress;
using spoor::test::TempDir;
using spoor::trails::IndicatorKind;
using spoor::trails::IpPort;
using spoor::trails::kNoRecord;
using spoor::trails::Prefix;
using spoor::trails::SourceRank;
using spoor::trails::StoreError;
using spoor::trails::TrailRecord;
using spoor::trails::TrailSet;
using spoor::trails::TrailStore;

struct Line {
    IndicatorKind kind;
    const char* key;
    TrailRecord record;
};

const std::vector<Line> kLines = {
    {IndicatorKind::Ip, "10.66.0.1", {"asyncrat (malware)", "(static)"}},
    {IndicatorKind::Ip, "fd66::1", {"asyncrat (malware)", "(static)"}},
    {IndicatorKind::IpPort, "10.55.0.1:4444", {"mass scanner", "(static)"}},
    {IndicatorKind::IpPort, "[fd55::1]:443", {"mass scanner", "(static)"}},
    {IndicatorKind::Cidr, "10.77.0.0/24", {"bad net (suspicious)", "(static)"}},
    {IndicatorKind::Domain, "evil.example", {"lab c2 (malware)", "(static)"}},
    {IndicatorKind::RegexDomain, "dga[0-9]+\\.example", {"lab dga (malware)", "(static)"}},
    {IndicatorKind::Url, "files.example/payload/", {"lab dropper (malware)", "(custom)"}},
    {IndicatorKind::UserAgent, "LabBot/1.0", {"labbot (malware)", "(static)"}},
    {IndicatorKind::CertSha1, "a9993e364706816aba3e25717850c26c9cd0d89d", {"cert", "(static)"}},
    {IndicatorKind::Ja3, "e7d705a3286e19ea42f587b344ee6865", {"ja3 tool", "(static)"}},
    {IndicatorKind::Ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1", {"ja4 tool", "(static)"}},
};

TrailSet set_of(const std::vector<Line>& lines) {
    TrailSet set;
    for (const Line& line : lines) {
        set.add(line.kind, line.key, line.record, SourceRank::StaticTop);
    }
    return set;
}

IpAddress ip(const char* text) {
    return IpAddress::parse(text).value();
}

std::string info_of(const TrailStore& store, std::uint32_t record) {
    REQUIRE(record != kNoRecord);
    return std::string(store.record(record).info);
}

void check_lookups(const TrailStore& store) {
    CHECK(store.total() == kLines.size());
    CHECK(store.count(IndicatorKind::Ip) == 2);
    CHECK(info_of(store, store.find_ip(ip("10.66.0.1"))) == "asyncrat (malware)");
    CHECK(info_of(store, store.find_ip(ip("fd66::1"))) == "asyncrat (malware)");
    CHECK(store.find_ip(ip("10.66.0.2")) == kNoRecord);
    CHECK(info_of(store, store.find_ip_port(IpPort{ip("10.55.0.1"), 4444})) == "mass scanner");
    CHECK(info_of(store, store.find_ip_port(IpPort{ip("fd55::1"), 443})) == "mass scanner");
    CHECK(store.find_ip_port(IpPort{ip("10.55.0.1"), 4445}) == kNoRecord);
    CHECK(info_of(store, store.find_prefix(Prefix{ip("10.77.0.0"), 24})) == "bad net (suspicious)");
    CHECK(store.find_prefix(Prefix{ip("10.77.0.0"), 25}) == kNoRecord);
    const auto text = [&](IndicatorKind kind, const char* key) {
        const std::uint32_t record = store.index(kind).find(key);
        return record == kNoRecord ? std::string("-") : info_of(store, record);
    };
    CHECK(text(IndicatorKind::Domain, "evil.example") == "lab c2 (malware)");
    CHECK(text(IndicatorKind::Domain, "www.evil.example") == "-");  // parents: the matcher's
    CHECK(text(IndicatorKind::RegexDomain, "dga[0-9]+\\.example") == "lab dga (malware)");
    // URL keys lose their trailing slashes: the matcher's candidates never carry one.
    CHECK(text(IndicatorKind::Url, "files.example/payload") == "lab dropper (malware)");
    CHECK(text(IndicatorKind::Url, "files.example/payload/") == "-");
    CHECK(text(IndicatorKind::UserAgent, "LabBot/1.0") == "labbot (malware)");
    CHECK(text(IndicatorKind::UserAgent, "labbot/1.0") == "-");
    CHECK(text(IndicatorKind::CertSha1, "a9993e364706816aba3e25717850c26c9cd0d89d") == "cert");
    CHECK(text(IndicatorKind::Ja3, "e7d705a3286e19ea42f587b344ee6865") == "ja3 tool");
    CHECK(text(IndicatorKind::Ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1") == "ja4 tool");
    const auto url = store.record(store.index(IndicatorKind::Url).find("files.example/payload"));
    CHECK(url.reference == "(custom)");
    CHECK(url.severity == 0);
}

// The image without its compile time, which is all that may differ between two writes.
std::vector<std::byte> without_time(std::vector<std::byte> image) {
    std::memset(image.data() + offsetof(spoor::trails::store::Header, created_unix_ns), 0, 8);
    return image;
}

}  // namespace

TEST_CASE("a store in memory finds every kind of indicator in place") {
    check_lookups(*spoor::trails::store_of(set_of(kLines)));
}

TEST_CASE("a store file maps back to the same lookups, and says what it was made of") {
    TempDir dir;
    const auto file = dir.path() / "trails.spoor";
    const auto image = spoor::trails::write_store_image(set_of(kLines), R"({"sources":["x"]})", {});
    spoor::trails::save_store_file(file, image);
    CHECK(TrailStore::is_store_file(file));
    CHECK_FALSE(TrailStore::is_store_file(dir.write("list.txt", "10.0.0.1\n")));
    const auto store = TrailStore::open(file);
    CHECK(store->mapped());
    CHECK(store->bytes() == image.size());
    CHECK(store->meta() == R"({"sources":["x"]})");
    CHECK(store->created_unix_ns() > 0);
    check_lookups(*store);
    // Every address kind back from its key, for the kernel's maps.
    std::vector<std::string> seen;
    store->for_each_ip([&](const IpAddress& a, std::uint32_t) { seen.push_back(a.to_string()); });
    store->for_each_ip_port([&](const IpPort& p, std::uint32_t) {
        seen.push_back(p.addr.to_string() + "#" + std::to_string(p.port));
    });
    store->for_each_prefix([&](const Prefix& p, std::uint32_t) {
        seen.push_back(p.addr.to_string() + "/" + std::to_string(p.len));
    });
    CHECK(seen == std::vector<std::string>{"10.66.0.1", "fd66::1", "10.55.0.1#4444", "fd55::1#443",
                                           "10.77.0.0/24"});
}

TEST_CASE("the image depends on the trails, not on the order they were added in") {
    // One record for all, so that record ids (numbered as first met) are the same too.
    std::vector<Line> lines = kLines;
    for (Line& line : lines) {
        line.record = {"one (malware)", "(static)"};
    }
    std::vector<Line> reversed(lines.rbegin(), lines.rend());
    CHECK(without_time(spoor::trails::write_store_image(set_of(lines), "", {})) ==
          without_time(spoor::trails::write_store_image(set_of(reversed), "", {})));
}

TEST_CASE("an empty store answers nothing and still maps") {
    TempDir dir;
    const auto file = dir.path() / "empty.spoor";
    spoor::trails::save_store_file(file, spoor::trails::write_store_image(TrailSet{}, "", {}));
    const auto store = TrailStore::open(file);
    CHECK(store->total() == 0);
    CHECK(store->find_ip(ip("10.0.0.1")) == kNoRecord);
    CHECK(store->index(IndicatorKind::Domain).find("evil.example") == kNoRecord);
    CHECK_THROWS_AS(store->record(0), std::out_of_range);
}

TEST_CASE("a file that is not a whole store of this version is refused, naming it") {
    TempDir dir;
    const auto image = spoor::trails::write_store_image(set_of(kLines), "", {});
    const auto write = [&](const char* name, std::vector<std::byte> bytes) {
        const auto path = dir.path() / name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        return path;
    };
    const auto refused = [](const std::filesystem::path& path) -> std::string {
        try {
            TrailStore::open(path);
        } catch (const StoreError& e) {
            return e.what();
        }
        return "opened";
    };
    const auto cut = write("cut.spoor", {image.begin(), image.end() - 100});
    CHECK(refused(cut) == "trail store " + cut.string() +
                              ": cut short or grown: " + std::to_string(image.size() - 100) +
                              " bytes, the header says " + std::to_string(image.size()));
    auto other = image;
    other[8] = std::byte{99};  // the version
    CHECK(refused(write("v99.spoor", other))
              .ends_with("store version 99, this spoor reads " +
                         std::to_string(spoor::trails::store::kVersion) + ": compile it again"));
    auto magic = image;
    magic[0] = std::byte{'X'};
    CHECK(refused(write("magic.spoor", magic))
              .ends_with("not a trail store (compile one with "
                         "`spoor trails compile`)"));
    CHECK(refused(write("tiny.spoor", {std::byte{1}})).ends_with("not a trail store (1 bytes)"));
    CHECK(refused(dir.path() / "missing.spoor").ends_with("No such file or directory"));
    // A section table entry pointing past the end.
    auto far = image;
    const std::uint64_t past = image.size() + 64;
    std::memcpy(far.data() + sizeof(spoor::trails::store::Header) +
                    offsetof(spoor::trails::store::Section, offset),
                &past, sizeof(past));
    CHECK(refused(write("far.spoor", far)).ends_with("section 0 out of bounds"));
}

TEST_CASE("address keys come back as they went in") {
    namespace keys = spoor::trails::store_keys;
    IpAddress a;
    CHECK(keys::parse_ip(keys::ip(ip("10.1.2.3")).view(), a));
    CHECK(a == ip("10.1.2.3"));
    Prefix p;
    CHECK(keys::parse_prefix(keys::prefix(Prefix{ip("fd00::"), 8}).view(), p));
    CHECK(p == Prefix{ip("fd00::"), 8});
    IpPort ipp;
    CHECK(keys::parse_ip_port(keys::ip_port(IpPort{ip("10.9.9.9"), 65535}).view(), ipp));
    CHECK(ipp == IpPort{ip("10.9.9.9"), 65535});
    // Not the shape asked for.
    CHECK_FALSE(keys::parse_ip(keys::prefix(Prefix{ip("10.0.0.0"), 8}).view(), a));
    CHECK_FALSE(keys::parse_prefix("", p));
}

TEST_CASE("an index entry naming a record the store does not hold is not found") {
    namespace store = spoor::trails::store;
    auto image = spoor::trails::write_store_image(set_of(kLines), "", {});
    store::Header header;
    std::memcpy(&header, image.data(), sizeof(header));
    bool patched = false;
    for (std::uint32_t s = 0; s < header.section_count; ++s) {
        store::Section section;
        std::memcpy(&section, image.data() + sizeof(header) + s * sizeof(section), sizeof(section));
        if (section.id == store::SectionId::Index &&
            section.kind == static_cast<std::uint32_t>(IndicatorKind::Ip)) {
            // The first entry (10.66.0.1) now names record 9999.
            const std::uint32_t bad = 9999;
            std::memcpy(image.data() + section.offset + sizeof(store::IndexHeader) +
                            offsetof(store::Entry, record),
                        &bad, sizeof(bad));
            patched = true;
        }
    }
    REQUIRE(patched);
    const auto damaged = TrailStore::from_image(std::move(image), "damaged");
    CHECK(damaged->find_ip(ip("10.66.0.1")) == kNoRecord);
    CHECK(damaged->find_ip(ip("fd66::1")) != kNoRecord);
    std::size_t seen = 0;
    damaged->for_each_ip([&](const IpAddress&, std::uint32_t) { ++seen; });
    CHECK(seen == 1);
}
