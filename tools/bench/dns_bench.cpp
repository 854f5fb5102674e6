// Userspace cost per DNS record with the full real trail set, all in the same
// run: parsing alone; parsing + the name's lookup with a cold name cache (every
// name new) and a warm one (the same names again), pipelined as the DNS
// detector runs them; and the detector's whole inspection (its bookkeeping too).
// Each beside parse-only: as a whole, and what it adds to the parse.
//
//   build/bench/dns_bench [--trails PATH]... [--whitelist FILE] [--records N]
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <limits>

#include "bench_common.h"
#include "app/flow_analysis.h"
#include "common/lookahead.h"
#include "detect/dns_detector.h"
#include "detect/trail_context.h"
#include "frame_builder.h"
#include "proto/dns.h"

namespace {

using spoor::detect::DnsDetector;
using spoor::detect::DomainMatcher;
using spoor::proto::DnsMessage;

constexpr std::size_t kAhead = spoor::app::FlowAnalysis::kDnsAhead;

// Parse + lookup as the DNS detector runs them: each message parsed kAhead records before its
// lookup, which takes a step (DomainMatcher::advance) as each of the next two messages is
// parsed; the last two have fewer steps, as in the detector.
using Ring = std::array<DnsMessage, kAhead + 1>;

std::size_t parse_and_lookup(const std::vector<std::vector<std::uint8_t>>& messages,
                             DomainMatcher& matcher, Ring& ring) {
    std::array<DomainMatcher::Lookup, kAhead + 1> lookups;
    const auto slot = [&](std::size_t i) { return i % ring.size(); };
    const auto name = [&](std::size_t i) -> const auto& {
        return ring[slot(i)].questions[0].name;
    };
    std::size_t matches = 0;
    const auto prepare = [&](std::size_t i) {
        spoor::proto::parse_dns(messages[i], ring[slot(i)]);
        lookups[slot(i)].steps = 0;
        if (i >= 1) {
            matcher.advance(name(i - 1), lookups[slot(i - 1)]);
        }
        if (i >= 2) {
            matcher.advance(name(i - 2), lookups[slot(i - 2)]);
        }
    };
    spoor::visit_ahead(messages.size(), kAhead, prepare, [&](std::size_t i) {
        matches += matcher.match(name(i), lookups[slot(i)]).has_value();
    });
    return matches;
}

// The detector's whole inspection, prepared ahead as FlowAnalysis does it.
std::size_t inspect(const std::vector<spoor::proto::Packet>& packets, DnsDetector& detector,
                    const DomainMatcher& matcher) {
    std::vector<spoor::detect::Alert> alerts;
    spoor::visit_ahead(
        packets.size(), kAhead, [&](std::size_t i) { detector.prepare(packets[i], matcher); },
        [&](std::size_t i) { detector.inspect(packets[i], 0, {}, alerts); });
    return alerts.size();
}

// The best of rounds: the machine is shared.
struct Best {
    double ns = std::numeric_limits<double>::max();
    void add(double sample) { ns = std::min(ns, sample); }
};

}  // namespace

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
    std::vector<std::vector<std::uint8_t>> messages(records);
    std::vector<spoor::proto::Packet> packets(records);  // as the sensor hands them over
    for (std::size_t i = 0; i < records; ++i) {
        const auto name = "host" + std::to_string(i % 9973) + ".svc" + std::to_string(i / 9973) +
                          ".example" + std::to_string(i % 7) + ".com";
        messages[i] = spoor::test::dns_query(name, 1, static_cast<std::uint16_t>(i));
        packets[i].ip_proto = IPPROTO_UDP;
        packets[i].has_l4 = true;
        packets[i].dst_port = 53;
        packets[i].payload = messages[i];
    }

    // Each round measures everything, cold with matchers of its own (the same tables).
    constexpr int kRounds = 5;
    spoor::detect::DomainMatcherConfig config;
    config.negative_cache_entries = records;  // warm: every name of the run fits
    const spoor::detect::TrailMatchers tables(trails.store, trails.whitelist, config);
    auto ring = std::make_unique<Ring>();
    Best parse, lookup_cold, lookup_warm, inspect_cold, inspect_warm;
    std::size_t sink = 0;
    std::uint64_t cold_hits = 0;  // of the last round's lookups
    std::uint64_t warm_hits = 0;
    for (int round = 0; round < kRounds; ++round) {
        parse.add(spoor::bench::ns_per(records, [&] {
            for (const auto& m : messages) {
                sink += spoor::proto::parse_dns(m, (*ring)[0]) == spoor::proto::DnsStatus::Ok;
            }
        }));
        spoor::detect::TrailMatchers lookups(tables, records);
        const auto lookup = [&] { sink += parse_and_lookup(messages, lookups.domains(), *ring); };
        lookup_cold.add(spoor::bench::ns_per(records, lookup));
        cold_hits = lookups.domains().stats().cache_hits;
        lookup_warm.add(spoor::bench::ns_per(records, lookup));
        warm_hits = lookups.domains().stats().cache_hits - cold_hits;

        spoor::detect::TrailMatchers inspections(tables, records);
        auto detector = std::make_unique<DnsDetector>(inspections.context());
        const auto whole = [&] { sink += inspect(packets, *detector, inspections.domains()); };
        inspect_cold.add(spoor::bench::ns_per(records, whole));
        inspect_warm.add(spoor::bench::ns_per(records, whole));
    }

    std::printf("trails: %zu domains, %zu regex domains; whitelist: %zu entries\n",
                trails.store->count(spoor::trails::IndicatorKind::Domain),
                trails.store->count(spoor::trails::IndicatorKind::RegexDomain),
                trails.whitelist->size());
    // Two ratios to parse-only: of the whole record's cost, and of what the lookup (or the
    // detector) adds to the parse.
    std::printf("%-40s %10s %8s %8s\n", "per DNS record", "ns", "ratio", "added");
    const auto row = [&](const char* what, const Best& best) {
        std::printf("%-40s %10.1f %7.2fx %7.2fx\n", what, best.ns, best.ns / parse.ns,
                    (best.ns - parse.ns) / parse.ns);
    };
    row("parse only", parse);
    row("parse + lookup, cold name cache", lookup_cold);
    row("parse + lookup, warm name cache", lookup_warm);
    row("DNS detector's inspection, cold", inspect_cold);
    row("DNS detector's inspection, warm", inspect_warm);
    std::printf(
        "(best of %d rounds; %zu distinct query records; cache hits cold %llu, warm %llu; "
        "checksum %zu)\n",
        kRounds, records, static_cast<unsigned long long>(cold_hits),
        static_cast<unsigned long long>(warm_hits), sink);
    return 0;
}
