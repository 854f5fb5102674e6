// Userspace cost per HTTP request, TLS ClientHello and QUIC Initial with the
// full real trail set: parsing alone (for QUIC: decrypting and parsing), then
// the whole analysis (domain rules on Host / SNI, URL and user-agent trails,
// JA3/JA4 and their trails), once with names never seen and once with the
// same names again (on new flows), all in the same run. HTTP twice: trails
// only, then with the web heuristics as `spoor run` has them (attack patterns,
// Maltrail's ua.txt, downloads, responses, the paths web scanning counts).
//
//   build/bench/app_bench [--trails PATH]... [--whitelist FILE] [--records N]
#include "bench_common.h"
#include "detect/http_detector.h"
#include "detect/tls_detector.h"
#include "frame_builder.h"
#include "proto/http.h"
#include "proto/quic.h"
#include "proto/tls.h"

namespace {

using namespace spoor;

// Frames and their decoded packets (whose payloads point into the frames).
struct Capture {
    std::vector<std::vector<std::uint8_t>> frames;
    std::vector<proto::Packet> packets;

    void add(const test::FrameSpec& spec) { frames.push_back(test::build_frame(spec)); }
    void decode() {
        packets.resize(frames.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            proto::decode_frame(frames[i], packets[i]);
        }
    }
};

std::string host(std::size_t i) {
    return "www" + std::to_string(i % 9973) + ".site" + std::to_string(i / 9973) + ".example" +
           std::to_string(i % 7) + ".com";
}

// Each of `n` flows of pass `pass` carries one message built by `payload(i)`.
template <typename Payload>
Capture flows(std::size_t n, int pass, bool udp, Payload&& payload) {
    Capture capture;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string src = "10." + std::to_string(1 + pass) + "." +
                                std::to_string(i / 250 % 250) + "." + std::to_string(1 + i % 250);
        const auto sport = static_cast<std::uint16_t>(10000 + i / 62500);
        if (udp) {
            capture.add(test::udp(src, sport, "10.200.0.2", 443, payload(i)));
        } else {
            test::FrameSpec spec = test::tcp(src, sport, "10.200.0.2", 443, 0x18);
            spec.payload = payload(i);
            capture.add(spec);
        }
    }
    capture.decode();
    return capture;
}

