// `spoor replay`: captures through the same classifier and analysis as the
// live sensor, on packet time, in order, with one state across all files.
// The host path runs bpf/lib compiled for userspace; --kernel runs every
// frame through the loaded XDP program with BPF_PROG_TEST_RUN.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

#include "app/analyzer.h"
#include "app/options.h"
#include "app/trail_loading.h"
#include "bpf/sensor_object.h"
#include "bpf/test_run.h"
#include "bpf/trail_maps.h"
#include "capture/host_classifier.h"
#include "capture/pcap_source.h"
#include "capture/ring_reader.h"
#include "output/fanout.h"

namespace spoor::app {
namespace {

using Clock = std::chrono::steady_clock;

// Where records come from: the host classifier, or the kernel under test-run.
class RecordSource {
  public:
    virtual ~RecordSource() = default;
    // Classifies one frame and hands every record it produces to `sink`.
    virtual void feed(const capture::CapturedFrame& frame,
                      const std::function<void(std::span<const std::uint8_t>)>& sink) = 0;
    virtual std::vector<std::uint64_t> counters() const = 0;
};

class HostSource : public RecordSource {
  public:
    HostSource(std::shared_ptr<const trails::TrailStore> trails, const bpf::SensorConfig& config)
        : classifier_(std::move(trails), config) {}
    void feed(const capture::CapturedFrame& frame,
              const std::function<void(std::span<const std::uint8_t>)>& sink) override {
        if (classifier_.classify(frame.frame, frame.timestamp_ns, record_)) {
            sink(record_);
        }
    }
    std::vector<std::uint64_t> counters() const override {
        const auto& c = classifier_.counters();
        return {std::begin(c.c), std::end(c.c)};
    }

  private:
    capture::HostClassifier classifier_;
    std::vector<std::uint8_t> record_;
};

class KernelSource : public RecordSource {
  public:
    // One test run makes at most one record, drained right after it: a small queue suffices.
    static constexpr std::size_t kQueuedBatches = 4;

    KernelSource(const trails::TrailStore& trails, const bpf::SensorConfig& config)
        : object_(config), maps_(object_), queue_(kQueuedBatches) {
        maps_.install(trails);
        ring_ = std::make_unique<capture::RingReader>(object_.ring_fd(), queue_, ring_stats_);
    }
    void feed(const capture::CapturedFrame& frame,
              const std::function<void(std::span<const std::uint8_t>)>& sink) override {
        // The test-run refuses frames shorter than an Ethernet header; the host parser
        // calls them malformed, and so does this path.
        if (frame.frame.size() < 14) {
            ++short_frames_;
            return;
        }
        bpf::test_run(object_, bpf::Hook::Xdp, frame.frame, frame.timestamp_ns);
        ring_->poll(std::chrono::milliseconds(0));
        while (auto batch = queue_.pop(std::chrono::milliseconds(0))) {
            batch->for_each(sink);
        }
    }
    std::vector<std::uint64_t> counters() const override {
        auto c = object_.read_counters();
        c[SPOOR_CNT_PACKETS] += short_frames_;
        c[SPOOR_CNT_MALFORMED] += short_frames_;
        return c;
    }

  private:
    bpf::SensorObject object_;
    bpf::TrailMaps maps_;
    BoundedQueue<capture::RecordBatch> queue_;
    capture::RingStats ring_stats_;
    std::unique_ptr<capture::RingReader> ring_;
    std::uint64_t short_frames_ = 0;
};

// "\r"-rewritten status line on a terminal: where we are, how fast, what was found.
class Progress {
  public:
    Progress() : enabled_(isatty(STDERR_FILENO) == 1) {}
    void update(const capture::PcapSource& src, std::size_t file, std::size_t files,
                std::uint64_t packets, std::uint64_t alerts, Clock::time_point start) {
        if (!enabled_ || Clock::now() - last_ < std::chrono::milliseconds(250)) {
            return;
        }
        last_ = Clock::now();
        const double secs = std::chrono::duration<double>(last_ - start).count();
        std::fprintf(stderr, "\r[%zu/%zu] %.1f of %.1f MiB  %.0f packets/s  %llu alerts   ", file,
                     files, static_cast<double>(src.offset()) / (1 << 20),
                     static_cast<double>(src.size()) / (1 << 20), packets / std::max(secs, 1e-9),
                     static_cast<unsigned long long>(alerts));
    }
    void clear() {
        if (enabled_) {
            std::fprintf(stderr, "\r%*s\r", 72, "");
        }
    }

