// Consumer of the kernel's record ring buffer. The kernel wakes it only past
// a pending-bytes threshold, so it also drains on a timeout: records on a
// quiet link wait at most one poll interval.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "capture/record_batch.h"
#include "common/bounded_queue.h"

struct ring_buffer;

namespace spoor::capture {

struct RingStats {
    std::atomic<std::uint64_t> records{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> dropped{0};  // analysis queue full
};

class RingReader {
  public:
    // Throws std::runtime_error when the ring cannot be mapped.
    RingReader(int ring_fd, BoundedQueue<RecordBatch>& queue, RingStats& stats);
    ~RingReader();
    RingReader(const RingReader&) = delete;
    RingReader& operator=(const RingReader&) = delete;

    // Waits up to `timeout` for a wake-up, then moves everything pending to the queue.
    void poll(std::chrono::milliseconds timeout);

  private:
    static int on_record(void* ctx, void* data, std::size_t size);
    void flush_batch();

    ring_buffer* ring_ = nullptr;
    BoundedQueue<RecordBatch>& queue_;
    RingStats& stats_;
    RecordBatch batch_;
};

}  // namespace spoor::capture
