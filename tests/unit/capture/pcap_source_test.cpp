#include <doctest/doctest.h>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "capture/pcap_source.h"
#include "frame_builder.h"
#include "support/test_support.h"

using spoor::capture::CapturedFrame;
using spoor::capture::PcapError;
using spoor::capture::PcapSource;
using spoor::test::TempDir;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Link types by their numbers in the file (LINKTYPE_*), as a capture written elsewhere has them.
constexpr std::uint32_t kEthernet = 1;
constexpr std::uint32_t kNull = 0;
constexpr std::uint32_t kRaw = 101;
constexpr std::uint32_t kLoop = 108;
constexpr std::uint32_t kSll = 113;
constexpr std::uint32_t kIeee80211 = 105;
constexpr std::uint32_t kIpv4 = 228;
constexpr std::uint32_t kIpv6 = 229;
constexpr std::uint32_t kSll2 = 276;

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kPcapHeader = 24;
constexpr std::uint32_t kRecordHeader = 16;

// 2026-08-08T00:00:00Z.
constexpr std::uint32_t kSec = 1786147200;
constexpr std::uint64_t kSecNs = std::uint64_t{kSec} * 1'000'000'000;

void put8(std::string& out, std::uint8_t v) {
    out.push_back(static_cast<char>(v));
}
void put_le16(std::string& out, std::uint16_t v) {
    put8(out, static_cast<std::uint8_t>(v));
    put8(out, static_cast<std::uint8_t>(v >> 8));
}
void put_le32(std::string& out, std::uint32_t v) {
    put_le16(out, static_cast<std::uint16_t>(v));
    put_le16(out, static_cast<std::uint16_t>(v >> 16));
}
void put_be16(std::string& out, std::uint16_t v) {
    put8(out, static_cast<std::uint8_t>(v >> 8));
    put8(out, static_cast<std::uint8_t>(v));
}
void put_be32(std::string& out, std::uint32_t v) {
    put_be16(out, static_cast<std::uint16_t>(v >> 16));
    put_be16(out, static_cast<std::uint16_t>(v));
}
void put_bytes(std::string& out, const Bytes& bytes) {
    out.append(bytes.begin(), bytes.end());
}
Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

struct Record {
    std::uint32_t sec = kSec;
    std::uint32_t frac = 0;  // µs or ns, as the file's magic says
    Bytes data;
    std::uint32_t wire_len = 0;  // 0: data.size()
};

// A classic pcap file, little-endian, byte by byte.
std::string pcap_file(std::uint32_t link_type, const std::vector<Record>& records,
                      std::uint32_t magic = kMagicMicro) {
    std::string out;
    put_le32(out, magic);
    put_le16(out, 2);  // version 2.4
    put_le16(out, 4);
    put_le32(out, 0);  // thiszone
    put_le32(out, 0);  // sigfigs
    put_le32(out, 65535);
    put_le32(out, link_type);
    for (const auto& r : records) {
        put_le32(out, r.sec);
        put_le32(out, r.frac);
        put_le32(out, static_cast<std::uint32_t>(r.data.size()));
        put_le32(out, r.wire_len != 0 ? r.wire_len : static_cast<std::uint32_t>(r.data.size()));
        put_bytes(out, r.data);
    }
    return out;
}

// pcapng blocks (little-endian section): the body is padded to 32 bits.
std::string pcapng_block(std::uint32_t type, std::string body) {
    body.resize((body.size() + 3) / 4 * 4, '\0');
    std::string out;
    const auto total = static_cast<std::uint32_t>(body.size() + 12);
    put_le32(out, type);
    put_le32(out, total);
    out += body;
    put_le32(out, total);
    return out;
}

std::string pcapng_section_header() {
    std::string body;
    put_le32(body, 0x1A2B3C4D);  // byte-order magic
    put_le16(body, 1);           // version 1.0
    put_le16(body, 0);
    put_le32(body, 0xFFFFFFFF);  // section length unknown (-1, 64 bits)
    put_le32(body, 0xFFFFFFFF);
    return pcapng_block(0x0A0D0D0A, body);
}

