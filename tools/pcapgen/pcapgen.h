// spoor-pcapgen's parts: the options, the capture writer (pcapgen.cpp) and the traffic mixes
// (pcapgen_mix.cpp).
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "frame_builder.h"

namespace spoor::pcapgen {

enum class Mix { bulk, candidate, fixture };

// A --listed entry, as a trail would name it.
struct Listed {
    std::string text;
    IpAddress addr;          // the address; for a prefix, one inside it
    int prefix = -1;         // CIDR length, -1 for a single address
    std::uint16_t port = 0;  // IP:port, 0 for none
};

struct Options {
    std::string output;
    std::uint64_t packets = 1000;
    Mix mix = Mix::bulk;
    std::uint64_t seed = 1;
    std::uint64_t start = 1767225600;  // 2026-01-01T00:00:00Z
    bool vlan = false;
    unsigned ipv6_share = 10;  // percent of flows
    std::uint32_t flows = 1000;
    std::vector<Listed> listed;
};

// Writes frames in capture order on a packet clock and counts them per class.
class Writer {
  public:
    explicit Writer(const Options& opt);  // throws std::runtime_error when the file cannot open
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // `cls` names what the frame stands for in the summary (a string literal: it is kept).
    void emit(std::string_view cls, test::FrameSpec spec);
    void close();  // throws std::runtime_error on a write error
    std::string summary() const;

  private:
    const Options& opt_;
    pcap_t* pcap_ = nullptr;
    pcap_dumper_t* dumper_ = nullptr;
    test::Rng clock_rng_;
    std::uint64_t now_ns_;
    std::uint64_t packets_ = 0;
    std::uint64_t bytes_ = 0;
    std::vector<std::pair<std::string_view, std::uint64_t>> classes_;  // in order of first use
};

void generate(const Options& opt, Writer& out);

}  // namespace spoor::pcapgen
