// The capture generator makes what it says: its fixture holds every candidate
// class and reaches every listed trail kind through the host classifier, and
// the same arguments give the same bytes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include <cstring>

#include "capture/host_classifier.h"
#include "capture/pcap_source.h"
#include "support/test_support.h"
#include "trails/loader.h"

using namespace spoor;

namespace {

std::string generate(const spoor::test::TempDir& dir, const std::string& name,
                     const std::string& args) {
    const char* tool = std::getenv("SPOOR_PCAPGEN");
    REQUIRE_MESSAGE(tool != nullptr, "SPOOR_PCAPGEN names the spoor-pcapgen binary (set by CTest)");
    const auto path = (dir.path() / name).string();
    const auto command = std::string(tool) + " -o " + path + " " + args + " 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    return path;
}

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("the fixture mix covers every candidate class and every listed trail kind") {
    spoor::test::TempDir dir;
    const std::string listed = "10.66.0.1\n10.77.0.0/24\n10.55.0.1:4444\nfd66::1\n";
    const auto trails_path = dir.write("listed.txt", listed);
    const auto capture = generate(dir, "fixture.pcap",
                                  "--mix fixture --listed 10.66.0.1 --listed 10.77.0.0/24 "
                                  "--listed 10.55.0.1:4444 --listed fd66::1");
    trails::LoadReport report;
    capture::HostClassifier classifier(trails::store_of(trails::load_trails({trails_path}, report)),
                                       {});
    capture::PcapSource source(capture);
    capture::CapturedFrame frame;
    std::vector<std::uint8_t> record;
    std::uint32_t reasons = 0;
    std::set<int> hit_kinds;
    while (source.next(frame)) {
        if (classifier.classify(frame.frame, frame.timestamp_ns, record)) {
            spoor_record header;
            std::memcpy(&header, record.data(), sizeof(header));
            reasons |= header.reasons;
            for (const auto& hit : header.hits) {
                if (hit.kind != SPOOR_HIT_NONE) {
                    hit_kinds.insert(hit.kind);
                }
            }
        }
    }
    CHECK(reasons == (1u << SPOOR_REASON_COUNT) - 1);
    CHECK(hit_kinds == std::set<int>{SPOOR_HIT_IP, SPOOR_HIT_IPPORT, SPOOR_HIT_CIDR});
    CHECK(classifier.counters().c[SPOOR_CNT_MALFORMED] == 0);
}

TEST_CASE("the same arguments write the same bytes; another seed does not") {
    spoor::test::TempDir dir;
    const auto a = generate(dir, "a.pcap", "--mix bulk --packets 2000 --seed 7");
    const auto b = generate(dir, "b.pcap", "--mix bulk --packets 2000 --seed 7");
    const auto c = generate(dir, "c.pcap", "--mix bulk --packets 2000 --seed 8");
    CHECK(bytes_of(a) == bytes_of(b));
    CHECK(bytes_of(a) != bytes_of(c));
}

TEST_CASE("the candidate mix is all candidates; most of the bulk mix stays in the kernel") {
    spoor::test::TempDir dir;
    const auto count = [&](const std::string& path) {
        capture::HostClassifier classifier(trails::store_of(trails::TrailSet{}), {});
        capture::PcapSource source(path);
        capture::CapturedFrame frame;
        std::vector<std::uint8_t> record;
        std::size_t packets = 0, records = 0;
        while (source.next(frame)) {
            ++packets;
            records += classifier.classify(frame.frame, frame.timestamp_ns, record);
        }
        return std::pair(packets, records);
    };
    const auto [cand_packets, cand_records] =
        count(generate(dir, "cand.pcap", "--mix candidate --packets 1000"));
    CHECK(cand_packets == 1000);
    CHECK(cand_records == 1000);
    const auto [bulk_packets, bulk_records] =
        count(generate(dir, "bulk.pcap", "--mix bulk --packets 1000"));
    CHECK(bulk_packets == 1000);
    CHECK(bulk_records < 400);  // 60% TLS data and the bare ACKs never leave
}
