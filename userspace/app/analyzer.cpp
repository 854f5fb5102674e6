#include "app/analyzer.h"

#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "output/eve.h"
#include "proto/packet.h"

namespace spoor::app {
namespace {

std::string host_name() {
    char buf[256] = {};
    gethostname(buf, sizeof(buf) - 1);
    return buf;
}

// The same for both directions of a flow, so that one worker holds its state.
std::size_t flow_hash(const proto::Packet& packet) {
    const IpAddressHash hash;
    std::uint64_t h = hash(packet.src) ^ hash(packet.dst) ^
                      (static_cast<std::uint64_t>(packet.src_port ^ packet.dst_port) << 17);
    h *= 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>(h ^ (h >> 32));
}

// What the HTTP heuristics take from the rest of the configuration: the local prefixes, parsed
// once for every heuristic that asks what is local, and whether web scanning wants the paths.
AnalyzerConfig with_shared_settings(AnalyzerConfig config) {
    config.http.local = std::make_shared<const detect::LocalNetworks>(
        config.local_networks.empty() ? detect::LocalNetworks()
                                      : detect::LocalNetworks(config.local_networks));
    config.http.web_scan = config.scans.web_scan;
    return config;
}

// A deterministic order for alerts released by time, whichever worker held them: alerts
// equal in all of these are the same alert, so their order cannot show.
bool released_before(const detect::Alert& a, const detect::Alert& b) {
    return std::tie(a.timestamp_ns, a.src, a.dst, a.src_port, a.dst_port, a.trail_type, a.trail,
                    a.info, a.matched_field) < std::tie(b.timestamp_ns, b.src, b.dst, b.src_port,
                                                        b.dst_port, b.trail_type, b.trail, b.info,
                                                        b.matched_field);
}

}  // namespace

// Threads for workers 1..N-1 (worker 0 runs on the analysis thread itself): each
// waits for a round, runs the round's job for its worker, and reports it done.
class Analyzer::Workers {
  public:
    explicit Workers(std::size_t count) {
        for (std::size_t i = 1; i < count; ++i) {
            threads_.emplace_back([this, i] { serve(i); });
        }
    }
    ~Workers() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        start_.notify_all();
        for (auto& t : threads_) {
            t.join();
        }
    }

    void run(const std::function<void(std::size_t)>& job) {
        {
            std::lock_guard lock(mutex_);
            job_ = &job;
            pending_ = threads_.size();
            ++round_;
        }
        start_.notify_all();
        job(0);
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return pending_ == 0; });
        job_ = nullptr;
    }

  private:
    void serve(std::size_t worker) {
        std::uint64_t seen = 0;
        for (;;) {
            const std::function<void(std::size_t)>* job = nullptr;
            {
                std::unique_lock lock(mutex_);
                start_.wait(lock, [&] { return stopping_ || round_ != seen; });
                if (stopping_) {
                    return;
                }
                seen = round_;
                job = job_;
            }
            (*job)(worker);
            {
                std::lock_guard lock(mutex_);
                --pending_;
            }
            done_.notify_one();
        }
    }

    std::mutex mutex_;
    std::condition_variable start_;
    std::condition_variable done_;
    const std::function<void(std::size_t)>* job_ = nullptr;
    std::size_t pending_ = 0;
    std::uint64_t round_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

Analyzer::Analyzer(std::shared_ptr<const trails::TrailStore> trails, output::Fanout& fanout,
                   AnalyzerConfig config)
    : fanout_(fanout),
      config_(with_shared_settings(std::move(config))),
      scans_(config_.scans, *config_.http.local),
      dns_heuristics_(config_.dns_heuristics),
      suppression_(config_.suppression) {
    if (config_.threads < 1 || config_.threads > 64) {
        throw std::invalid_argument("--threads must be 1 to 64, not " +
                                    std::to_string(config_.threads));
    }
    if (config_.host.empty()) {
        config_.host = host_name();
    }
    // The first generation's name tables (the regex databases) are built here, once: the
    // workers share them.
    const auto whitelist =
        config_.whitelist ? config_.whitelist : std::make_shared<const trails::Whitelist>();
    generations_ = std::make_unique<TrailGenerations>(config_.whitelist, config_.domains);
    generations_->add(0, std::move(trails));
    for (unsigned i = 0; i < config_.threads; ++i) {
        analyses_.push_back(std::make_unique<FlowAnalysis>(*generations_, whitelist,
                                                           config_.iface_names, config_.http));
    }
    shares_.resize(config_.threads);
    outputs_.resize(config_.threads);
    if (config_.threads > 1) {
        workers_ = std::make_unique<Workers>(config_.threads);
    }
}

