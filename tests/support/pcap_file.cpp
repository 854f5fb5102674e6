#include "support/pcap_file.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace spoor::test {
namespace {

template <typename T>
void put(std::ofstream& out, T value) {
    out.write(reinterpret_cast<const char*>(&value), sizeof(value));  // host order, as pcap allows
}

}  // namespace

void write_pcap(const std::filesystem::path& path, const std::vector<TimedFrame>& frames,
                std::uint32_t link_type) {
    std::ofstream out(path, std::ios::binary);
    put<std::uint32_t>(out, 0xa1b23c4d);  // nanosecond-resolution pcap
    put<std::uint16_t>(out, 2);
    put<std::uint16_t>(out, 4);
    put<std::int32_t>(out, 0);
    put<std::uint32_t>(out, 0);
    put<std::uint32_t>(out, 65535);
    put<std::uint32_t>(out, link_type);
    for (const auto& f : frames) {
        put<std::uint32_t>(out, static_cast<std::uint32_t>(f.time_ns / 1'000'000'000));
        put<std::uint32_t>(out, static_cast<std::uint32_t>(f.time_ns % 1'000'000'000));
        put<std::uint32_t>(out, static_cast<std::uint32_t>(f.frame.size()));
        put<std::uint32_t>(out, static_cast<std::uint32_t>(f.frame.size()));
        out.write(reinterpret_cast<const char*>(f.frame.data()),
                  static_cast<std::streamsize>(f.frame.size()));
    }
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::abort();
    }
}

}  // namespace spoor::test