// tsresol: the if_tsresol option's value (a power of ten), or 0 to leave the option out and get
// the default, microseconds.
std::string pcapng_interface(std::uint16_t link_type, std::uint8_t tsresol) {
    std::string body;
    put_le16(body, link_type);
    put_le16(body, 0);  // reserved
    put_le32(body, 65535);
    if (tsresol != 0) {
        put_le16(body, 9);  // if_tsresol
        put_le16(body, 1);
        put8(body, tsresol);
        body.append(3, '\0');
        put_le32(body, 0);  // opt_endofopt
    }
    return pcapng_block(1, body);
}

std::string pcapng_packet(std::uint64_t timestamp, const Bytes& data, std::uint32_t wire_len = 0) {
    std::string body;
    put_le32(body, 0);  // interface 0
    put_le32(body, static_cast<std::uint32_t>(timestamp >> 32));
    put_le32(body, static_cast<std::uint32_t>(timestamp));
    put_le32(body, static_cast<std::uint32_t>(data.size()));
    put_le32(body, wire_len != 0 ? wire_len : static_cast<std::uint32_t>(data.size()));
    put_bytes(body, data);
    return pcapng_block(6, body);
}

// Fixture packets: Ethernet frames from the frame builder, and the IP packets inside them.
Bytes tcp4_frame() {
    return spoor::test::build_frame(spoor::test::tcp("10.0.0.1", 40000, "10.0.0.2", 80));
}
Bytes udp6_frame() {
    return spoor::test::build_frame(
        spoor::test::udp("fd00::1", 5353, "fd00::2", 53, spoor::test::bytes("query")));
}
Bytes icmp4_frame() {
    return spoor::test::build_frame(spoor::test::icmp_echo("10.0.0.3", "10.0.0.4"));
}
Bytes network_layer(const Bytes& ethernet) {
    return Bytes(ethernet.begin() + 14, ethernet.end());
}
Bytes tcp4() {
    return network_layer(tcp4_frame());
}
Bytes udp6() {
    return network_layer(udp6_frame());
}

// What the source should hand back for a network-layer packet behind a replaced link header.
Bytes ethernet(std::uint16_t ether_type, const Bytes& payload) {
    Bytes out(12, 0);
    out.push_back(static_cast<std::uint8_t>(ether_type >> 8));
    out.push_back(static_cast<std::uint8_t>(ether_type));
    return cat(out, payload);
}

Bytes sll(std::uint16_t protocol, std::uint16_t arphrd = 1) {
    std::string h;
    put_be16(h, 0);  // sent to us
    put_be16(h, arphrd);
    put_be16(h, 6);  // address length
    h += std::string("\x02\x00\x00\x00\x00\x01\x00\x00", 8);
    put_be16(h, protocol);
    return {h.begin(), h.end()};
}

Bytes sll2(std::uint16_t protocol, std::uint16_t arphrd = 1) {
    std::string h;
    put_be16(h, protocol);
    put_be16(h, 0);  // reserved
    put_be32(h, 2);  // interface index
    put_be16(h, arphrd);
    put8(h, 4);  // sent by us
    put8(h, 6);  // address length
    h += std::string("\x02\x00\x00\x00\x00\x01\x00\x00", 8);
    return {h.begin(), h.end()};
}

Bytes family_le(std::uint32_t family) {
    std::string h;
    put_le32(h, family);
    return {h.begin(), h.end()};
}
Bytes family_be(std::uint32_t family) {
    std::string h;
    put_be32(h, family);
    return {h.begin(), h.end()};
}

Bytes to_bytes(std::span<const std::uint8_t> frame) {
    return {frame.begin(), frame.end()};
}

// Every frame of a capture, with timestamps and wire lengths.
struct Read {
    std::vector<Bytes> frames;
    std::vector<std::uint64_t> timestamps;
    std::vector<std::uint32_t> wire_lens;
};

