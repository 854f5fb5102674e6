// The traffic of spoor-pcapgen's mixes: which frames, in which order. Shares follow the benchmark
// in issue 3; "candidates" are the packets DESIGN.md "What leaves the kernel" sends to userspace.
#include <array>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>

#include "pcapgen.h"

namespace spoor::pcapgen {
namespace {

using test::FrameSpec;
using test::Rng;

constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kPsh = 0x08;
constexpr std::uint8_t kAck = 0x10;
constexpr std::uint8_t kUrg = 0x20;

// Address blocks (see --help): the second IPv4 byte, or the fourth IPv6 group, plus index bits.
constexpr std::uint8_t kClientNet = 0x10;
constexpr std::uint8_t kServerNet = 0x40;
constexpr std::uint8_t kFreshNet = 0x80;
constexpr std::uint32_t kClients = (1u << 20) - 1;  // 10.16.0.0/12
constexpr std::uint32_t kServers = (1u << 16) - 1;  // 10.64.0.0/16
constexpr std::uint32_t kFresh = (1u << 22) - 1;    // 10.128.0.0/10

constexpr std::array kWords = {
    "amber",   "birch",   "cedar", "delta",  "ember",  "fjord", "grove",  "harbor", "iris",
    "juniper", "kestrel", "lumen", "maple",  "nimbus", "orbit", "pixel",  "quartz", "raven",
    "sierra",  "tundra",  "umber", "vertex", "willow", "xenon", "yarrow", "zephyr"};
constexpr std::array kSubdomains = {"www",    "api", "cdn",   "mail",
                                    "static", "img", "login", "update"};
constexpr std::array kTlds = {"com", "net", "org", "io", "example", "test"};
constexpr std::array kUserAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Wget/1.21.4",
};
// Where new flows go: mostly the web, some SSH, mail and alternates.
constexpr std::array<std::uint16_t, 10> kSynPorts = {443, 443, 443, 443, 443, 80, 80, 80, 22, 8080};

template <typename T, std::size_t N>
T pick(Rng& rng, const std::array<T, N>& from) {
    return from[rng.below(N)];
}

// Client ports from Linux's default ephemeral range.
std::uint16_t ephemeral_port(Rng& rng) {
    return static_cast<std::uint16_t>(32768 + rng.below(61000 - 32768));
}

// A server port in the dynamic range (RFC 6335): no registered protocol claims it, so analysers
// do not mistake the random payloads sent there for one.
std::uint16_t high_port(Rng& rng) {
    return static_cast<std::uint16_t>(49152 + rng.below(65536 - 49152));
}

std::vector<std::uint8_t> random_bytes(Rng& rng, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    rng.fill(out.data(), n);
    return out;
}

// The index-th host of a block, counting from 0 but skipping the block's all-zero network
// address: 10.<net + bits 16-21>.<bits 8-15>.<bits 0-7> or fd00:0:0:<net>::<bits> of index + 1.
IpAddress host(bool v6, std::uint8_t net, std::uint32_t index) {
    ++index;
    IpAddress a;
    if (v6) {
        a.family = 6;
        a.bytes[0] = 0xfd;
        a.bytes[7] = net;
        for (int i = 0; i < 4; ++i) {
            a.bytes[15 - i] = static_cast<std::uint8_t>(index >> (8 * i));
        }
    } else {
        a.family = 4;
        a.bytes[0] = 10;
        a.bytes[1] = static_cast<std::uint8_t>(net + (index >> 16));
        a.bytes[2] = static_cast<std::uint8_t>(index >> 8);
        a.bytes[3] = static_cast<std::uint8_t>(index);
    }
    return a;
}

FrameSpec tcp_spec(const IpAddress& src, std::uint16_t sport, const IpAddress& dst,
                   std::uint16_t dport, std::uint8_t flags, std::uint32_t seq = 1,
                   std::uint32_t ack = 0) {
    FrameSpec s;
    s.src = src;
    s.dst = dst;
    s.sport = sport;
    s.dport = dport;
    s.tcp_flags = flags;
    s.seq = seq;
    s.ack = ack;
    return s;
}

FrameSpec udp_spec(const IpAddress& src, std::uint16_t sport, const IpAddress& dst,
                   std::uint16_t dport, std::vector<std::uint8_t> payload) {
    FrameSpec s = tcp_spec(src, sport, dst, dport, 0);
    s.proto = 17;
    s.payload = std::move(payload);
    return s;
}

FrameSpec icmp_spec(const IpAddress& src, const IpAddress& dst, bool reply) {
    FrameSpec s = tcp_spec(src, 0, dst, 0, 0);
    s.proto = src.is_v4() ? 1 : 58;
    s.icmp_type = src.is_v4() ? (reply ? 0 : 8) : (reply ? 129 : 128);
    return s;
}

std::string domain(Rng& rng) {
    std::string name = pick(rng, kSubdomains);
    name.append(".").append(pick(rng, kWords));
    if (rng.below(2) == 0) {
        name.append("-").append(pick(rng, kWords));
    }
    if (rng.below(4) == 0) {
        name.append(std::to_string(rng.below(100)));
    }
    return name.append(".").append(pick(rng, kTlds));
}

std::string url_path(Rng& rng) {
    switch (rng.below(5)) {
        case 0:
            return "/";
        case 1:
            return "/api/v1/items/" + std::to_string(rng.below(100000));
        case 2: {
            char hash[17];
            std::snprintf(hash, sizeof(hash), "%016llx",
                          static_cast<unsigned long long>(rng.next()));
            return std::string("/static/js/app.") + hash + ".js";
        }
        case 3:
            return std::string("/images/") + pick(rng, kWords) + "-" +
                   std::to_string(rng.below(1000)) + ".png";
        default:
            return std::string("/search?q=") + pick(rng, kWords);
    }
}

// One established TCP connection, as its client opened it.
struct Flow {
    IpAddress client;
    IpAddress server;
    std::uint16_t cport = 0;
    std::uint16_t sport = 0;
    std::uint32_t cseq = 0;  // next sequence number from the client, and from the server
    std::uint32_t sseq = 0;
};

// The next segment of a flow in one direction; sequence numbers move on by the payload.
FrameSpec segment(Flow& f, bool from_client, std::uint8_t flags,
                  std::vector<std::uint8_t> payload = {}) {
    const auto len = static_cast<std::uint32_t>(payload.size());
    FrameSpec s = from_client
                      ? tcp_spec(f.client, f.cport, f.server, f.sport, flags, f.cseq, f.sseq)
                      : tcp_spec(f.server, f.sport, f.client, f.cport, flags, f.sseq, f.cseq);
    s.payload = std::move(payload);
    (from_client ? f.cseq : f.sseq) += len;
    return s;
}

struct DnsExchange {
    IpAddress client;
    IpAddress resolver;
    std::uint16_t port = 0;
    std::uint16_t id = 0;
    std::uint16_t qtype = 0;
    std::string name;
};

// The bulk and candidate mixes: each class method writes exactly one frame, so a schedule of
// calls gives exact shares.
class Traffic {
  public:
    Traffic(const Options& opt, Writer& out) : opt_(opt), out_(out), rng_(opt.seed) {
        for (std::uint32_t i = 0; i < opt.flows; ++i) {
            const Listed* listed = i < opt.listed.size() ? &opt.listed[i] : nullptr;
            const bool v6 = listed != nullptr ? !listed->addr.is_v4() : use_v6();
            Flow f;
            f.client = host(v6, kClientNet, i);
            f.server = listed != nullptr ? listed->addr : host(v6, kServerNet, server_index());
            f.cport = ephemeral_port(rng_);
            f.cseq = static_cast<std::uint32_t>(rng_.next());
            f.sseq = static_cast<std::uint32_t>(rng_.next());
            f.sport = listed != nullptr && listed->port != 0 ? listed->port : 443;
            tls_.push_back(f);
            // The HTTP flow of the pair: the client's next port.
            f.cport = static_cast<std::uint16_t>(f.cport + 1);
            f.sport = listed != nullptr && listed->port != 0 ? listed->port : 80;
            http_.push_back(f);
        }
    }

