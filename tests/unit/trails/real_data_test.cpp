// The real Maltrail static set (../shared/data/maltrail/static-trails.tar.xz):
// counts are cross-checked against tar, sed and grep run on an extracted copy,
// so a wrong rule in the loader shows up as a difference, not a restated number.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "support/test_support.h"
#include "trails/formats.h"
#include "trails/loader.h"

namespace {

namespace fs = std::filesystem;
using spoor::IpAddress;
using spoor::trails::IndicatorKind;
using spoor::trails::kind_name;
using spoor::trails::load_trails;
using spoor::trails::LoadReport;
using spoor::trails::MalformedLine;
using spoor::trails::TrailSet;

std::string quoted(const fs::path& path) {
    // Appended piece by piece: GCC 12 -O3 warns (-Wrestrict) on "'" + std::string.
    std::string out = "'";
    out += path.string();
    out += '\'';
    return out;
}

// Output of a shell command, trailing newline removed. The C locale makes sort,
// tr and grep work on bytes, as the loader does.
std::string shell(const std::string& command) {
    const std::string script = "export LC_ALL=C; " + command;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(script.c_str(), "r"), pclose);
    REQUIRE(pipe != nullptr);
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof(buf), pipe.get()) != nullptr) {
        out += buf;
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

std::size_t shell_count(const std::string& pipeline) {
    return std::stoul(shell(pipeline + " | wc -l"));
}

std::size_t count_family(const TrailSet& set, bool v4, bool ports) {
    if (ports) {
        return static_cast<std::size_t>(
            std::count_if(set.ipports.begin(), set.ipports.end(),
                          [v4](const auto& entry) { return entry.first.addr.is_v4() == v4; }));
    }
    return static_cast<std::size_t>(
        std::count_if(set.ips.begin(), set.ips.end(),
                      [v4](const auto& entry) { return entry.first.is_v4() == v4; }));
}

const std::string& info_of_domain(const TrailSet& set, const std::string& name) {
    return set.record(set.domains.at(name)).info;
}

}  // namespace