Read read_all(const std::filesystem::path& file) {
    PcapSource source(file.string());
    Read read;
    CapturedFrame frame;
    while (source.next(frame)) {
        read.frames.push_back(to_bytes(frame.frame));
        read.timestamps.push_back(frame.timestamp_ns);
        read.wire_lens.push_back(frame.wire_len);
    }
    return read;
}

std::vector<Bytes> frames_of(std::uint32_t link_type, const std::vector<Bytes>& packets) {
    TempDir tmp;
    std::vector<Record> records;
    for (const auto& p : packets) {
        records.push_back({.data = p});
    }
    return read_all(tmp.write("link.pcap", pcap_file(link_type, records))).frames;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The message of the PcapError `action` throws; "" (which fails every contains()) if none.
std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const PcapError& e) {
        return e.what();
    }
    return "";
}

// Reads `file` to its end and says what happened, as one line.
std::string summary(const std::string& file) {
    try {
        PcapSource source(file);
        CapturedFrame frame;
        std::string out;
        while (source.next(frame)) {
            out +=
                std::to_string(frame.timestamp_ns) + ":" + std::to_string(frame.frame.size()) + " ";
        }
        return out + "records=" + std::to_string(source.records()) +
               " offset=" + std::to_string(source.offset()) +
               " size=" + std::to_string(source.size());
    } catch (const PcapError& e) {
        return std::string("error: ") + e.what();
    }
}