    void tls_data() {
        auto& f = tls_[rng_.below(tls_.size())];
        const bool upload = rng_.below(4) == 0;   // mostly downloads, some uploads
        const auto size = 1380 + rng_.below(69);  // ~1,400 bytes: up to a 1,448-byte MSS
        out_.emit("tls-data",
                  segment(f, upload, kAck | kPsh, test::tls_application_data(size, rng_.next())));
    }

    void syn() {
        const bool v6 = use_v6();
        out_.emit("syn", tcp_spec(host(v6, kClientNet, client_index()), ephemeral_port(rng_),
                                  host(v6, kServerNet, server_index()), pick(rng_, kSynPorts), kSyn,
                                  static_cast<std::uint32_t>(rng_.next())));
    }

    // A query, and at this class's next turn its response, so the two alternate.
    void dns() {
        if (pending_dns_) {
            const auto& q = *pending_dns_;
            std::uint8_t rcode = 0;
            std::vector<IpAddress> answers;
            if (rng_.below(20) == 0) {
                rcode = 3;  // NXDOMAIN
            } else if (q.qtype != test::kDnsTxt) {
                const bool v6 = q.qtype == test::kDnsAaaa;
                for (auto n = 1 + rng_.below(v6 ? 2 : 3); n > 0; --n) {
                    answers.push_back(host(v6, kServerNet, server_index()));
                }
            }
            out_.emit("dns-response",
                      udp_spec(q.resolver, 53, q.client, q.port,
                               test::dns_response(q.name, q.qtype, q.id, rcode, answers)));
            pending_dns_.reset();
            return;
        }
        DnsExchange q;
        const bool v6 = use_v6();
        q.client = host(v6, kClientNet, client_index());
        q.resolver = test::ip(v6 ? "fd00::53" : "10.0.0.53");
        q.port = ephemeral_port(rng_);
        q.id = static_cast<std::uint16_t>(rng_.next());
        const auto r = rng_.below(20);
        q.qtype = r < 14 ? test::kDnsA : r < 19 ? test::kDnsAaaa : test::kDnsTxt;
        q.name = domain(rng_);
        out_.emit("dns-query", udp_spec(q.client, q.port, q.resolver, 53,
                                        test::dns_query(q.name, q.qtype, q.id)));
        pending_dns_ = std::move(q);
    }

