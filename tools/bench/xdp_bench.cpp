// XDP cost per packet with the full real trail set loaded, beside an
// XDP_PASS-only program, both under BPF_PROG_TEST_RUN in the same run.
//
//   sudo build/bench/xdp_bench [--trails PATH]... [--repeat N] [--rounds R]
//
// Default trails: ../shared/data/maltrail/static-trails.tar.xz beside the repository.
// Each figure is the median of R rounds of N repetitions.
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_xdp_pass.skel.h"
#include "app/trail_loading.h"
#include "bpf/sensor_object.h"
#include "bpf/test_run.h"
#include "bpf/trail_maps.h"
#include "frame_builder.h"

namespace {

using Frame = std::vector<std::uint8_t>;

// Ethernet + IPv4 + TCP ACK mid-flow with `payload` bytes: not a candidate of any kind.
Frame tcp_frame(const std::string& src, const std::string& dst, std::size_t payload) {
    return spoor::test::build_frame(
        spoor::test::tcp(src, 40000, dst, 443, 0x10, std::string(payload, 'x')));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Two figures per round: the kernel's own average run time of the program (whole ns, the
// program alone) and wall time over all repetitions (sub-ns, includes the per-packet frame
// set-up of the test-run loop, as a driver's receive path has its own).
struct Cost {
    double program_ns;
    double wall_ns;
};

Cost measure(const std::function<std::uint32_t()>& one_round, std::uint32_t repeat, int rounds) {
    std::vector<double> program, wall;
    for (int r = 0; r < rounds; ++r) {
        const auto start = std::chrono::steady_clock::now();
        program.push_back(one_round());
        const auto elapsed = std::chrono::steady_clock::now() - start;
        wall.push_back(std::chrono::duration<double, std::nano>(elapsed).count() / repeat);
    }
    return {median(program), median(wall)};
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> sources;
    std::uint32_t repeat = 1'000'000;
    int rounds = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--trails" && i + 1 < argc) {
            sources.emplace_back(argv[++i]);
        } else if (arg == "--repeat" && i + 1 < argc) {
            repeat = static_cast<std::uint32_t>(std::stoul(argv[++i]));
        } else if (arg == "--rounds" && i + 1 < argc) {
            rounds = std::stoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: xdp_bench [--trails PATH]... [--repeat N] [--rounds R]\n");
            return 2;
        }
    }
    if (sources.empty()) {
        const auto repo = std::filesystem::path(SPOOR_SOURCE_DIR);
        sources.push_back(repo / "../shared/data/maltrail/static-trails.tar.xz");
    }

    const auto t0 = std::chrono::steady_clock::now();
    const auto trails =
        spoor::app::load_trail_sources({sources.begin(), sources.end()}, false).store;
    const auto t1 = std::chrono::steady_clock::now();
    spoor::bpf::SensorObject sensor({});
    spoor::bpf::TrailMaps maps(sensor);
    const auto gen = maps.install(*trails);
    const auto t2 = std::chrono::steady_clock::now();
    const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::printf(
        "trails: %zu indicators (ip %zu, cidr %zu, ipport %zu) loaded in %.2f s, "
        "kernel tables built in %.2f s, %.1f MiB of maps\n",
        trails->total(), gen.exact4 + gen.exact6, gen.prefix4 + gen.prefix6, gen.ipport,
        secs(t0, t1), secs(t1, t2),
        static_cast<double>(sensor.map_memory_bytes() + gen.memory_bytes) / (1 << 20));

    // A listed address from the loaded set, so the hit path is real.
    std::string listed;
    trails->for_each_ip([&](const spoor::IpAddress& addr, std::uint32_t) {
        if (listed.empty() && addr.is_v4()) {
            listed = addr.to_string();
        }
    });
    if (listed.empty()) {
        std::fprintf(stderr, "xdp_bench: no IPv4 trail in the given set\n");
        return 1;
    }

    const std::unique_ptr<bench_xdp_pass, decltype(&bench_xdp_pass__destroy)> pass(
        bench_xdp_pass__open_and_load(), &bench_xdp_pass__destroy);
    if (!pass) {
        std::fprintf(stderr, "xdp_bench: cannot load the XDP_PASS program (root?)\n");
        return 1;
    }
    const int pass_fd = bpf_program__fd(pass->progs.bench_xdp_pass);
    auto run_pass = [&](const Frame& frame) {
        return measure(
            [&] {
                LIBBPF_OPTS(bpf_test_run_opts, opts);
                opts.data_in = frame.data();
                opts.data_size_in = static_cast<__u32>(frame.size());
                opts.repeat = repeat;
                bpf_prog_test_run_opts(pass_fd, &opts);
                return opts.duration;
            },
            repeat, rounds);
    };
    auto run_sensor = [&](const Frame& frame) {
        return measure(
            [&] {
                return spoor::bpf::test_run(sensor, spoor::bpf::Hook::Xdp, frame, 0, repeat)
                    .duration_ns;
            },
            repeat, rounds);
    };

    struct Case {
        const char* name;
        Frame frame;
    };
    const std::vector<Case> cases = {
        {"miss, 64 B ACK", tcp_frame("10.10.1.10", "10.20.2.20", 0)},
        {"miss, 1400 B data", tcp_frame("10.10.1.10", "10.20.2.20", 1346)},
        {"hit (dest listed), deduplicated after the first", tcp_frame("10.10.1.10", listed, 0)},
    };
    std::printf("%-48s %21s %21s\n", "", "program (kernel avg)", "wall per packet");
    std::printf("%-48s %7s %7s %6s %7s %7s %6s\n", "case", "ns", "pass", "ratio", "ns", "pass",
                "ratio");
    for (const auto& c : cases) {
        const Cost base = run_pass(c.frame);
        const Cost cost = run_sensor(c.frame);
        std::printf("%-48s %7.1f %7.1f %5.2fx %7.2f %7.2f %5.2fx\n", c.name, cost.program_ns,
                    base.program_ns, cost.program_ns / base.program_ns, cost.wall_ns, base.wall_ns,
                    cost.wall_ns / base.wall_ns);
    }
    std::printf("(median of %d rounds x %u repetitions; BPF_PROG_TEST_RUN, XDP)\n", rounds, repeat);
    return 0;
}