// Runs summary("-") in a child whose stdin `connect_stdin` sets up, so the test process's own
// stdin (its FILE state included) is never touched.
std::string summary_of_stdin(const std::function<void()>& connect_stdin) {
    int result[2];
    REQUIRE(pipe(result) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(result[0]);
        connect_stdin();
        const std::string line = summary("-");
        const bool written =
            write(result[1], line.data(), line.size()) == static_cast<ssize_t>(line.size());
        _exit(written ? 0 : 1);
    }
    close(result[1]);
    std::string line;
    char buf[4096];
    ssize_t n = 0;
    while ((n = read(result[0], buf, sizeof buf)) > 0) {
        line.append(buf, static_cast<std::size_t>(n));
    }
    close(result[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    return line;
}

}  // namespace

TEST_CASE("Ethernet frames come back unchanged, VLAN and PPPoE ones too") {
    auto tagged_spec = spoor::test::tcp("10.0.0.1", 40000, "10.0.0.2", 443);
    tagged_spec.vlans = {100, 200};
    const Bytes tagged = spoor::test::build_frame(tagged_spec);
    // PPPoE session (0x8864): version/type 0x11, code 0, session 1, length, then PPP IPv4 (0x0021).
    const Bytes ip = tcp4();
    const auto ppp_length = static_cast<std::uint8_t>(ip.size() + 2);
    Bytes pppoe = {2, 0,    0,    0,    0, 2, 2, 0, 0,          0,    0,
                   1, 0x88, 0x64, 0x11, 0, 0, 1, 0, ppp_length, 0x00, 0x21};
    pppoe = cat(pppoe, ip);
    TempDir tmp;
    const auto file =
        tmp.write("eth.pcap", pcap_file(kEthernet, {{.frac = 1, .data = tcp4_frame()},
                                                    {.frac = 2, .data = tagged},
                                                    {.frac = 3, .data = pppoe},
                                                    {.frac = 4, .data = udp6_frame()}}));
    const auto read = read_all(file);
    CHECK(read.frames == std::vector<Bytes>{tcp4_frame(), tagged, pppoe, udp6_frame()});
    CHECK(read.timestamps ==
          std::vector<std::uint64_t>{kSecNs + 1000, kSecNs + 2000, kSecNs + 3000, kSecNs + 4000});
    CHECK(PcapSource(file.string()).link_type() == 1);
}

TEST_CASE("timestamps: microsecond files are scaled to ns, nanosecond files keep their ns") {
    TempDir tmp;
    const auto micro = tmp.write(
        "us.pcap", pcap_file(kEthernet, {{.frac = 123456, .data = tcp4_frame()},
                                         {.sec = 0, .frac = 999999, .data = tcp4_frame()}}));
    CHECK(read_all(micro).timestamps == std::vector<std::uint64_t>{kSecNs + 123456000, 999999000});

    const auto nano =
        tmp.write("ns.pcap", pcap_file(kEthernet,
                                       {{.frac = 123456789, .data = tcp4_frame()},
                                        {.sec = kSec + 1, .frac = 999999999, .data = tcp4_frame()}},
                                       kMagicNano));
    CHECK(read_all(nano).timestamps ==
          std::vector<std::uint64_t>{kSecNs + 123456789, kSecNs + 1'999'999'999});
}

TEST_CASE("wire_len: kept for Ethernet, adjusted for a replaced link header") {
    TempDir tmp;
    const Bytes whole = tcp4_frame();
    const Bytes cut(whole.begin(), whole.begin() + 40);
    const auto eth = tmp.write("eth.pcap", pcap_file(kEthernet, {{.data = cut, .wire_len = 1514}}));
    const auto eth_read = read_all(eth);
    CHECK(eth_read.frames.at(0) == cut);
    CHECK(eth_read.wire_lens == std::vector<std::uint32_t>{1514});

    // 16-byte SLL header replaced by 14 bytes of Ethernet; 4-byte NULL header by 14.
    const Bytes sll_whole = cat(sll(0x0800), tcp4());
    const Bytes sll_cut(sll_whole.begin(), sll_whole.begin() + 40);
    const auto sll_file =
        tmp.write("sll.pcap", pcap_file(kSll, {{.data = sll_cut, .wire_len = 1516}}));
    const auto sll_read = read_all(sll_file);
    CHECK(sll_read.frames.at(0).size() == 38);
    CHECK(sll_read.wire_lens == std::vector<std::uint32_t>{1514});

    const auto null_file =
        tmp.write("null.pcap", pcap_file(kNull, {{.data = cat(family_le(2), tcp4())}}));
    CHECK(read_all(null_file).wire_lens ==
          std::vector<std::uint32_t>{static_cast<std::uint32_t>(tcp4().size() + 14)});
}

TEST_CASE("Linux cooked v1: the protocol field becomes the EtherType") {
    const auto frames = frames_of(
        kSll, {cat(sll(0x0800), tcp4()), cat(sll(0x86DD), udp6()), cat(sll(0x0806), Bytes(28, 1))});
    CHECK(frames == std::vector<Bytes>{ethernet(0x0800, tcp4()), ethernet(0x86DD, udp6()),
                                       ethernet(0x0806, Bytes(28, 1))});
}

TEST_CASE("Linux cooked v2: the protocol field becomes the EtherType") {
    const auto frames = frames_of(kSll2, {cat(sll2(0x0800), tcp4()), cat(sll2(0x86DD), udp6())});
    CHECK(frames == std::vector<Bytes>{ethernet(0x0800, tcp4()), ethernet(0x86DD, udp6())});
}

TEST_CASE("Linux cooked: a VLAN tag left in the payload reads as a tagged Ethernet frame") {
    // 802.1Q TCI 100, then the inner EtherType, then the packet: the layout after an Ethernet
    // header's EtherType, so the classifier's VLAN parsing applies unchanged.
    const Bytes tag = {0x00, 0x64, 0x08, 0x00};
    const auto frames = frames_of(kSll, {cat(cat(sll(0x8100), tag), tcp4())});
    CHECK(frames.at(0) == ethernet(0x8100, cat(tag, tcp4())));
}

TEST_CASE("Linux cooked: non-EtherType protocols and short frames come back as EtherType 0") {
    const Bytes llc = {0xaa, 0xaa, 0x03, 0, 0, 0};
    CHECK(frames_of(kSll, {cat(sll(0x0004), llc)}).at(0) == ethernet(0, llc));  // 802.2 LLC
    // Netlink: the protocol field is a netlink family.
    CHECK(frames_of(kSll, {cat(sll(0x0800, 824), tcp4())}).at(0) == ethernet(0, tcp4()));
    // Radiotap: the protocol field means nothing.
    CHECK(frames_of(kSll2, {cat(sll2(0x0800, 803), llc)}).at(0) == ethernet(0, llc));
    // Shorter than the link header: nothing follows the Ethernet header.
    const Bytes header = sll(0x0800);
    const Bytes short_sll(header.begin(), header.begin() + 10);
    CHECK(frames_of(kSll, {short_sll}).at(0) == ethernet(0, {}));
    CHECK(frames_of(kSll2, {Bytes{0x08, 0x00}}).at(0) == ethernet(0, {}));
}

TEST_CASE("raw IP (LINKTYPE_RAW, IPV4, IPV6): the EtherType comes from the version nibble") {
    for (std::uint32_t link_type : {kRaw, kIpv4, kIpv6}) {
        CAPTURE(link_type);
        const auto frames = frames_of(link_type, {tcp4(), udp6()});
        CHECK(frames == std::vector<Bytes>{ethernet(0x0800, tcp4()), ethernet(0x86DD, udp6())});
    }
    TempDir tmp;
    CHECK(PcapSource(tmp.write("raw.pcap", pcap_file(kRaw, {})).string()).link_type() == DLT_RAW);
}

TEST_CASE("raw IP: another version, or an empty frame, comes back as EtherType 0") {
    Bytes v5 = tcp4();
    v5[0] = 0x55;
    const auto frames = frames_of(kRaw, {v5, Bytes{}, tcp4()});
    CHECK(frames == std::vector<Bytes>{ethernet(0, v5), ethernet(0, {}), ethernet(0x0800, tcp4())});
}

TEST_CASE("BSD loopback NULL: the family is read in either byte order") {
    const auto frames = frames_of(kNull, {cat(family_le(2), tcp4()), cat(family_be(2), tcp4()),
                                          cat(family_le(24), udp6()), cat(family_be(28), udp6()),
                                          cat(family_le(30), udp6()), cat(family_be(30), udp6())});
    CHECK(frames == std::vector<Bytes>{ethernet(0x0800, tcp4()), ethernet(0x0800, tcp4()),
                                       ethernet(0x86DD, udp6()), ethernet(0x86DD, udp6()),
                                       ethernet(0x86DD, udp6()), ethernet(0x86DD, udp6())});
}

TEST_CASE("BSD loopback LOOP: network byte order, and host order forgiven") {
    const auto frames = frames_of(
        kLoop, {cat(family_be(2), tcp4()), cat(family_be(24), udp6()), cat(family_le(2), tcp4())});
    CHECK(frames == std::vector<Bytes>{ethernet(0x0800, tcp4()), ethernet(0x86DD, udp6()),
                                       ethernet(0x0800, tcp4())});
}

TEST_CASE("BSD loopback: another family, or a short frame, comes back as EtherType 0") {
    const Bytes osi = {0x81, 0x01, 0x02};
    const auto frames =
        frames_of(kNull, {cat(family_le(7), osi), Bytes{2, 0}, cat(family_le(2), tcp4())});
    CHECK(frames ==
          std::vector<Bytes>{ethernet(0, osi), ethernet(0, {}), ethernet(0x0800, tcp4())});
}

TEST_CASE("rebuilt frames of growing and shrinking sizes do not carry bytes over") {
    const Bytes big = cat(tcp4(), Bytes(1200, 0xee));
    const Bytes icmp = network_layer(icmp4_frame());
    const auto frames = frames_of(kRaw, {icmp, big, icmp, Bytes{}, big});
    CHECK(frames == std::vector<Bytes>{ethernet(0x0800, icmp), ethernet(0x0800, big),
                                       ethernet(0x0800, icmp), ethernet(0, {}),
                                       ethernet(0x0800, big)});
}

TEST_CASE("pcapng: microseconds by default, if_tsresol 9 keeps ns") {
    TempDir tmp;
    const auto micro =
        tmp.write("us.pcapng",
                  pcapng_section_header() + pcapng_interface(kEthernet, 0) +
                      pcapng_packet(std::uint64_t{kSec} * 1'000'000 + 654321, tcp4_frame()) +
                      pcapng_packet(std::uint64_t{kSec} * 1'000'000 + 654322, udp6_frame(), 2000));
    const auto micro_read = read_all(micro);
    CHECK(micro_read.frames == std::vector<Bytes>{tcp4_frame(), udp6_frame()});
    CHECK(micro_read.timestamps ==
          std::vector<std::uint64_t>{kSecNs + 654321000, kSecNs + 654322000});
    CHECK(micro_read.wire_lens ==
          std::vector<std::uint32_t>{static_cast<std::uint32_t>(tcp4_frame().size()), 2000});

    const auto nano =
        tmp.write("ns.pcapng", pcapng_section_header() + pcapng_interface(kSll2, 9) +
                                   pcapng_packet(kSecNs + 123456789, cat(sll2(0x0800), tcp4())));
    const auto nano_read = read_all(nano);
    CHECK(nano_read.frames == std::vector<Bytes>{ethernet(0x0800, tcp4())});
    CHECK(nano_read.timestamps == std::vector<std::uint64_t>{kSecNs + 123456789});
    CHECK(PcapSource(nano.string()).link_type() == 276);
}

TEST_CASE("a file cut inside record 3: records 1 and 2 come back, then an error naming it") {
    TempDir tmp;
    const Bytes frame = tcp4_frame();
    const std::string whole =
        pcap_file(kEthernet, {{.data = frame}, {.data = frame}, {.data = frame}});
    const std::uint32_t record3 =
        kPcapHeader + 2 * (kRecordHeader + static_cast<std::uint32_t>(frame.size()));

    // Cut in the middle of the record's data, then inside its header.
    for (const std::size_t cut :
         {std::size_t{record3} + kRecordHeader + 10, std::size_t{record3} + 7}) {
        CAPTURE(cut);
        const auto file = tmp.write("cut.pcap", whole.substr(0, cut));
        PcapSource source(file.string());
        CapturedFrame out;
        REQUIRE(source.next(out));
        REQUIRE(source.next(out));
        CHECK(to_bytes(out.frame) == frame);
        const std::string error = error_of([&] { source.next(out); });
        CHECK(contains(
            error, file.string() + ": record 3 at byte offset " + std::to_string(record3) + ": "));
        CHECK(source.records() == 2);
    }
}

TEST_CASE("a corrupt record length is an error naming the record") {
    TempDir tmp;
    std::string data = pcap_file(kEthernet, {{.data = tcp4_frame()}});
    const auto record2 = data.size();
    put_le32(data, kSec);
    put_le32(data, 0);
    put_le32(data, 0x7fffffff);  // captured length, far beyond any snaplen
    put_le32(data, 0x7fffffff);
    data += std::string(64, '\0');
    const auto file = tmp.write("corrupt.pcap", data);
    PcapSource source(file.string());
    CapturedFrame out;
    REQUIRE(source.next(out));
    CHECK(contains(error_of([&] { source.next(out); }),
                   "record 2 at byte offset " + std::to_string(record2)));
}

TEST_CASE("pcapng cut inside a packet block: the error names the record and its offset") {
    TempDir tmp;
    const std::string head = pcapng_section_header() + pcapng_interface(kEthernet, 0);
    const std::string first = pcapng_packet(1, tcp4_frame());
    const std::string second = pcapng_packet(2, tcp4_frame());
    const auto file = tmp.write("cut.pcapng", head + first + second.substr(0, second.size() - 9));
    PcapSource source(file.string());
    CapturedFrame out;
    REQUIRE(source.next(out));
    CHECK(contains(error_of([&] { source.next(out); }),
                   "record 2 at byte offset " + std::to_string(head.size() + first.size())));
}

TEST_CASE("opening fails with an error naming the file") {
    TempDir tmp;
    const std::string whole = pcap_file(kEthernet, {{.data = tcp4_frame()}});
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"header-cut.pcap", whole.substr(0, 10)},
        {"garbage.pcap", "this is not a capture, just some text\n"},
        {"empty.pcap", ""},
    };
    for (const auto& [name, content] : cases) {
        CAPTURE(name);
        const auto file = tmp.write(name, content).string();
        CHECK(contains(error_of([&] { PcapSource source(file); }), file));
    }
    const auto missing = (tmp.path() / "missing.pcap").string();
    CHECK(contains(error_of([&] { PcapSource source(missing); }), missing));
}

TEST_CASE("an unsupported link type is named, with the supported ones") {
    TempDir tmp;
    const auto file =
        tmp.write("wifi.pcap", pcap_file(kIeee80211, {{.data = Bytes(30, 0)}})).string();
    const std::string error = error_of([&] { PcapSource source(file); });
    CHECK(contains(error, file + ": unsupported link type IEEE802_11 (105)"));
    CHECK(contains(error, "EN10MB (1)"));
    CHECK(contains(error, "LINUX_SLL2 (276)"));
}

TEST_CASE("progress: records, offset and size") {
    TempDir tmp;
    const Bytes frame = tcp4_frame();
    const std::string data = pcap_file(kEthernet, {{.data = frame}, {.data = frame}});
    const auto file = tmp.write("two.pcap", data);
    PcapSource source(file.string());
    CHECK(source.path() == file.string());
    CHECK(source.size() == data.size());
    CHECK(source.records() == 0);
    CHECK(source.offset() == kPcapHeader);
    CapturedFrame out;
    REQUIRE(source.next(out));
    CHECK(source.records() == 1);
    CHECK(source.offset() == kPcapHeader + kRecordHeader + frame.size());
    REQUIRE(source.next(out));
    CHECK_FALSE(source.next(out));
    CHECK(source.records() == 2);
    CHECK(source.offset() == source.size());
    CHECK_FALSE(source.next(out));  // the end stays the end
}

TEST_CASE("\"-\" reads stdin: a redirected file, a pipe") {
    TempDir tmp;
    const std::string data =
        pcap_file(kRaw, {{.frac = 5, .data = tcp4()}, {.frac = 6, .data = udp6()}});
    const auto file = tmp.write("stdin.pcap", data);
    const std::string frames =
        std::to_string(kSecNs + 5000) + ":" + std::to_string(14 + tcp4().size()) + " " +
        std::to_string(kSecNs + 6000) + ":" + std::to_string(14 + udp6().size()) + " ";

    const auto from_file = summary_of_stdin([&] {
        const int fd = open(file.c_str(), O_RDONLY);
        dup2(fd, STDIN_FILENO);
        close(fd);
    });
    CHECK(from_file == frames + "records=2 offset=" + std::to_string(data.size()) +
                           " size=" + std::to_string(data.size()));

    // A pipe: no size, but the offset counts what was read. The capture is small enough to sit in
    // the pipe's buffer.
    const auto pipe_of = [](std::string content) {
        return [content] {
            int fds[2];
            if (pipe(fds) != 0 || write(fds[1], content.data(), content.size()) !=
                                      static_cast<ssize_t>(content.size())) {
                _exit(2);
            }
            close(fds[1]);
            dup2(fds[0], STDIN_FILENO);
            close(fds[0]);
        };
    };
    CHECK(summary_of_stdin(pipe_of(data)) ==
          frames + "records=2 offset=" + std::to_string(data.size()) + " size=0");

    // Cut inside record 2, through a pipe.
    const auto record2 = kPcapHeader + kRecordHeader + tcp4().size();
    CHECK(summary_of_stdin(pipe_of(data.substr(0, data.size() - 3)))
              .starts_with("error: stdin: record 2 at byte offset " + std::to_string(record2) +
                           ": "));
}