    void http() {
        auto& f = http_[rng_.below(http_.size())];
        const auto host_name = domain(rng_);
        const auto path = url_path(rng_);
        out_.emit("http-request",
                  segment(f, true, kAck | kPsh,
                          test::http_request("GET", host_name, path, pick(rng_, kUserAgents))));
    }

    // The first datagram of a source/destination/port triple never seen before in this capture.
    void fresh_udp() {
        const bool v6 = use_v6();
        const auto dst = host(v6, kFreshNet, fresh_++ % kFresh);
        out_.emit("udp-new",
                  udp_spec(host(v6, kClientNet, client_index()), ephemeral_port(rng_), dst,
                           high_port(rng_), random_bytes(rng_, 16 + rng_.below(240))));
    }

    void other() {
        switch (rng_.below(3)) {
            case 0:
                // An echo request, and at the next ICMP turn its reply.
                if (pending_echo_) {
                    out_.emit("icmp-reply",
                              icmp_spec(pending_echo_->second, pending_echo_->first, true));
                    pending_echo_.reset();
                } else {
                    const bool v6 = use_v6();
                    pending_echo_.emplace(host(v6, kClientNet, client_index()),
                                          host(v6, kServerNet, server_index()));
                    out_.emit("icmp-request",
                              icmp_spec(pending_echo_->first, pending_echo_->second, false));
                }
                break;
            case 1: {
                const bool v6 = use_v6();
                out_.emit("udp-high",
                          udp_spec(host(v6, kClientNet, client_index()), ephemeral_port(rng_),
                                   host(v6, kServerNet, server_index()), high_port(rng_),
                                   random_bytes(rng_, 16 + rng_.below(497))));
                break;
            }
            default:
                out_.emit("ack", segment(tls_[rng_.below(tls_.size())], true, kAck));
                break;
        }
    }

    using Class = void (Traffic::*)();

    // Frames in blocks of 100, each block holding every class its percent times, in random
    // order: the shares are exact and the classes interleave.
    void run(std::initializer_list<std::pair<Class, unsigned>> shares) {
        std::vector<Class> block;
        for (const auto& [cls, percent] : shares) {
            block.insert(block.end(), percent, cls);
        }
        for (std::uint64_t i = 0; i < opt_.packets; ++i) {
            const auto at = i % block.size();
            if (at == 0) {
                for (auto j = block.size() - 1; j > 0; --j) {
                    std::swap(block[j], block[rng_.below(j + 1)]);
                }
            }
            (this->*block[at])();
        }
    }

