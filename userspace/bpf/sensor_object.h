// The loaded sensor BPF object (skeleton), its configuration and the
// libbpf objects around it. Owning wrappers only: every fd, link and the
// skeleton itself are released by destructors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spoor/abi.h"

struct spoor_bpf;
struct ring_buffer;

namespace spoor::bpf {

struct SensorConfig {
    std::uint32_t snaplen = SPOOR_SNAP_DEFAULT;
    bool drop_after_inspect = false;  // --mirror
    std::uint64_t dedup_window_ns = 60ull * 1000 * 1000 * 1000;
    std::uint64_t wakeup_bytes = 256 * 1024;
};

// Stable snake_case name of a kernel counter (enum spoor_counter), as shown by `spoor stats`.
const char* counter_name(int counter);

// libbpf error text for a negative errno return.
std::string errno_text(int err);

// Routes libbpf's and libxdp's own log lines into spdlog (once per process).
void route_library_logs();

class SensorObject {
  public:
    // Opens, configures and loads the embedded object. Throws std::runtime_error
    // with libbpf's reason (e.g. missing privileges) on failure.
    explicit SensorObject(const SensorConfig& config);
    ~SensorObject();
    SensorObject(const SensorObject&) = delete;
    SensorObject& operator=(const SensorObject&) = delete;

    spoor_bpf& skel() { return *skel_; }
    const SensorConfig& config() const { return config_; }

    int xdp_prog_fd() const;
    int tc_prog_fd() const;
    int ring_fd() const;
    // Kernel ids of the programs (for `bpftool prog show id N`).
    std::uint32_t xdp_prog_id() const;
    std::uint32_t tc_prog_id() const;

    // Kernel counters summed over CPUs, indexed by enum spoor_counter.
    std::vector<std::uint64_t> read_counters() const;

    // The packet-time clock under BPF_PROG_TEST_RUN (0: use bpf_ktime_get_ns).
    void set_test_clock(std::uint64_t ns);

    // Bytes the kernel charges for the object's own maps (from /proc fdinfo memlock).
    std::uint64_t map_memory_bytes() const;

  private:
    SensorConfig config_;
    spoor_bpf* skel_ = nullptr;
};

// Sum of "memlock:" of a BPF map fd, read from /proc/self/fdinfo (0 if unknown).
std::uint64_t map_memlock_bytes(int map_fd);

}  // namespace spoor::bpf
