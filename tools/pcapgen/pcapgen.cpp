// spoor-pcapgen: writes pcap captures of chosen traffic for spoor's tests and benchmarks. This file
// holds the command line and the capture writer; the traffic itself is in pcapgen_mix.cpp.
#include "pcapgen.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace spoor::pcapgen {
namespace {

constexpr const char* kHelp =
    R"(spoor-pcapgen: writes a pcap capture of generated traffic for spoor's tests and
benchmarks. The same arguments always give a byte-identical file.

usage: spoor-pcapgen -o FILE.pcap [--mix bulk|candidate|fixture] [--packets N] [--seed S]
                     [--start EPOCH_SECONDS] [--vlan] [--ipv6-share PCT] [--flows N]
                     [--listed ADDR]...

  -o, --output FILE    the capture to write ("-": standard output): Ethernet frames,
                       nanosecond timestamps, checksums left zero
  --mix NAME           which traffic (default bulk):
      bulk             the benchmark's bulk mix, mostly what the sensor leaves in the kernel:
                       60% TLS application data on established flows (ACK|PSH, ~1,400-byte
                       segments), 15% SYN, 10% DNS (queries, then their responses, UDP 53),
                       10% HTTP GET requests on established port-80 flows, 5% other (ICMP
                       echo request/reply, UDP to random high ports, bare ACKs)
      candidate        the benchmark's candidate-heavy mix, almost every frame a record:
                       40% SYN, 30% DNS, 20% HTTP requests, 10% UDP datagrams that each
                       open a new source/destination/port triple
      fixture          a small fixed capture with every candidate class at least once (TCP
                       SYN/NULL/FIN/XMAS, DNS over UDP and TCP, HTTP request, response and a
                       head split over two segments, TLS ClientHello whole and split, QUIC
                       Initial), frames that are not candidates (bulk TCP data, ICMP echo,
                       a repeated UDP triple), IPv6, VLAN and QinQ, and flows to and from
                       each --listed address; --packets does not apply
  --packets N          frames to write (default 1000); the shares are exact in every 100
  --seed S             seeds every random choice and byte (default 1)
  --start SECONDS      time of the first frame, seconds since the epoch (default 1767225600,
                       2026-01-01T00:00:00Z); each next frame comes 1-5 us later
  --vlan               put an 802.1Q tag (VLAN 100) on every frame that has none
  --ipv6-share PCT     percent of flows, SYNs, DNS exchanges and UDP datagrams sent over IPv6
                       (default 10)
  --flows N            client/server pairs that carry the established flows (default 1000):
                       each holds one TLS flow (port 443) and one HTTP flow (port 80), picked
                       at random per segment so that per-flow state sees many keys
  --listed ADDR        (repeatable) an address a trail lists: IP, CIDR or IP:port ([v6]:port
                       for IPv6). The fixture adds a TCP handshake to and one from each IP, to
                       an address inside each CIDR, to each IP:port and to another port of the
                       same address. The other mixes make the first --flows pairs' servers the
                       listed addresses (at that port for IP:port), so trail hits recur.
  -h, --help           this text

Addresses are private unless listed: clients 10.16.0.0/12, servers 10.64.0.0/16, resolvers
10.0.0.53, destinations of new UDP triples 10.128.0.0/10; over IPv6 the same blocks in fd00::/8
(fd00:0:0:10::/64, fd00:0:0:40::/64, fd00::53, fd00:0:0:80::/64). The fixture's clients are in
10.1.0.0/16 and fd00:1::/32, its servers in 10.2.0.0/16 and fd00:2::/32, its resolver 10.0.0.53.

The summary on standard error counts frames per class.

examples:
  spoor-pcapgen -o bulk.pcap --mix bulk --packets 1000000
  spoor-pcapgen -o candidate.pcap --mix candidate --packets 1000000
  spoor-pcapgen -o fixture.pcap --mix fixture --listed 10.66.0.1 --listed 10.77.0.0/24 \
      --listed 10.55.0.1:4444 --listed fd66::1
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::uint64_t parse_number(std::string_view flag, std::string_view text, std::uint64_t max) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v > max) {
        throw UsageError(std::string(flag) + ": not a number up to " + std::to_string(max) + ": " +
                         std::string(text));
    }
    return v;
}

// Trail notation: an address, a.b.c.d/n or v6/n, a.b.c.d:port or [v6]:port.
Listed parse_listed(std::string_view text) {
    const auto bad = [&text] {
        return UsageError("--listed: not an IP, CIDR or IP:port: " + std::string(text));
    };
    Listed l;
    l.text = text;
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        const auto a = IpAddress::parse(text.substr(0, slash));
        if (!a) {
            throw bad();
        }
        l.prefix = static_cast<int>(parse_number("--listed", text.substr(slash + 1), a->bits()));
        // An address inside: the first after the network's own, unless the prefix is a host.
        l.addr = a->masked(l.prefix);
        if (l.prefix < a->bits()) {
            l.addr.bytes[a->bits() / 8 - 1] |= 1;
        }
        return l;
    }
    if (const auto a = IpAddress::parse(text)) {
        l.addr = *a;
        return l;
    }
    std::string_view addr;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            throw bad();
        }
        addr = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.find(':');
        if (colon == std::string_view::npos ||
            text.find(':', colon + 1) != std::string_view::npos) {
            throw bad();
        }
        addr = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto a = IpAddress::parse(addr);
    if (!a || a->is_v4() == text.starts_with('[')) {
        throw bad();
    }
    l.addr = *a;
    l.port = static_cast<std::uint16_t>(parse_number("--listed", port, 65535));
    if (l.port == 0) {
        throw bad();
    }
    return l;
}

