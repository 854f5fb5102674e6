// The analysis stage: records in (from the ring, later from pcap replay),
// alert lines out. Decodes each record with the shared parser, turns its
// trail hits into alerts, formats them as EVE and hands them to the outputs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capture/record_batch.h"
#include "detect/alert.h"
#include "output/fanout.h"
#include "trails/trail_set.h"

namespace spoor::app {

struct AnalyzerStats {
    std::atomic<std::uint64_t> records{0};
    std::atomic<std::uint64_t> bad_records{0};  // shorter than their header says
    std::atomic<std::uint64_t> undecodable{0};  // frame the parser rejects
    std::atomic<std::uint64_t> alerts{0};
};

class Analyzer {
  public:
    using IfaceName = std::function<std::string(std::uint32_t ifindex)>;

    // `host` names the sensor in alerts (empty: the host name). `clock_offset_ns` turns record
    // time into Unix time (live: CLOCK_MONOTONIC to realtime; replay: 0).
    Analyzer(std::shared_ptr<const trails::TrailSet> trails, output::Fanout& fanout,
             std::string host, IfaceName iface_name, std::int64_t clock_offset_ns);

    void process(const capture::RecordBatch& batch);
    void process_record(std::span<const std::uint8_t> bytes);

    const AnalyzerStats& stats() const { return stats_; }

  private:
    std::shared_ptr<const trails::TrailSet> trails_;
    output::Fanout& fanout_;
    std::string host_;
    IfaceName iface_name_;
    std::int64_t clock_offset_ns_;
    AnalyzerStats stats_;
    std::vector<detect::Alert> alerts_;  // reused across records
};

}  // namespace spoor::app