void report(const char* what, double parse_ns, double new_ns, double repeated_ns) {
    std::printf("%-16s %10.1f %10.1f %7.2fx %10.1f %7.2fx\n", what, parse_ns, new_ns,
                new_ns / parse_ns, repeated_ns, repeated_ns / parse_ns);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> sources;
    std::filesystem::path whitelist_file;
    std::size_t n = 20'000;
    if (!bench::parse_args(argc, argv, sources, whitelist_file, n)) {
        return 2;
    }
    const auto trails = bench::load(sources, whitelist_file);
    detect::TrailMatchers matchers(trails.store, trails.whitelist, {});
    detect::HttpDetector http(matchers.context());
    detect::HttpHeuristicsConfig web;
    web.attacks = std::make_shared<const detect::WebAttackPatterns>();
    web.user_agents = detect::SuspiciousUserAgents::load(
        (std::filesystem::path(SPOOR_SOURCE_DIR) / "../shared/data/maltrail/ua.txt").string());
    // Its own name cache over the same tables, so that its "new names" are new to it too.
    detect::TrailMatchers web_matchers(matchers,
                                       detect::DomainMatcherConfig{}.negative_cache_entries);
    detect::HttpDetector http_heuristics(web_matchers.context(), web, trails.whitelist);
    std::vector<std::uint64_t> paths;
    detect::TlsDetector tls(matchers.context());
    std::vector<detect::Alert> alerts;
    std::size_t sink = 0;
    constexpr std::uint64_t kTime = 1'780'000'000'000'000'000ull;

    std::printf("%zu messages of each kind; ns per message\n", n);
    std::printf("%-16s %10s %10s %8s %10s %8s\n", "", "parse only", "new names", "ratio",
                "same again", "ratio");

    // HTTP: a GET with a query and a browser's user agent.
    const auto request = [](std::size_t i) {
        return test::http_request(
            "GET", host(i),
            "/static/js/app" + std::to_string(i % 97) + ".js?v=" + std::to_string(i),
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
            "Firefox/128.0");
    };
    {
        const auto first = flows(n, 0, false, request);
        const auto second = flows(n, 1, false, request);
        proto::HttpRequest parsed;
        const double parse_ns = bench::ns_per(n, [&] {
            for (const auto& p : first.packets) {
                sink += proto::parse_http_request(p.payload, parsed) == proto::HttpStatus::Ok;
            }
        });
        const auto analyse = [&](detect::HttpDetector& detector, const Capture& c) {
            return bench::ns_per(n, [&] {
                for (const auto& p : c.packets) {
                    detector.inspect(p, true, kTime, "eth0", alerts, &paths);
                    paths.clear();
                }
            });
        };
        const double new_ns = analyse(http, first);
        report("HTTP request", parse_ns, new_ns, analyse(http, second));
        const auto third = flows(n, 6, false, request);
        const auto fourth = flows(n, 7, false, request);
        const double web_ns = analyse(http_heuristics, third);
        report("HTTP + web heur.", parse_ns, web_ns, analyse(http_heuristics, fourth));
    }

    // TLS: a 1.3 ClientHello of 600 bytes (a browser's, without post-quantum shares).
    const auto hello = [](std::size_t i) { return test::tls_client_hello(host(i), 600, i); };
    {
        const auto first = flows(n, 2, false, hello);
        const auto second = flows(n, 3, false, hello);
        proto::ClientHello parsed;
        const double parse_ns = bench::ns_per(n, [&] {
            for (const auto& p : first.packets) {
                proto::HandshakeReader reader(proto::HandshakeReader::Framing::TlsRecords);
                proto::HandshakeReader::Message message;
                reader.feed(p.payload);
                if (reader.next(message) == proto::TlsStatus::Ok) {
                    sink += proto::parse_client_hello(message.body, parsed) == proto::TlsStatus::Ok;
                }
            }
        });
        const auto analyse = [&](const Capture& c) {
            return bench::ns_per(n, [&] {
                for (const auto& p : c.packets) {
                    tls.inspect_tcp(p, true, kTime, "eth0", alerts);
                }
            });
        };
        const double new_ns = analyse(first);
        report("TLS ClientHello", parse_ns, new_ns, analyse(second));
    }

    // QUIC: a client Initial of 1200 bytes carrying the same kind of hello.
    const auto initial = [](std::size_t i) {
        const std::vector<std::uint8_t> dcid = {1,
                                                2,
                                                3,
                                                4,
                                                static_cast<std::uint8_t>(i >> 16),
                                                static_cast<std::uint8_t>(i >> 8),
                                                static_cast<std::uint8_t>(i),
                                                8};
        return test::quic_client_hello(dcid, test::tls_client_hello(host(i), 0, i));
    };
    {
        const auto first = flows(n, 4, true, initial);
        const auto second = flows(n, 5, true, initial);
        proto::QuicInitialDecoder decoder;
        proto::ClientHello parsed;
        const double parse_ns = bench::ns_per(n, [&] {
            for (const auto& p : first.packets) {
                if (decoder.decode(p.payload) != proto::QuicStatus::Ok) {
                    continue;
                }
                proto::QuicCryptoStream crypto;
                for (const auto& frame : decoder.crypto_frames()) {
                    crypto.add(frame);
                }
                proto::HandshakeReader reader(proto::HandshakeReader::Framing::Plain);
                proto::HandshakeReader::Message message;
                reader.feed(crypto.contiguous());
                if (reader.next(message) == proto::TlsStatus::Ok) {
                    sink += proto::parse_client_hello(message.body, parsed) == proto::TlsStatus::Ok;
                }
            }
        });
        const auto analyse = [&](const Capture& c) {
            return bench::ns_per(n, [&] {
                for (const auto& p : c.packets) {
                    tls.inspect_quic(p, kTime, "eth0", alerts);
                }
            });
        };
        const double new_ns = analyse(first);
        report("QUIC Initial", parse_ns, new_ns, analyse(second));
    }
    std::printf("(alerts %zu; http requests %llu, client hellos %llu; checksum %zu)\n",
                alerts.size(), static_cast<unsigned long long>(http.stats().requests),
                static_cast<unsigned long long>(tls.stats().client_hellos), sink);
    return 0;
}
