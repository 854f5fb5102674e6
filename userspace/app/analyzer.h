// The analysis stage: records in (from the ring, later from pcap replay),
// alert lines out. Decodes each record with the shared parser, turns its
// trail hits into alerts, formats them as EVE and hands them to the outputs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capture/record_batch.h"
#include "detect/alert.h"
#include "detect/dns_detector.h"
#include "detect/domain_matcher.h"
#include "detect/http_detector.h"
#include "detect/tls_detector.h"
#include "output/fanout.h"
#include "trails/trail_set.h"
#include "trails/whitelist.h"

namespace spoor::app {

struct AnalyzerStats {
    std::atomic<std::uint64_t> records{0};
    std::atomic<std::uint64_t> bad_records{0};  // shorter than their header says
    std::atomic<std::uint64_t> undecodable{0};  // frame the parser rejects
    std::atomic<std::uint64_t> alerts{0};
    // Mirrors of the DNS stage's own counters, for readers on other threads.
    std::atomic<std::uint64_t> dns_messages{0};
    std::atomic<std::uint64_t> dns_malformed{0};
    std::atomic<std::uint64_t> name_lookups{0};
    std::atomic<std::uint64_t> name_cache_hits{0};
    // ... and of the HTTP and TLS/QUIC stages'.
    std::atomic<std::uint64_t> http_requests{0};
    std::atomic<std::uint64_t> http_malformed{0};
    std::atomic<std::uint64_t> tls_client_hellos{0};
    std::atomic<std::uint64_t> tls_certificates{0};
    std::atomic<std::uint64_t> tls_malformed{0};
    std::atomic<std::uint64_t> quic_initials{0};
};

struct AnalyzerConfig {
    using IfaceName = std::function<std::string(std::uint32_t ifindex)>;

    std::string host;  // the sensor's name in alerts; empty: the host name
    IfaceName iface_name = [](std::uint32_t) { return std::string(); };
    // Turns record time into Unix time (live: CLOCK_MONOTONIC to realtime; replay: 0).
    std::int64_t clock_offset_ns = 0;
    std::shared_ptr<const trails::Whitelist> whitelist = std::make_shared<trails::Whitelist>();
    detect::DomainMatcherConfig domains;
};

class Analyzer {
  public:
    Analyzer(std::shared_ptr<const trails::TrailSet> trails, output::Fanout& fanout,
             AnalyzerConfig config);

    void process(const capture::RecordBatch& batch);
    void process_record(std::span<const std::uint8_t> bytes);
    // The clock of a quiet link: `record_clock_ns` is the time records would carry now
    // (live: CLOCK_MONOTONIC). Alerts held for a response that did not come go out.
    void tick(std::uint64_t record_clock_ns);
    // End of input (replay) or of the sensor: every held alert goes out.
    void finish();

    const AnalyzerStats& stats() const { return stats_; }

  private:
    void publish_stats();
    void publish_alerts();  // alerts_, then cleared

    std::shared_ptr<const trails::TrailSet> trails_;
    output::Fanout& fanout_;
    AnalyzerConfig config_;
    detect::DomainMatcher matcher_;
    detect::DnsDetector dns_;
    detect::HttpDetector http_;
    detect::TlsDetector tls_;
    AnalyzerStats stats_;
    std::vector<detect::Alert> alerts_;  // reused across records
};

}  // namespace spoor::app