Options parse_args(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string_view value;
        bool has_value = false;
        // --flag=value as well as --flag value.
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        const auto next = [&] {
            if (!has_value) {
                if (i + 1 >= argc) {
                    throw UsageError(std::string(arg) + " needs a value");
                }
                value = argv[++i];
                has_value = true;
            }
            return value;
        };
        if (arg == "-h" || arg == "--help") {
            std::fputs(kHelp, stdout);
            std::exit(0);
        } else if (arg == "-o" || arg == "--output") {
            opt.output = next();
        } else if (arg == "--packets") {
            opt.packets = parse_number(arg, next(), 1'000'000'000);
        } else if (arg == "--mix") {
            const auto mix = next();
            if (mix == "bulk") {
                opt.mix = Mix::bulk;
            } else if (mix == "candidate") {
                opt.mix = Mix::candidate;
            } else if (mix == "fixture") {
                opt.mix = Mix::fixture;
            } else {
                throw UsageError("--mix: bulk, candidate or fixture, not " + std::string(mix));
            }
        } else if (arg == "--seed") {
            opt.seed = parse_number(arg, next(), UINT64_MAX);
        } else if (arg == "--start") {
            // Nanoseconds since the epoch must fit 64 bits.
            opt.start = parse_number(arg, next(), 10'000'000'000);
        } else if (arg == "--vlan" && !has_value) {
            opt.vlan = true;
        } else if (arg == "--ipv6-share") {
            opt.ipv6_share = static_cast<unsigned>(parse_number(arg, next(), 100));
        } else if (arg == "--flows") {
            // Each pair has its own client address in a /12.
            opt.flows = static_cast<std::uint32_t>(parse_number(arg, next(), 1'000'000));
            if (opt.flows == 0) {
                throw UsageError("--flows: at least 1");
            }
        } else if (arg == "--listed") {
            opt.listed.push_back(parse_listed(next()));
        } else {
            throw UsageError("unknown argument " + std::string(argv[i]));
        }
    }
    if (opt.output.empty()) {
        throw UsageError("-o FILE is required");
    }
    return opt;
}

}  // namespace

Writer::Writer(const Options& opt)
    : opt_(opt), clock_rng_(opt.seed ^ 0x636c6f636bull), now_ns_(opt.start * 1'000'000'000) {
    pcap_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    if (pcap_ == nullptr) {
        throw std::runtime_error("pcap_open_dead failed");
    }
    dumper_ = pcap_dump_open(pcap_, opt.output.c_str());
    if (dumper_ == nullptr) {
        const std::string error = pcap_geterr(pcap_);
        pcap_close(pcap_);
        throw std::runtime_error(error);
    }
}

Writer::~Writer() {
    if (dumper_ != nullptr) {
        pcap_dump_close(dumper_);
    }
    if (pcap_ != nullptr) {
        pcap_close(pcap_);
    }
}

void Writer::emit(std::string_view cls, test::FrameSpec spec) {
    if (opt_.vlan && spec.vlans.empty()) {
        spec.vlans = {100};
    }
    const auto frame = test::build_frame(spec);
    pcap_pkthdr h{};
    // With nanosecond precision libpcap reads tv_usec as nanoseconds.
    h.ts.tv_sec = static_cast<time_t>(now_ns_ / 1'000'000'000);
    h.ts.tv_usec = static_cast<suseconds_t>(now_ns_ % 1'000'000'000);
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, frame.data());
    now_ns_ += 1000 + clock_rng_.below(4000);
    ++packets_;
    bytes_ += frame.size();
    for (auto& [name, count] : classes_) {
        if (name == cls) {
            ++count;
            return;
        }
    }
    classes_.emplace_back(cls, 1);
}

void Writer::close() {
    const bool failed = pcap_dump_flush(dumper_) != 0;
    pcap_dump_close(dumper_);
    dumper_ = nullptr;
    if (failed) {
        throw std::runtime_error("writing " + opt_.output + " failed");
    }
}

std::string Writer::summary() const {
    static constexpr const char* kMixNames[] = {"bulk", "candidate", "fixture"};
    std::string s = "wrote " + std::to_string(packets_) + " packets, " + std::to_string(bytes_) +
                    " bytes of frames to " + (opt_.output == "-" ? "stdout" : opt_.output) +
                    " (mix " + kMixNames[static_cast<int>(opt_.mix)] + ", seed " +
                    std::to_string(opt_.seed) + "):";
    for (std::size_t i = 0; i < classes_.size(); ++i) {
        s += i == 0 ? " " : ", ";
        s.append(classes_[i].first).append(" ").append(std::to_string(classes_[i].second));
    }
    return s;
}

}  // namespace spoor::pcapgen

int main(int argc, char** argv) {
    using namespace spoor::pcapgen;
    try {
        const auto opt = parse_args(argc, argv);
        Writer out(opt);
        generate(opt, out);
        out.close();
        std::fprintf(stderr, "spoor-pcapgen: %s\n", out.summary().c_str());
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "spoor-pcapgen: %s (see --help)\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spoor-pcapgen: %s\n", e.what());
        return 1;
    }
}