  private:
    bool enabled_;
    Clock::time_point last_{};
};

}  // namespace

int run_replay(const ReplayOptions& o) {
    if (o.captures.empty()) {
        throw std::invalid_argument("replay needs at least one capture file (or - for stdin)");
    }
    auto configuring = start_analysis_config(o.sensor_name, o.analysis);
    const auto [trail_store, report] = load_trail_sources(o.trails, o.allow_empty);

    bpf::SensorConfig config;
    config.snaplen = o.snaplen;
    config.dedup_window_ns = static_cast<std::uint64_t>(o.dedup_window_s * 1e9);
    std::unique_ptr<RecordSource> source;
    if (o.kernel) {
        source = std::make_unique<KernelSource>(*trail_store, config);
    } else {
        source = std::make_unique<HostSource>(trail_store, config);
    }

    output::Fanout fanout;
    if (o.log_dir.empty()) {
        fanout.add(std::make_unique<output::StdoutOutput>());
    } else {
        fanout.add(std::make_unique<output::LogDirOutput>(o.log_dir));
    }
    // Records carry capture time already: no clock offset, and no interface to name.
    auto analyzer_config = configuring.get();
    Analyzer analyzer(trail_store, fanout, std::move(analyzer_config));
    // Records are analysed in batches of a fixed count, as the ring reader hands them over
    // live: the same batches every time, so the alerts do not depend on --threads.
    constexpr std::size_t kBatchRecords = 256;
    capture::RecordBatch batch;
    const auto analyse_batch = [&] {
        if (!batch.empty()) {
            analyzer.process(batch);
            batch = capture::RecordBatch();
        }
    };
    const auto sink = [&](std::span<const std::uint8_t> record) {
        batch.append(record.data(), static_cast<std::uint32_t>(record.size()));
        if (batch.count() == kBatchRecords) {
            analyse_batch();
        }
    };

    const auto start = Clock::now();
    Progress progress;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    int status = 0;
    for (std::size_t i = 0; i < o.captures.size(); ++i) {
        try {
            capture::PcapSource capture(o.captures[i]);
            capture::CapturedFrame frame;
            while (capture.next(frame)) {
                ++packets;
                bytes += frame.wire_len;
                source->feed(frame, sink);
                progress.update(capture, i + 1, o.captures.size(), packets, analyzer.stats().alerts,
                                start);
            }
        } catch (const capture::PcapError& e) {
            // Everything before the bad record is analysed and stays written; later files too.
            progress.clear();
            spdlog::error("{}", e.what());
            status = 1;
        }
    }
    progress.clear();
    analyse_batch();
    analyzer.finish();  // alerts still waiting for a response the captures did not hold
    fanout.close();

    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const auto c = source->counters();
    const auto suppressed = analyzer.suppression_stats();
    std::string reasons;
    for (int r = 0; r < SPOOR_REASON_COUNT; ++r) {
        const auto name = std::string(bpf::counter_name(SPOOR_CNT_REASON_HIT + r)).substr(7);
        reasons += (r ? ", " : "") + name + " " + std::to_string(c[SPOOR_CNT_REASON_HIT + r]);
    }
    spdlog::info(
        "replayed {} packets, {} bytes from {} capture(s) in {:.3f} s ({:.0f} packets/s, "
        "{} path) | records {} ({}) | alerts {} (throttled {} into {} summaries, suppressed {}) "
        "| malformed {} | non-ip {}",
        packets, bytes, o.captures.size(), secs, packets / std::max(secs, 1e-9),
        o.kernel ? "kernel" : "host", c[SPOOR_CNT_RECORDS], reasons, analyzer.stats().alerts.load(),
        suppressed.throttle.held, suppressed.throttle.summaries, suppressed.suppressed,
        c[SPOOR_CNT_MALFORMED], c[SPOOR_CNT_NON_IP]);
    return status;
}

}  // namespace spoor::app
