#include "bpf/test_run.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <stdexcept>

#include "bpf/sensor_object.h"

namespace spoor::bpf {

TestRunResult test_run(SensorObject& object, Hook hook, std::span<const std::uint8_t> frame,
                       std::uint64_t packet_time_ns, std::uint32_t repeat) {
    object.set_test_clock(packet_time_ns);
    // No data_out: the kernel copies the packet back only when asked, and nothing reads it.
    LIBBPF_OPTS(bpf_test_run_opts, opts);
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<__u32>(frame.size());
    opts.repeat = repeat;
    const int fd = hook == Hook::Xdp ? object.xdp_prog_fd() : object.tc_prog_fd();
    if (bpf_prog_test_run_opts(fd, &opts) != 0) {
        throw std::runtime_error("BPF_PROG_TEST_RUN failed: " + errno_text(-errno));
    }
    return {opts.retval, opts.duration};
}

}  // namespace spoor::bpf
