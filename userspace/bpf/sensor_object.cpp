#include "bpf/sensor_object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <xdp/libxdp.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "spoor_bpf.skel.h"

namespace spoor::bpf {

const char* counter_name(int counter) {
    static constexpr const char* kNames[SPOOR_CNT_MAX] = {
        "packets",          "bytes",        "non_ip",      "malformed",       "fragments",
        "records",          "record_bytes", "reason_hit",  "reason_dns",      "reason_flow_start",
        "reason_http",      "reason_tls",   "reason_quic", "reason_followup", "hits",
        "dedup_suppressed", "ring_full",
    };
    return counter >= 0 && counter < SPOOR_CNT_MAX ? kNames[counter] : "unknown";
}

std::string errno_text(int err) {
    char buf[256] = {};
    libbpf_strerror(err, buf, sizeof(buf));
    return buf;
}

namespace {

// libbpf and libxdp print through vprintf-style callbacks; forward each line.
int forward_log(spdlog::level::level_enum level, const char* format, va_list args) {
    char buf[1024];
    const int n = std::vsnprintf(buf, sizeof(buf), format, args);
    if (n <= 0) {
        return n;
    }
    std::string_view line(buf, std::min<std::size_t>(n, sizeof(buf) - 1));
    while (!line.empty() && line.back() == '\n') {
        line.remove_suffix(1);
    }
    spdlog::log(level, "{}", line);
    return n;
}

int libbpf_log(enum libbpf_print_level level, const char* format, va_list args) {
    switch (level) {
        case LIBBPF_WARN:
            return forward_log(spdlog::level::warn, format, args);
        case LIBBPF_INFO:
            return forward_log(spdlog::level::debug, format, args);
        default:
            return forward_log(spdlog::level::trace, format, args);
    }
}

int libxdp_log(enum libxdp_print_level level, const char* format, va_list args) {
    return forward_log(level == LIBXDP_WARN ? spdlog::level::warn : spdlog::level::debug, format,
                       args);
}

}  // namespace

void route_library_logs() {
    static std::once_flag once;
    std::call_once(once, [] {
        libbpf_set_print(libbpf_log);
        libxdp_set_print(libxdp_log);
    });
}

SensorObject::SensorObject(const SensorConfig& config) : config_(config) {
    route_library_logs();
    if (config.snaplen == 0 || config.snaplen > SPOOR_SNAP_MAX) {
        throw std::invalid_argument("snaplen must be 1.." + std::to_string(SPOOR_SNAP_MAX));
    }
    skel_ = spoor_bpf__open();
    if (skel_ == nullptr) {
        throw std::runtime_error("cannot open the BPF object: " + errno_text(-errno));
    }
    auto& cfg = skel_->rodata->spoor_cfg;
    cfg.snaplen = config.snaplen;
    cfg.drop_after_inspect = config.drop_after_inspect ? 1 : 0;
    cfg.dedup_window_ns = config.dedup_window_ns;
    cfg.wakeup_bytes = config.wakeup_bytes;
    if (const int err = spoor_bpf__load(skel_); err != 0) {
        spoor_bpf__destroy(skel_);
        skel_ = nullptr;
        throw std::runtime_error(
            "cannot load the BPF object: " + errno_text(err) +
            (err == -EPERM ? " (spoor needs root or CAP_BPF+CAP_NET_ADMIN)" : ""));
    }
}

SensorObject::~SensorObject() {
    spoor_bpf__destroy(skel_);
}

int SensorObject::xdp_prog_fd() const {
    return bpf_program__fd(skel_->progs.spoor_xdp);
}

int SensorObject::tc_prog_fd() const {
    return bpf_program__fd(skel_->progs.spoor_tc_egress);
}

namespace {
std::uint32_t prog_id(int fd) {
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}
}  // namespace

std::uint32_t SensorObject::xdp_prog_id() const {
    return prog_id(xdp_prog_fd());
}

std::uint32_t SensorObject::tc_prog_id() const {
    return prog_id(tc_prog_fd());
}

int SensorObject::ring_fd() const {
    return bpf_map__fd(skel_->maps.records);
}

std::vector<std::uint64_t> SensorObject::read_counters() const {
    const int cpus = libbpf_num_possible_cpus();
    std::vector<spoor_counters> per_cpu(cpus > 0 ? cpus : 1);
    std::vector<std::uint64_t> totals(SPOOR_CNT_MAX, 0);
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &key, per_cpu.data()) == 0) {
        for (const auto& cpu : per_cpu) {
            for (int i = 0; i < SPOOR_CNT_MAX; ++i) {
                totals[i] += cpu.c[i];
            }
        }
    }
    return totals;
}

void SensorObject::set_test_clock(std::uint64_t ns) {
    __atomic_store_n(&skel_->bss->spoor_rt.test_clock_ns, ns, __ATOMIC_RELEASE);
}

std::uint64_t SensorObject::map_memory_bytes() const {
    std::uint64_t total = 0;
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, skel_->obj) {
        total += map_memlock_bytes(bpf_map__fd(map));
    }
    return total;
}

std::uint64_t map_memlock_bytes(int map_fd) {
    std::ifstream in("/proc/self/fdinfo/" + std::to_string(map_fd));
    std::string key;
    std::uint64_t value = 0;
    while (in >> key) {
        if (key == "memlock:") {
            in >> value;
            return value;
        }
        in.ignore(1 << 12, '\n');
    }
    return 0;
}

}  // namespace spoor::bpf
