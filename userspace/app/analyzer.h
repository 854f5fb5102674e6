// The analysis stage: batches of records in (from the ring or from replay),
// alert lines out. Records are decoded and shared out by flow among N workers
// (FlowAnalysis: trail hits, DNS, HTTP, TLS, QUIC), which run in parallel on a
// batch; what they found is then put back in record order, the heuristics see
// the flow starts and DNS names in that order, and the alerts go to the
// outputs as EVE lines. Results do not depend on the number of threads: a
// flow's records always reach one worker, the heuristics run on one thread in
// record order, and held alerts are released by batch time. Last, the
// suppression stage (ignore rules, throttle) decides what is written, also in
// record order on one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/record_batch.h"
#include "detect/alert.h"
#include "app/flow_analysis.h"
#include "detect/dns_heuristics.h"
#include "detect/domain_matcher.h"
#include "detect/scan_heuristics.h"
#include "output/fanout.h"
#include "suppress/suppression.h"
#include "trails/trail_set.h"
#include "trails/whitelist.h"

namespace spoor::app {

struct AnalyzerStats {
    std::atomic<std::uint64_t> records{0};
    std::atomic<std::uint64_t> bad_records{0};  // shorter than their header says
    std::atomic<std::uint64_t> undecodable{0};  // frame the parser rejects
    // Records of a trail generation two or more reloads old, analysed against the newest.
    std::atomic<std::uint64_t> stale_generation_records{0};
    std::atomic<std::uint64_t> alerts{0};  // written as alerts (throttle summaries included)
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
    // Unfinished DNS-over-TCP streams, HTTP heads and TLS/QUIC handshakes forgotten to stay
    // within their tables.
    std::atomic<std::uint64_t> flows_evicted{0};
    // ... and of the heuristics': keys held now (over their tables), and keys forgotten
    // while they still mattered because a table was full.
    std::atomic<std::uint64_t> heuristic_keys{0};
    std::atomic<std::uint64_t> heuristic_keys_evicted{0};
    std::atomic<std::uint64_t> heuristic_alerts{0};
};

struct AnalyzerConfig {
    std::string host;        // the sensor's name in alerts; empty: the host name
    IfaceNames iface_names;  // live: the watched interfaces; replay: none
    // Turns record time into Unix time (live: CLOCK_MONOTONIC to realtime; replay: 0).
    std::int64_t clock_offset_ns = 0;
    std::shared_ptr<const trails::Whitelist> whitelist = std::make_shared<trails::Whitelist>();
    detect::DomainMatcherConfig domains;
    detect::DnsHeuristicsConfig dns_heuristics;
    detect::ScanConfig scans;
    detect::HttpHeuristicsConfig http;        // `local`, `web_scan`: set from the above
    std::vector<std::string> local_networks;  // prefixes; empty: the defaults
    unsigned threads = 1;                     // analysis workers, 1..64
    suppress::SuppressionConfig suppression;
};

class Analyzer {
  public:
    // `trails` is generation 0: what replay and the kernel's first install use.
    Analyzer(std::shared_ptr<const trails::TrailStore> trails, output::Fanout& fanout,
             AnalyzerConfig config);
    ~Analyzer();
    Analyzer(const Analyzer&) = delete;
    Analyzer& operator=(const Analyzer&) = delete;

    // Records classified against `generation` are analysed against `store` (a reload):
    // call it, from any thread, before the kernel's maps are flipped to that generation.
    // Builds the store's name tables first (see TrailGenerations::add).
    void add_trails(std::uint32_t generation, std::shared_ptr<const trails::TrailStore> store);
    // Forgets a generation added for an install that failed.
    void drop_trails(std::uint32_t generation);

    void process(const capture::RecordBatch& batch);
    // One record as a batch of its own.
    void process_record(std::span<const std::uint8_t> bytes);
    // The clock of a quiet link: `record_clock_ns` is the time records would carry now
    // (live: CLOCK_MONOTONIC). Alerts held for a response that did not come go out.
    void tick(std::uint64_t record_clock_ns);
    // End of input (replay) or of the sensor: every held alert goes out.
    void finish();

    const AnalyzerStats& stats() const { return stats_; }
    // Ignore rules' counts and the throttle's; safe from any thread.
    suppress::SuppressionStats suppression_stats() const { return suppression_.stats(); }

  private:
    class Workers;
    // Decodes one record into the share of the worker that owns its flow.
    void share_out(std::uint32_t index, std::span<const std::uint8_t> bytes);
    // Runs `job(worker)` on every worker, in parallel, and waits for all.
    void run_workers(const std::function<void(std::size_t)>& job);
    // Puts the workers' findings back in record order, runs the heuristics on their
    // observations in that order, and publishes the alerts that suppression lets through;
    // then the summaries of the throttle windows that ended by `now_ns` (packet time), or of
    // all of them at the end (nullopt).
    void publish_outputs(std::optional<std::uint64_t> now_ns);
    void run_heuristics(const WorkerOutput::Observation& seen, const WorkerOutput& from);
    void publish_stats();

    output::Fanout& fanout_;
    AnalyzerConfig config_;
    std::unique_ptr<TrailGenerations> generations_;  // read by the workers
    std::vector<std::unique_ptr<FlowAnalysis>> analyses_;
    std::vector<std::vector<DecodedRecord>> shares_;  // this batch's records, by worker
    std::vector<WorkerOutput> outputs_;               // this batch's findings, by worker
    std::unique_ptr<Workers> workers_;                // threads for workers 1..N-1
    // The heuristics see every worker's observations, in record order.
    detect::ScanHeuristics scans_;
    detect::DnsHeuristics dns_heuristics_;
    suppress::Suppression suppression_;
    std::vector<detect::Alert> alerts_;        // reused while publishing
    std::vector<suppress::Verdict> verdicts_;  // reused while publishing
    AnalyzerStats stats_;
};

}  // namespace spoor::app
