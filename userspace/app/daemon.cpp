// `spoor run`: load trails, load and attach the BPF programs, and move
// records from the ring through analysis to the outputs until a signal.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iomanip>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "app/analyzer.h"
#include "app/control.h"
#include "app/options.h"
#include "app/trail_loading.h"
#include "app/trail_reloader.h"
#include "bpf/attach.h"
#include "bpf/sensor_object.h"
#include "bpf/trail_maps.h"
#include "capture/ring_reader.h"
#include "output/fanout.h"

namespace spoor::app {
namespace {

// Per ignore rule (in rule order), how many alerts it took; and what the throttle held.
nlohmann::json suppression_json(const suppress::SuppressionStats& s) {
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& rule : s.rules) {
        rules.push_back({{"name", rule.name}, {"alerts", rule.count}});
    }
    return {{"alerts_in", s.alerts_in},
            {"suppressed", s.suppressed},
            {"rules", rules},
            {"throttle_held", s.throttle.held},
            {"throttle_summaries", s.throttle.summaries},
            {"throttle_closed_early", s.throttle.closed_early},
            {"throttle_open_windows", s.throttle.open_windows}};
}

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_reopen = 0;
volatile std::sig_atomic_t g_reload = 0;

void on_stop_signal(int) {
    g_stop = 1;
}
void on_hangup(int) {
    g_reopen = 1;
}
void on_reload_signal(int) {
    g_reload = 1;
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, nullptr);
    sa.sa_handler = on_reload_signal;
    sigaction(SIGUSR2, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe is a failed write, not a crash
}

bpf::XdpMode parse_xdp_mode(const std::string& text) {
    if (text == "auto")
        return bpf::XdpMode::Auto;
    if (text == "native")
        return bpf::XdpMode::Native;
    if (text == "skb")
        return bpf::XdpMode::Skb;
    throw std::invalid_argument("--xdp-mode must be auto, native or skb, not '" + text + "'");
}

bpf::AttachMethod parse_attach(const std::string& text) {
    if (text == "link")
        return bpf::AttachMethod::Link;
    if (text == "libxdp")
        return bpf::AttachMethod::Libxdp;
    throw std::invalid_argument("--attach must be link or libxdp, not '" + text + "'");
}

struct Directions {
    bool ingress = true;
    bool egress = true;
};

// Host interfaces see their own outgoing traffic only on egress; a mirror port gets both
// directions on ingress (DESIGN.md "Capture points").
Directions parse_direction(const std::string& text, bool mirror) {
    const std::string d = text.empty() ? (mirror ? "ingress" : "both") : text;
    if (d == "both")
        return {true, true};
    if (d == "ingress")
        return {true, false};
    if (d == "egress")
        return {false, true};
    throw std::invalid_argument("--direction must be ingress, egress or both, not '" + d + "'");
}

// Now on the clock records carry (bpf_ktime_get_ns()).
std::uint64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ull +
           static_cast<std::uint64_t>(now.tv_nsec);
}

std::uint64_t realtime_ns() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

std::int64_t monotonic_to_realtime_offset() {
    timespec mono{}, real{};
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    const auto ns = [](const timespec& t) {
        return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
    };
    return ns(real) - ns(mono);
}

std::string mib(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return buf;
}

nlohmann::json trail_counts(const trails::TrailStore& set) {
    nlohmann::json counts = nlohmann::json::object();
    for (std::size_t k = 0; k < trails::kIndicatorKinds; ++k) {
        const auto kind = static_cast<trails::IndicatorKind>(k);
        counts[trails::kind_name(kind)] = set.count(kind);
    }
    counts["total"] = set.total();
    return counts;
}

// The analysis stage's thread. Finishing (also when start-up fails half-way)
// closes its queue, lets it drain what is queued, writes the alerts still held,
// and joins it. A quiet link ticks the analyzer's clock, so that held alerts go
// out when their wait ends even if no record comes.
class AnalysisThread {
  public:
    AnalysisThread(BoundedQueue<capture::RecordBatch>& queue, Analyzer& analyzer)
        : queue_(queue), thread_([&queue, &analyzer] {
              using namespace std::chrono_literals;
              while (!queue.closed_and_empty()) {
                  if (auto batch = queue.pop(200ms)) {
                      analyzer.process(*batch);
                  } else {
                      analyzer.tick(monotonic_ns());
                  }
              }
              analyzer.finish();
          }) {}
    ~AnalysisThread() { finish(); }
    AnalysisThread(const AnalysisThread&) = delete;
    AnalysisThread& operator=(const AnalysisThread&) = delete;

