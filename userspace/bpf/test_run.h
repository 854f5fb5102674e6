// Running frames through the loaded programs with BPF_PROG_TEST_RUN: the
// kernel's own verdict and records without an interface. Used by the bpf
// test tier, the benchmarks and (later) `replay --kernel`.
#pragma once

#include <cstdint>
#include <span>

namespace spoor::bpf {

class SensorObject;

struct TestRunResult {
    std::uint32_t verdict = 0;      // XDP_* or TC_ACT_*
    std::uint32_t duration_ns = 0;  // kernel's average per repetition
};

enum class Hook { Xdp, TcEgress };

// Runs `frame` through the program of `hook` `repeat` times with the packet clock at
// `packet_time_ns`. Throws std::runtime_error when the kernel refuses the run.
TestRunResult test_run(SensorObject& object, Hook hook, std::span<const std::uint8_t> frame,
                       std::uint64_t packet_time_ns, std::uint32_t repeat = 1);

}  // namespace spoor::bpf
