// BPF test harness: the real sensor object loaded into the kernel, frames in
// through BPF_PROG_TEST_RUN, verdict + ring records + counter deltas out.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "bpf/sensor_object.h"
#include "bpf/test_run.h"
#include "bpf/trail_maps.h"
#include "spoor/abi.h"
#include "trails/trail_set.h"

namespace spoor::test {

struct Record {
    spoor_record header;
    std::vector<std::uint8_t> data;
};

struct Outcome {
    std::uint32_t verdict = 0;
    std::vector<Record> records;
    std::vector<std::uint64_t> counters;  // delta over this run, by enum spoor_counter

    std::uint64_t counter(int c) const { return counters.at(c); }
    const Record& only_record() const {
        if (records.size() != 1) {
            throw std::runtime_error("expected exactly one record, got " +
                                     std::to_string(records.size()));
        }
        return records.front();
    }
};

class SensorHarness {
  public:
    explicit SensorHarness(const bpf::SensorConfig& config = {}) : object_(config), maps_(object_) {
        ring_ = ring_buffer__new(object_.ring_fd(), &SensorHarness::on_record, this, nullptr);
        if (ring_ == nullptr) {
            throw std::runtime_error("ring_buffer__new failed");
        }
    }
    ~SensorHarness() { ring_buffer__free(ring_); }

    bpf::GenerationStats install(const trails::TrailSet& set) {
        return maps_.install(*trails::store_of(set));
    }
    bpf::SensorObject& object() { return object_; }

    Outcome run(std::span<const std::uint8_t> frame, std::uint64_t time_ns,
                bpf::Hook hook = bpf::Hook::Xdp) {
        const auto before = object_.read_counters();
        pending_.clear();
        Outcome out;
        out.verdict = bpf::test_run(object_, hook, frame, time_ns).verdict;
        ring_buffer__consume(ring_);
        out.records = std::move(pending_);
        const auto after = object_.read_counters();
        for (std::size_t i = 0; i < after.size(); ++i) {
            out.counters.push_back(after[i] - before[i]);
        }
        return out;
    }

  private:
    static int on_record(void* ctx, void* data, std::size_t size) {
        auto* self = static_cast<SensorHarness*>(ctx);
        Record r;
        std::memcpy(&r.header, data, sizeof(r.header));
        const auto* bytes = static_cast<const std::uint8_t*>(data) + sizeof(r.header);
        r.data.assign(bytes, bytes + (size - sizeof(r.header)));
        self->pending_.push_back(std::move(r));
        return 0;
    }

    bpf::SensorObject object_;
    bpf::TrailMaps maps_;
    ring_buffer* ring_ = nullptr;
    std::vector<Record> pending_;
};

}  // namespace spoor::test
