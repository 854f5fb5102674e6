// Writes classic pcap files (nanosecond timestamps, Ethernet unless told) for tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace spoor::test {

struct TimedFrame {
    std::uint64_t time_ns;
    std::vector<std::uint8_t> frame;
};

// Link type 1 = Ethernet. Aborts the test binary if the file cannot be written.
void write_pcap(const std::filesystem::path& path, const std::vector<TimedFrame>& frames,
                std::uint32_t link_type = 1);

}  // namespace spoor::test