TEST_CASE("real Maltrail static set: counts, quirks and merges") {
    const auto data = spoor::test::maltrail_data();
    if (!data) {
        MESSAGE("../shared is absent (set SPOOR_SHARED): real-data test skipped");
        return;
    }
    const fs::path archive = *data / "static-trails.tar.xz";

    LoadReport report;
    const auto start = std::chrono::steady_clock::now();
    const TrailSet set = load_trails({archive}, report);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);

    std::string counts;
    std::size_t sum = 0;
    for (std::size_t k = 0; k < spoor::trails::kIndicatorKinds; ++k) {
        const auto kind = static_cast<IndicatorKind>(k);
        counts += std::string(kind_name(kind)) + "=" + std::to_string(set.count(kind)) + " ";
        sum += set.count(kind);
    }
    MESSAGE("loaded in " << elapsed.count() << " ms: files=" << report.files
                         << " lines=" << report.lines << " malformed=" << report.malformed.size()
                         << " records=" << set.records().size() << " total=" << set.total());
    MESSAGE("per kind: " << counts << "(ip v4=" << count_family(set, true, false)
                         << " v6=" << count_family(set, false, false)
                         << ", ipport v4=" << count_family(set, true, true)
                         << " v6=" << count_family(set, false, true) << ")");
    std::string malformed;
    for (const auto& m : report.malformed) {
        malformed +=
            "\n  " + m.file + ":" + std::to_string(m.line) + ": " + m.text + " (" + m.reason + ")";
    }
    MESSAGE("malformed:" << malformed);

    // Internal consistency.
    CHECK(sum == set.total());
    CHECK(set.total() <= report.lines);
    CHECK(set.records().size() > 3000);  // one per file, plus a few merged ones
    CHECK(set.records().size() < 10000);
    CHECK(set.count(IndicatorKind::Domain) > set.count(IndicatorKind::IpPort));
    CHECK(set.count(IndicatorKind::IpPort) > set.count(IndicatorKind::Url));
    CHECK(set.count(IndicatorKind::UserAgent) + set.count(IndicatorKind::CertSha1) +
              set.count(IndicatorKind::Ja3) + set.count(IndicatorKind::Ja4) ==
          0);
    CHECK(report.malformed.size() < 100);  // "a few"
    // README: exactly 27 regex domains.
    CHECK(set.count(IndicatorKind::RegexDomain) == 27);

    // Independent counts from an extracted copy.
    spoor::test::TempDir tmp;
    REQUIRE(std::system(("tar -xJf " + quoted(archive) + " -C " + quoted(tmp.path())).c_str()) ==
            0);
    const fs::path root = tmp.path() / "trails/static";
    CHECK(report.files == shell_count("find " + quoted(root) + " -name '*.txt'"));
    // Every line with something left after removing comments ("#" at the start or
    // after a blank) is either accepted or reported.
    const fs::path stripped = tmp.path() / "lines.txt";
    REQUIRE(std::system(("export LC_ALL=C; find " + quoted(root) +
                         " -name '*.txt' -print0 | xargs -0 awk 1 | "
                         "sed -E 's/(^|[[:space:]])#.*$//; s/^[[:space:]]+//; "
                         "s/[[:space:]]+$//' | grep -v '^$' > " +
                         quoted(stripped))
                            .c_str()) == 0);
    const std::string lines = "cat " + quoted(stripped);
    CHECK(report.lines + report.malformed.size() == shell_count(lines));
    // Distinct indicators: the lines, lower-cased, with the normalisations that
    // plain text tools can do (scheme, bare host, /32, leading and trailing dot,
    // leading zeros of a port); the 37 malformed lines are all different.
    CHECK(set.total() + report.malformed.size() ==
          shell_count(lines + " | tr A-Z a-z | sed -E 's|^[a-z][a-z0-9+.-]*://([^/?]*)$|\\1/|;"
                              " s|^[a-z][a-z0-9+.-]*://||; s|/32$||; s|^\\.||; s|\\.$||;"
                              " s/^([0-9.]+):0+([1-9])/\\1:\\2/' | sort -u"));
    // Distinct dotted quads, alone or as /32.
    CHECK(count_family(set, true, false) ==
          shell_count(lines + " | grep -E '^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/32)?$'"
                              " | sed 's|/32$||' | sort -u"));
    // Distinct dotted quad:port with a port in 1..65535 (leading zeros dropped).
    CHECK(count_family(set, true, true) ==
          shell_count(lines + " | grep -E '^[0-9]{1,3}(\\.[0-9]{1,3}){3}:[0-9]+$'"
                              " | awk -F: '$2 >= 1 && $2 <= 65535 { print $1 \":\" $2 + 0 }'"
                              " | sort -u"));
    // Regex lines: no '/', no blank, a regex character, and not "[v6]:port".
    CHECK(shell_count(lines + " | grep -v / | grep -v '[[:space:]]' | grep '[][*+()?\\\\]'"
                              " | grep -vE '^\\[[0-9a-fA-F:.]+\\]:[0-9]+$'") == 27);
    // Distinct URLs: lines with '/' that are not v4 CIDRs, scheme removed, lower-cased,
    // a bare host given its "/".
    CHECK(set.count(IndicatorKind::Url) ==
          shell_count(lines + " | tr A-Z a-z | grep / | grep -vE '^[0-9.]+/[0-9]+$'"
                              " | sed -E 's|^[a-z][a-z0-9+.-]*://||; /[/?]/! s|$|/|' | sort -u"));

    // The known malformed line, with the right file and line number.
    const auto bad =
        std::find_if(report.malformed.begin(), report.malformed.end(),
                     [](const MalformedLine& m) { return m.text == "161.35.41.9:53:53"; });
    REQUIRE(bad != report.malformed.end());
    CHECK(bad->file.starts_with(archive.string() + ":"));
    CHECK(bad->file.ends_with("malware/apt_tinyscouts.txt"));
    const fs::path bad_file = tmp.path() / bad->file.substr(archive.string().size() + 1);
    CHECK(shell("sed -n '" + std::to_string(bad->line) + "p' " + quoted(bad_file)) ==
          "161.35.41.9:53:53");

    // A line with a trailing comment is accepted (mass_scanner.txt).
    REQUIRE(shell("grep -c '^185\\.216\\.140\\.249[[:space:]]*# scanner' " +
                  quoted(root / "mass_scanner.txt")) == "1");
    const auto scanner = set.ips.find(IpAddress::parse("185.216.140.249").value());
    REQUIRE(scanner != set.ips.end());
    CHECK(set.record(scanner->second).info == "mass scanner");
    CHECK(set.record(scanner->second).reference == "(static)");

    // Indicators listed in several files carry the better folder's info,
    // whichever file is read first ("malicious/" sorts before "malware/").
    REQUIRE(shell_count("grep -rlxF gatewaytaxlogin.com " + quoted(root)) >= 2);
    CHECK(info_of_domain(set, "gatewaytaxlogin.com") == "0ktapus (malware)");
    REQUIRE(shell_count("grep -rlxF haoldd.com " + quoted(root)) >= 2);
    CHECK(info_of_domain(set, "haoldd.com") == "agenttesla (malware)");
    const auto parking = set.cidrs.find({IpAddress::parse("192.64.119.0").value(), 24});
    REQUIRE(parking != set.cidrs.end());
    CHECK(set.record(parking->second).info == "parking site (suspicious)");
    CHECK(set.record(parking->second).reference == "(static)");

    // The file with a space in its name was read.
    REQUIRE(fs::exists(root / "malware/icarus _ransomware.txt"));
    CHECK(info_of_domain(set, "e6ujsppajgb756x7x5ykdryvlcjynltb52eiwi6pd4bfwo6hddd6neid.onion") ==
          "icarus  ransomware (malware)");

    // The extracted folder gives the same set as the archive.
    LoadReport folder_report;
    const TrailSet folder = load_trails({root}, folder_report);
    CHECK(folder_report.files == report.files);
    CHECK(folder_report.lines == report.lines);
    CHECK(folder_report.malformed.size() == report.malformed.size());
    for (std::size_t k = 0; k < spoor::trails::kIndicatorKinds; ++k) {
        const auto kind = static_cast<IndicatorKind>(k);
        CAPTURE(kind_name(kind));
        CHECK(folder.count(kind) == set.count(kind));
    }
    CHECK(folder.records().size() == set.records().size());
    std::size_t differing = 0;
    for (const auto& [name, id] : set.domains) {
        const auto& a = set.record(id);
        const auto& b = folder.record(folder.domains.at(name));
        differing += (a.info != b.info || a.reference != b.reference) ? 1 : 0;
    }
    CHECK(differing == 0);

    // Given on its own, no file of the static set looks like a provider's format: an
    // operator's copy of a Maltrail list still loads as a list.
    std::string recognised;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        std::string head(64 * 1024, '\0');
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
        if (spoor::trails::detect_format(head)) {
            recognised += "\n  " + entry.path().string();
        }
    }
    CHECK_MESSAGE(recognised.empty(), "read as another format:" << recognised);
}