    void finish() {
        queue_.close();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    BoundedQueue<capture::RecordBatch>& queue_;
    std::thread thread_;
};

struct Interface {
    std::string name;
    int ifindex = 0;
    std::optional<bpf::XdpAttachment> xdp;
    std::optional<bpf::TcEgressAttachment> egress;
};

}  // namespace

int run_daemon(const RunOptions& o) {
    const auto started = std::chrono::steady_clock::now();
    const auto xdp_mode = parse_xdp_mode(o.xdp_mode);
    const auto attach = parse_attach(o.attach);
    const auto directions = parse_direction(o.direction, o.mirror);
    if (o.mirror && directions.egress) {
        throw std::invalid_argument(
            "--mirror watches ingress only (a mirror port receives both "
            "directions); drop --direction egress/both");
    }
    std::vector<std::string> names = o.interfaces;
    if (names.empty()) {
        names.push_back(bpf::default_route_interface());
        spdlog::info("no -i given: watching the default-route interface {}", names.front());
    }
    if (names.size() > SPOOR_MAX_IFACES) {
        throw std::invalid_argument("at most " + std::to_string(SPOOR_MAX_IFACES) +
                                    " interfaces per daemon");
    }
    std::list<Interface> interfaces;  // attachments are not movable: a list never relocates
    for (const auto& name : names) {
        auto& itf = interfaces.emplace_back();
        itf.name = name;
        itf.ifindex = bpf::interface_index(name);
    }

    ControlServer control(o.control_socket);

    // Trails, while the analysis is configured beside them.
    auto configuring = start_analysis_config(o.sensor_name, o.analysis);
    const auto seconds_since = [](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    auto step = std::chrono::steady_clock::now();
    const auto [base_trails, report] = load_trail_sources(o.trails, o.allow_empty);
    auto custom = load_custom_trails(o.custom_trails);
    const auto trail_store = custom.over(base_trails);
    const double trails_s = seconds_since(step);

    // Kernel side.
    bpf::SensorConfig config;
    config.snaplen = o.snaplen;
    config.drop_after_inspect = o.mirror;
    config.dedup_window_ns = static_cast<std::uint64_t>(o.dedup_window_s * 1e9);
    bpf::SensorObject object(config);
    bpf::TrailMaps trail_maps(object);
    step = std::chrono::steady_clock::now();
    const auto first_generation = trail_maps.install(*trail_store);
    const double maps_s = seconds_since(step);
    const std::size_t map_entries = first_generation.exact4 + first_generation.exact6 +
                                    first_generation.prefix4 + first_generation.prefix6 +
                                    first_generation.ipport;

    // Outputs, analysis, ring.
    output::Fanout fanout(o.queue_alerts);
    if (!o.quiet) {
        fanout.add(std::make_unique<output::StdoutOutput>());
    }
    if (!o.log_dir.empty()) {
        fanout.add(std::make_unique<output::LogDirOutput>(o.log_dir));
    }
    auto analyzer_config = configuring.get();
    for (const auto& itf : interfaces) {
        analyzer_config.iface_names[static_cast<std::uint32_t>(itf.ifindex)] = itf.name;
    }
    analyzer_config.clock_offset_ns = monotonic_to_realtime_offset();
    Analyzer analyzer(trail_store, fanout, std::move(analyzer_config));
    BoundedQueue<capture::RecordBatch> record_queue(o.queue_records);
    capture::RingStats ring_stats;
    capture::RingReader reader(object.ring_fd(), record_queue, ring_stats);
    AnalysisThread analysis(record_queue, analyzer);
    std::optional<TrailReloader> reloader;
    reloader.emplace(o.trails, o.allow_empty, o.custom_trails, std::move(custom), analyzer,
                     trail_maps, base_trails, trail_store);
    std::optional<TrailWatcher> watcher;
    if (o.watch_trails) {
        watcher.emplace(o.trails, *reloader);
    }
    // Updates are compiled into a store: with sources, there is none to update.
    std::optional<TrailUpdateSchedule> schedule;
    if (o.update_interval_h > 0 && o.trails.size() == 1 &&
        trails::TrailStore::is_store_file(o.trails.front())) {
        TrailsUpdateOptions update;
        update.output = o.trails.front();
        update.trails = o.update_sources;
        update.feeds_dir = o.feeds_dir;
        update.reload = false;  // the schedule asks the reloader itself
        schedule.emplace(std::chrono::duration<double>(o.update_interval_h * 3600), update,
                         *reloader);
    }

    // Attach last: everything that consumes records is ready.
    for (auto& itf : interfaces) {
        if (bpf::remove_stale_program(itf.ifindex)) {
            spdlog::warn("{}: removed a spoor XDP program left by an earlier run", itf.name);
        }
        if (directions.ingress) {
            itf.xdp.emplace(object.xdp_prog_fd(), itf.ifindex, itf.name, xdp_mode, attach);
        }
        if (directions.egress) {
            itf.egress.emplace(object.tc_prog_fd(), itf.ifindex, itf.name);
        }
    }

    auto stats_json = [&] {
        nlohmann::json kernel = nlohmann::json::object();
        const auto counters = object.read_counters();
        for (int i = 0; i < SPOOR_CNT_MAX; ++i) {
            kernel[bpf::counter_name(i)] = counters[i];
        }
        nlohmann::json outputs = nlohmann::json::array();
        for (const auto& s : fanout.stats()) {
            outputs.push_back({{"name", s.name},
                               {"written", s.written},
                               {"dropped", s.dropped},
                               {"failed", s.failed}});
        }
        const auto& a = analyzer.stats();
        return nlohmann::json{{"kernel", kernel},
                              {"userspace",
                               {{"records", ring_stats.records.load()},
                                {"record_bytes", ring_stats.bytes.load()},
                                {"records_dropped", ring_stats.dropped.load()},
                                {"records_analysed", a.records.load()},
                                {"bad_records", a.bad_records.load()},
                                {"undecodable", a.undecodable.load()},
                                {"stale_generation_records", a.stale_generation_records.load()},
                                {"alerts", a.alerts.load()},
                                {"dns_messages", a.dns_messages.load()},
                                {"dns_malformed", a.dns_malformed.load()},
                                {"name_lookups", a.name_lookups.load()},
                                {"name_cache_hits", a.name_cache_hits.load()},
                                {"http_requests", a.http_requests.load()},
                                {"http_malformed", a.http_malformed.load()},
                                {"tls_client_hellos", a.tls_client_hellos.load()},
                                {"tls_certificates", a.tls_certificates.load()},
                                {"tls_malformed", a.tls_malformed.load()},
                                {"quic_initials", a.quic_initials.load()},
                                {"flows_evicted", a.flows_evicted.load()},
                                {"heuristic_keys", a.heuristic_keys.load()},
                                {"heuristic_keys_evicted", a.heuristic_keys_evicted.load()},
                                {"heuristic_alerts", a.heuristic_alerts.load()}}},
                              {"suppression", suppression_json(analyzer.suppression_stats())},
                              {"outputs", outputs}};
    };
    auto status_json = [&] {
        nlohmann::json ifaces = nlohmann::json::array();
        for (const auto& itf : interfaces) {
            ifaces.push_back({{"name", itf.name},
                              {"ifindex", itf.ifindex},
                              {"xdp_mode", itf.xdp ? bpf::to_string(itf.xdp->mode()) : "none"},
                              {"ingress", itf.xdp.has_value()},
                              {"egress", itf.egress.has_value()}});
        }
        const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - started);
        const auto store = reloader->current();
        nlohmann::json trails_json = {
            {"counts", trail_counts(*store)},
            {"origin", store->origin()},
            {"store_bytes", store->bytes()},
            {"generation", trail_maps.generation()},
            {"watched", o.watch_trails},
            {"custom_trails", o.custom_trails},
            {"age_hours", trail_age_hours(*store, realtime_ns())},
            {"stale", stale_trails_warning(*store, o.max_trail_age_h, realtime_ns()).has_value()}};
        if (const auto last = reloader->last()) {
            trails_json["last_reload"] = last->to_json();
        }
        return nlohmann::json{
            {"pid", ::getpid()},
            {"uptime_s", uptime.count()},
            {"interfaces", ifaces},
            {"mirror", o.mirror},
            {"attach", bpf::to_string(attach)},
            {"program_ids", {{"xdp", object.xdp_prog_id()}, {"tc_egress", object.tc_prog_id()}}},
            {"trails", trails_json},
            {"malformed_trail_lines", report.malformed.size()},
            {"map_memory_bytes", object.map_memory_bytes() + first_generation.memory_bytes},
            {"log_dir", o.log_dir}};
    };
    control.serve([&](const nlohmann::json& request) -> nlohmann::json {
        const auto command = request.value("command", "");
        if (command == "stats")
            return stats_json();
        if (command == "status")
            return status_json();
        if (command == "reload" || command == "trails-add" || command == "trails-rm") {
            const std::string value = request.value("value", "");
            const ReloadResult result =
                command == "reload"
                    ? reloader->request("control socket", request.value("force", false)).get()
                : command == "trails-add"
                    ? reloader
                          ->add(value, request.value("info", ""),
                                static_cast<std::uint8_t>(request.value("severity", 0)))
                          .get()
                    : reloader->remove(value).get();
            auto reply = result.to_json();
            if (!result.ok) {
                reply["error"] = command == "reload"
                                     ? "reload failed, the trails in use are kept: " + result.error
                                     : "trails unchanged: " + result.error;
            }
            return reply;
        }
        return {{"error", "unknown command '" + command +
                              "' (known: stats, status, reload, trails-add, trails-rm)"}};
    });

    std::ostringstream summary;
    summary << "watching";
    for (const auto& itf : interfaces) {
        summary << " " << itf.name << " (xdp "
                << (itf.xdp ? bpf::to_string(itf.xdp->mode()) : "off") << ", "
                << (directions.ingress ? "ingress" : "")
                << (directions.ingress && directions.egress ? "+" : "")
                << (directions.egress ? "egress" : "") << ")";
    }
    summary << (o.mirror ? " mirror" : "") << " | trails " << trail_store->total() << " (ip "
            << first_generation.exact4 + first_generation.exact6 << ", cidr "
            << first_generation.prefix4 + first_generation.prefix6 << ", ipport "
            << first_generation.ipport << ", domain "
            << trail_store->count(trails::IndicatorKind::Domain) << ", url "
            << trail_store->count(trails::IndicatorKind::Url) << ", regex "
            << trail_store->count(trails::IndicatorKind::RegexDomain) << ", other "
            << trail_store->count(trails::IndicatorKind::UserAgent) +
                   trail_store->count(trails::IndicatorKind::CertSha1) +
                   trail_store->count(trails::IndicatorKind::Ja3) +
                   trail_store->count(trails::IndicatorKind::Ja4)
            << ") | malformed " << report.malformed.size() << " | maps "
            << mib(object.map_memory_bytes() + first_generation.memory_bytes) << " | alerts ->"
            << (o.quiet ? "" : " stdout") << (o.log_dir.empty() ? "" : " " + o.log_dir)
            << " | control " << o.control_socket << " | trails read in " << std::fixed
            << std::setprecision(2) << trails_s << " s, kernel maps filled in " << maps_s << " s ("
            << static_cast<std::uint64_t>(map_entries / std::max(maps_s, 1e-6)) << " entries/s)";
    spdlog::info("{}", summary.str());

    install_signal_handlers();
    auto next_age_check = std::chrono::steady_clock::now();  // at start, then hourly
    using namespace std::chrono_literals;
    while (!g_stop) {
        reader.poll(100ms);
        if (g_reopen) {
            g_reopen = 0;
            fanout.request_reopen();
            spdlog::info("SIGHUP: reopening alert files");
        }
        if (g_reload) {
            g_reload = 0;
            reloader->request("SIGUSR2", false);
        }
        if (std::chrono::steady_clock::now() >= next_age_check) {
            next_age_check += std::chrono::hours(1);
            if (const auto warning =
                    stale_trails_warning(*reloader->current(), o.max_trail_age_h, realtime_ns())) {
                spdlog::warn("{}", *warning);
            }
        }
    }

    // Detach first so no new records arrive, then deliver everything already made.
    spdlog::info("stopping: detaching and draining");
    control.stop();  // its handler reads the reloader
    schedule.reset();
    watcher.reset();
    reloader.reset();  // a reload under way finishes first
    for (auto& itf : interfaces) {
        itf.xdp.reset();
        itf.egress.reset();
    }
    reader.poll(0ms);
    analysis.finish();
    fanout.close();
    spdlog::info("stopped: {} records, {} alerts", ring_stats.records.load(),
                 analyzer.stats().alerts.load());
    return 0;
}

}  // namespace spoor::app
