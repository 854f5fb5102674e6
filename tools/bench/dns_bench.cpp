// Userspace cost per DNS record with the full real trail set: parsing alone,
// then parsing + name matching with a cold name cache (every name new) and a
// warm one (the same names again), all in the same run.
//
//   build/bench/dns_bench [--trails PATH]... [--whitelist FILE] [--records N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "detect/domain_matcher.h"
#include "frame_builder.h"
#include "proto/dns.h"
#include "trails/loader.h"
#include "trails/whitelist.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename Fn>
double ns_per(std::size_t n, Fn&& fn) {
    const auto start = Clock::now();
    fn();
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
           static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
    const auto shared = std::filesystem::path(SPOOR_SOURCE_DIR) / "../shared/data/maltrail";
    std::vector<std::filesystem::path> sources;
    std::filesystem::path whitelist_file = shared / "whitelist.txt";
    std::size_t records = 200'000;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--trails" && i + 1 < argc) {
            sources.emplace_back(argv[++i]);
        } else if (arg == "--whitelist" && i + 1 < argc) {
            whitelist_file = argv[++i];
        } else if (arg == "--records" && i + 1 < argc) {
            records = std::stoul(argv[++i]);
        } else {
            std::fprintf(stderr,
                         "usage: dns_bench [--trails PATH]... [--whitelist FILE] "
                         "[--records N]\n");
            return 2;
        }
    }
    if (sources.empty()) {
        sources.push_back(shared / "static-trails.tar.xz");
    }
    spoor::trails::LoadReport report;
    auto trails =
        std::make_shared<spoor::trails::TrailSet>(spoor::trails::load_trails(sources, report));
    auto whitelist = std::make_shared<spoor::trails::Whitelist>();
    if (std::filesystem::exists(whitelist_file)) {
        whitelist->load(whitelist_file, report);
    }

    // Benign-looking names of three to four labels, all distinct: the common case of a
    // sensor, where nearly every name matches nothing.
    std::vector<std::vector<std::uint8_t>> messages;
    for (std::size_t i = 0; i < records; ++i) {
        const auto name = "host" + std::to_string(i % 9973) + ".svc" + std::to_string(i / 9973) +
                          ".example" + std::to_string(i % 7) + ".com";
        messages.push_back(spoor::test::dns_query(name, 1, static_cast<std::uint16_t>(i)));
    }

    auto message = std::make_unique<spoor::proto::DnsMessage>();
    std::size_t sink = 0;
    const double parse_ns = ns_per(records, [&] {
        for (const auto& m : messages) {
            sink += spoor::proto::parse_dns(m, *message) == spoor::proto::DnsStatus::Ok;
        }
    });
    spoor::detect::DomainMatcherConfig config;
    config.negative_cache_entries = records;  // warm: every name of the run fits
    spoor::detect::DomainMatcher matcher(trails, whitelist, config);
    const auto parse_and_match = [&] {
        for (const auto& m : messages) {
            spoor::proto::parse_dns(m, *message);
            sink += matcher.match(message->questions[0].name).has_value();
        }
    };
    const double cold_ns = ns_per(records, parse_and_match);
    const double warm_ns = ns_per(records, parse_and_match);

    std::printf("trails: %zu domains, %zu regex domains; whitelist: %zu entries\n",
                trails->domains.size(), trails->regex_domains.size(), whitelist->size());
    std::printf("%-34s %10s %8s\n", "per DNS record", "ns", "ratio");
    std::printf("%-34s %10.1f %7.2fx\n", "parse only", parse_ns, 1.0);
    std::printf("%-34s %10.1f %7.2fx\n", "parse + match, cold name cache", cold_ns,
                cold_ns / parse_ns);
    std::printf("%-34s %10.1f %7.2fx\n", "parse + match, warm name cache", warm_ns,
                warm_ns / parse_ns);
    std::printf("(%zu distinct query records; cache hits %llu; checksum %zu)\n", records,
                static_cast<unsigned long long>(matcher.stats().cache_hits), sink);
    return 0;
}