Analyzer::~Analyzer() = default;

void Analyzer::add_trails(std::uint32_t generation,
                          std::shared_ptr<const trails::TrailStore> store) {
    generations_->add(generation, std::move(store));
}

void Analyzer::drop_trails(std::uint32_t generation) {
    generations_->remove(generation);
}

void Analyzer::process(const capture::RecordBatch& batch) {
    for (auto& share : shares_) {
        share.clear();
    }
    std::uint32_t index = 0;
    batch.for_each([&](std::span<const std::uint8_t> bytes) { share_out(index++, bytes); });
    // The batch's time: its latest record's.
    std::uint64_t batch_end = 0;
    for (const auto& share : shares_) {
        for (const auto& record : share) {
            batch_end = std::max(batch_end, record.timestamp_ns);
        }
    }
    run_workers([&](std::size_t w) { analyses_[w]->analyse(shares_[w], batch_end, outputs_[w]); });
    // A busy link never goes quiet: the batch's time also closes the throttle's windows.
    publish_outputs(batch_end);
}

void Analyzer::process_record(std::span<const std::uint8_t> bytes) {
    capture::RecordBatch batch;
    batch.append(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
    process(batch);
}

void Analyzer::share_out(std::uint32_t index, std::span<const std::uint8_t> bytes) {
    stats_.records.fetch_add(1, std::memory_order_relaxed);
    DecodedRecord record;
    record.index = index;
    if (bytes.size() < sizeof(record.header)) {
        stats_.bad_records.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::memcpy(&record.header, bytes.data(), sizeof(record.header));
    const auto frame = bytes.subspan(sizeof(record.header));
    if (record.header.snap_len > frame.size()) {
        stats_.bad_records.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (proto::decode_frame(frame.first(record.header.snap_len), record.packet) !=
        proto::DecodeStatus::Ok) {
        stats_.undecodable.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    record.timestamp_ns = static_cast<std::uint64_t>(
        static_cast<std::int64_t>(record.header.timestamp_ns) + config_.clock_offset_ns);
    const std::size_t worker = shares_.size() == 1 ? 0 : flow_hash(record.packet) % shares_.size();
    shares_[worker].push_back(record);
}

void Analyzer::run_workers(const std::function<void(std::size_t)>& job) {
    for (auto& output : outputs_) {
        output.clear();
    }
    if (workers_) {
        workers_->run(job);
    } else {
        job(0);
    }
}

void Analyzer::tick(std::uint64_t record_clock_ns) {
    const auto now = static_cast<std::uint64_t>(static_cast<std::int64_t>(record_clock_ns) +
                                                config_.clock_offset_ns);
    run_workers([&](std::size_t w) { analyses_[w]->expire(now, outputs_[w]); });
    publish_outputs(now);
}

void Analyzer::finish() {
    run_workers([&](std::size_t w) { analyses_[w]->flush(outputs_[w]); });
    publish_outputs(std::nullopt);
}

void Analyzer::publish_outputs(std::optional<std::uint64_t> now_ns) {
    alerts_.clear();
    // Each worker's findings are in record order, and a record's are all one worker's:
    // a stable sort by record index puts them back in the order the records came.
    struct Seen {
        const WorkerOutput::Observation* observation;
        const WorkerOutput* from;
    };
    std::vector<WorkerOutput::Tagged*> tagged;
    std::vector<Seen> seen;
    std::vector<detect::Alert*> released;
    for (auto& output : outputs_) {
        for (auto& t : output.alerts) {
            tagged.push_back(&t);
        }
        for (const auto& o : output.observations) {
            seen.push_back({&o, &output});
        }
        for (auto& a : output.released) {
            released.push_back(&a);
        }
    }
    std::stable_sort(tagged.begin(), tagged.end(),
                     [](const auto* a, const auto* b) { return a->index < b->index; });
    std::stable_sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) {
        return a.observation->index < b.observation->index;
    });
    std::stable_sort(released.begin(), released.end(),
                     [](const auto* a, const auto* b) { return released_before(*a, *b); });
    // A record's own alerts, then what the heuristics make of it.
    auto next = seen.begin();
    for (auto* t : tagged) {
        for (; next != seen.end() && next->observation->index < t->index; ++next) {
            run_heuristics(*next->observation, *next->from);
        }
        alerts_.push_back(std::move(t->alert));
    }
    for (; next != seen.end(); ++next) {
        run_heuristics(*next->observation, *next->from);
    }
    for (auto* a : released) {
        alerts_.push_back(std::move(*a));
    }
    verdicts_.clear();
    for (auto& alert : alerts_) {
        suppression_.admit(std::move(alert), verdicts_);
    }
    if (now_ns) {
        suppression_.tick(*now_ns, verdicts_);
    } else {
        suppression_.flush(verdicts_);
    }
    for (const auto& verdict : verdicts_) {
        fanout_.publish(verdict.alert.timestamp_ns,
                        output::format_eve(verdict.alert, config_.host, verdict.suppressed_by));
        if (!verdict.suppressed()) {
            stats_.alerts.fetch_add(1, std::memory_order_relaxed);
        }
    }
    publish_stats();
}

void Analyzer::run_heuristics(const WorkerOutput::Observation& seen, const WorkerOutput& from) {
    using Kind = WorkerOutput::Observation::Kind;
    const auto iface = iface_name(config_.iface_names, seen.ifindex);
    switch (seen.kind) {
        case Kind::FlowStart:
            scans_.observe(seen.packet, seen.timestamp_ns, iface, alerts_);
            break;
        case Kind::DnsQuery:
            dns_heuristics_.on_query(from.names[seen.item].name, seen.packet, seen.timestamp_ns,
                                     iface, alerts_);
            break;
        case Kind::DnsNxdomain:
            dns_heuristics_.on_nxdomain(from.names[seen.item].name, seen.packet, seen.timestamp_ns,
                                        iface, alerts_);
            break;
        case Kind::HttpPath:
            scans_.observe_http_path(seen.packet, from.paths[seen.item], seen.timestamp_ns, iface,
                                     alerts_);
            break;
    }
}

void Analyzer::publish_stats() {
    WorkerStats sum;
    for (const auto& analysis : analyses_) {
        const auto s = analysis->stats();
        sum.dns.messages += s.dns.messages;
        sum.dns.malformed += s.dns.malformed;
        sum.stale_records += s.stale_records;
        sum.names += s.names;
        sum.http.requests += s.http.requests;
        sum.http.malformed += s.http.malformed;
        sum.tls.client_hellos += s.tls.client_hellos;
        sum.tls.certificates += s.tls.certificates;
        sum.tls.malformed += s.tls.malformed;
        sum.tls.quic_initials += s.tls.quic_initials;
        sum.dns.tcp_flows_evicted += s.dns.tcp_flows_evicted;
        sum.http.flows_evicted += s.http.flows_evicted;
        sum.http.heuristic_alerts += s.http.heuristic_alerts;
        sum.tls.flows_evicted += s.tls.flows_evicted;
    }
    const auto relaxed = std::memory_order_relaxed;
    stats_.dns_messages.store(sum.dns.messages, relaxed);
    stats_.dns_malformed.store(sum.dns.malformed, relaxed);
    stats_.stale_generation_records.store(sum.stale_records, relaxed);
    stats_.name_lookups.store(sum.names.lookups, relaxed);
    stats_.name_cache_hits.store(sum.names.cache_hits, relaxed);
    stats_.http_requests.store(sum.http.requests, relaxed);
    stats_.http_malformed.store(sum.http.malformed, relaxed);
    stats_.tls_client_hellos.store(sum.tls.client_hellos, relaxed);
    stats_.tls_certificates.store(sum.tls.certificates, relaxed);
    stats_.tls_malformed.store(sum.tls.malformed, relaxed);
    stats_.quic_initials.store(sum.tls.quic_initials, relaxed);
    stats_.flows_evicted.store(
        sum.dns.tcp_flows_evicted + sum.http.flows_evicted + sum.tls.flows_evicted, relaxed);
    const auto scans = scans_.stats();
    const auto dns = dns_heuristics_.stats();
    std::uint64_t keys = dns.exhaustion_keys + dns.nxdomain_name_keys + dns.nxdomain_base_keys;
    std::uint64_t evicted = dns.keys_evicted;
    std::uint64_t alerts = dns.alerts + sum.http.heuristic_alerts;
    for (const auto* table :
         {&scans.port_scan, &scans.udp_scan, &scans.infection, &scans.web_scan}) {
        keys += table->keys;
        evicted += table->keys_evicted;
        alerts += table->alerts;
    }
    stats_.heuristic_keys.store(keys, relaxed);
    stats_.heuristic_keys_evicted.store(evicted, relaxed);
    stats_.heuristic_alerts.store(alerts, relaxed);
}

}  // namespace spoor::app
