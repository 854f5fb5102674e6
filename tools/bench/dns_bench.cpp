// Userspace cost per DNS record with the full real trail set: parsing alone,
// then parsing + name matching with a cold name cache (every name new) and a
// warm one (the same names again), all in the same run.
//
//   build/bench/dns_bench [--trails PATH]... [--whitelist FILE] [--records N]
#include "bench_common.h"
#include "detect/domain_matcher.h"
#include "frame_builder.h"
#include "proto/dns.h"

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> sources;
    std::filesystem::path whitelist_file;
    std::size_t records = 200'000;
    if (!spoor::bench::parse_args(argc, argv, sources, whitelist_file, records)) {
        return 2;
    }
    const auto trails = spoor::bench::load(sources, whitelist_file);

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
    const double parse_ns = spoor::bench::ns_per(records, [&] {
        for (const auto& m : messages) {
            sink += spoor::proto::parse_dns(m, *message) == spoor::proto::DnsStatus::Ok;
        }
    });
    spoor::detect::DomainMatcherConfig config;
    config.negative_cache_entries = records;  // warm: every name of the run fits
    spoor::detect::DomainMatcher matcher(trails.store, trails.whitelist, config);
    const auto parse_and_match = [&] {
        for (const auto& m : messages) {
            spoor::proto::parse_dns(m, *message);
            sink += matcher.match(message->questions[0].name).has_value();
        }
    };
    const double cold_ns = spoor::bench::ns_per(records, parse_and_match);
    const double warm_ns = spoor::bench::ns_per(records, parse_and_match);

    std::printf("trails: %zu domains, %zu regex domains; whitelist: %zu entries\n",
                trails.store->count(spoor::trails::IndicatorKind::Domain),
                trails.store->count(spoor::trails::IndicatorKind::RegexDomain),
                trails.whitelist->size());
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
