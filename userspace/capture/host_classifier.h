// The classifier of bpf/lib compiled for the host, over userspace copies of
// the kernel's tables (trail maps, prefilter, dedup, UDP triples, follow-ups):
// for each frame it decides exactly what the XDP program would, and builds
// the same record. Replay runs captures through it without root.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "bpf/sensor_object.h"
#include "spoor/abi.h"
#include "trails/trail_store.h"

namespace spoor::capture {

struct HostTables;

class HostClassifier {
  public:
    HostClassifier(std::shared_ptr<const trails::TrailStore> trails,
                   const bpf::SensorConfig& config);
    ~HostClassifier();
    HostClassifier(const HostClassifier&) = delete;
    HostClassifier& operator=(const HostClassifier&) = delete;

    // Classifies one Ethernet frame at packet time `time_ns` (ns since the epoch). When the
    // frame leaves "the kernel", `record` receives header + snap bytes and the call returns true.
    bool classify(std::span<const std::uint8_t> frame, std::uint64_t time_ns,
                  std::vector<std::uint8_t>& record);

    const spoor_counters& counters() const;

  private:
    std::unique_ptr<HostTables> tables_;
};

}  // namespace spoor::capture