  private:
    bool use_v6() { return rng_.below(100) < opt_.ipv6_share; }
    std::uint32_t client_index() { return static_cast<std::uint32_t>(rng_.below(kClients)); }
    std::uint32_t server_index() { return static_cast<std::uint32_t>(rng_.below(kServers)); }

    const Options& opt_;
    Writer& out_;
    Rng rng_;
    std::vector<Flow> tls_;
    std::vector<Flow> http_;
    std::optional<DnsExchange> pending_dns_;
    std::optional<std::pair<IpAddress, IpAddress>> pending_echo_;  // requester, responder
    std::uint32_t fresh_ = 0;
};

// A three-way handshake, so a listed address shows up as source and destination of one flow.
void handshake(Writer& out, const IpAddress& client, std::uint16_t cport, const IpAddress& server,
               std::uint16_t sport) {
    Flow f{client, server, cport, sport, 1000, 5000};
    auto syn = segment(f, true, kSyn);
    syn.ack = 0;  // nothing to acknowledge yet
    out.emit("listed", syn);
    ++f.cseq;  // a SYN takes one sequence number
    out.emit("listed", segment(f, false, kSyn | kAck));
    ++f.sseq;
    out.emit("listed", segment(f, true, kAck));
}

void fixture(const Options& opt, Writer& out) {
    using test::ip;
    Rng rng(opt.seed);
    const auto tcp = [](std::string_view src, std::uint16_t sport, std::string_view dst,
                        std::uint16_t dport, std::uint8_t flags,
                        std::vector<std::uint8_t> payload = {}) {
        // Segments with ACK belong to a flow whose handshake is not in the capture.
        auto s = tcp_spec(ip(src), sport, ip(dst), dport, flags, 1, flags & kAck ? 1 : 0);
        s.payload = std::move(payload);
        return s;
    };
    const auto udp = [](std::string_view src, std::uint16_t sport, std::string_view dst,
                        std::uint16_t dport, std::vector<std::uint8_t> payload) {
        return udp_spec(ip(src), sport, ip(dst), dport, std::move(payload));
    };

    // Flow starts and probes: a segment without ACK or RST.
    out.emit("syn", tcp("10.1.0.1", 40001, "10.2.0.1", 443, kSyn));
    out.emit("null-probe", tcp("10.1.0.2", 40002, "10.2.0.2", 22, 0));
    out.emit("fin-probe", tcp("10.1.0.3", 40003, "10.2.0.3", 22, kFin));
    out.emit("xmas-probe", tcp("10.1.0.4", 40004, "10.2.0.4", 22, kFin | kPsh | kUrg));

    // DNS over UDP both ways, and over TCP (length-prefixed).
    out.emit("dns-query", udp("10.1.0.5", 53005, "10.0.0.53", 53,
                              test::dns_query("www.example.com", test::kDnsA, 0x1005)));
    out.emit("dns-response", udp("10.0.0.53", 53, "10.1.0.5", 53005,
                                 test::dns_response("www.example.com", test::kDnsA, 0x1005, 0,
                                                    {ip("10.2.0.100"), ip("10.2.0.101")})));
    out.emit("dns-tcp-query",
             tcp("10.1.0.6", 40006, "10.0.0.53", 53, kAck | kPsh,
                 test::dns_over_tcp(test::dns_query("mail.example.org", test::kDnsA, 0x1006))));

    // HTTP: a whole request, its response, and a request head split before its blank line.
    const auto request = test::http_request("GET", "www.example.com", "/index.html", "curl/8.5.0");
    out.emit("http-request", tcp("10.1.0.7", 40007, "10.2.0.7", 80, kAck | kPsh, request));
    auto response = tcp("10.2.0.7", 80, "10.1.0.7", 40007, kAck | kPsh,
                        test::http_response(200, "text/html", "<html><body>hello</body></html>"));
    response.ack = 1 + static_cast<std::uint32_t>(request.size());
    out.emit("http-response", response);
    const auto [head1, head2] = test::split_segment(
        tcp("10.1.0.8", 40008, "10.2.0.8", 80, kAck | kPsh,
            test::http_request("GET", "split.example.com", "/a/path/long/enough/to/split?q=1",
                               "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101")),
        64);
    out.emit("http-split-1", head1);
    out.emit("http-split-2", head2);

    // TLS ClientHello: one the size of a classic browser's, and a post-quantum-sized one that
    // needs two segments.
    out.emit("tls-hello", tcp("10.1.0.9", 40009, "10.2.0.9", 443, kAck | kPsh,
                              test::tls_client_hello("one.example.com", 517, rng.next())));
    const auto [hello1, hello2] =
        test::split_segment(tcp("10.1.0.10", 40010, "10.2.0.10", 443, kAck | kPsh,
                                test::tls_client_hello("split.example.com", 1800, rng.next())),
                            1400);
    out.emit("tls-hello-split-1", hello1);
    out.emit("tls-hello-split-2", hello2);

    out.emit("quic-initial", udp("10.1.0.11", 50011, "10.2.0.11", 443,
                                 test::quic_initial(random_bytes(rng, 8), 1200, rng.next())));

    // Not candidates: bulk data mid-flow, ICMP echo.
    Flow bulk{ip("10.1.0.12"), ip("10.2.0.12"), 40012, 443, 1000, 900000};
    for (int i = 0; i < 3; ++i) {
        out.emit("bulk-data",
                 segment(bulk, false, kAck | kPsh, test::tls_application_data(1400, rng.next())));
    }
    out.emit("icmp-request", icmp_spec(ip("10.1.0.13"), ip("10.2.0.13"), false));
    out.emit("icmp-reply", icmp_spec(ip("10.2.0.13"), ip("10.1.0.13"), true));

    out.emit("ipv6-syn", tcp("fd00:1::14", 40014, "fd00:2::14", 443, kSyn));
    out.emit("ipv6-udp", udp("fd00:1::15", 50015, "fd00:2::15", 9000, random_bytes(rng, 64)));

    auto tagged = tcp("10.1.0.16", 40016, "10.2.0.16", 443, kSyn);
    tagged.vlans = {100};
    out.emit("vlan-syn", tagged);
    auto qinq = tcp("10.1.0.17", 40017, "10.2.0.17", 443, kSyn);
    qinq.vlans = {200, 100};
    out.emit("qinq-syn", qinq);

    // A new UDP triple: only its first datagram starts a flow.
    out.emit("udp-first", udp("10.1.0.18", 50018, "10.2.0.18", 9999, random_bytes(rng, 48)));
    out.emit("udp-repeat", udp("10.1.0.18", 50018, "10.2.0.18", 9999, random_bytes(rng, 48)));

    // Each listed address from its own peers: 10.1.1.j / 10.2.1.j, fd00:1::1:j / fd00:2::1:j.
    for (std::uint32_t j = 0; j < opt.listed.size(); ++j) {
        const auto& l = opt.listed[j];
        const bool v6 = !l.addr.is_v4();
        const auto client = test::ip((v6 ? "fd00:1::1:" : "10.1.1.") + std::to_string(j));
        const auto server = test::ip((v6 ? "fd00:2::1:" : "10.2.1.") + std::to_string(j));
        const auto cport = static_cast<std::uint16_t>(41000 + j);
        if (l.port != 0) {
            handshake(out, client, cport, l.addr, l.port);
            const auto other_port = static_cast<std::uint16_t>(l.port == 443 ? 80 : 443);
            handshake(out, client, static_cast<std::uint16_t>(cport + 1000), l.addr, other_port);
        } else {
            handshake(out, client, cport, l.addr, 443);
            if (l.prefix < 0) {
                handshake(out, l.addr, cport, server, 80);
            }
        }
    }
}

}  // namespace

void generate(const Options& opt, Writer& out) {
    switch (opt.mix) {
        case Mix::bulk:
            Traffic(opt, out).run({{&Traffic::tls_data, 60},
                                   {&Traffic::syn, 15},
                                   {&Traffic::dns, 10},
                                   {&Traffic::http, 10},
                                   {&Traffic::other, 5}});
            break;
        case Mix::candidate:
            Traffic(opt, out).run({{&Traffic::syn, 40},
                                   {&Traffic::dns, 30},
                                   {&Traffic::http, 20},
                                   {&Traffic::fresh_udp, 10}});
            break;
        case Mix::fixture:
            fixture(opt, out);
            break;
    }
}

}  // namespace spoor::pcapgen
