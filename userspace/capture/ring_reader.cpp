#include "capture/ring_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "bpf/sensor_object.h"

namespace spoor::capture {
namespace {
// Hand a batch to analysis once it holds this much, even mid-drain.
constexpr std::size_t kBatchBytes = 1 << 20;
// What a new batch reserves: a quiet link's few records need no more, a busy one's batch
// doubles four times on its way to kBatchBytes.
constexpr std::size_t kBatchStartBytes = kBatchBytes / 16;
}  // namespace

RingReader::RingReader(int ring_fd, BoundedQueue<RecordBatch>& queue, RingStats& stats)
    : queue_(queue), stats_(stats) {
    ring_ = ring_buffer__new(ring_fd, &RingReader::on_record, this, nullptr);
    if (ring_ == nullptr) {
        throw std::runtime_error("cannot map the record ring buffer: " + bpf::errno_text(-errno));
    }
}

RingReader::~RingReader() {
    ring_buffer__free(ring_);
}

int RingReader::on_record(void* ctx, void* data, std::size_t size) {
    auto* self = static_cast<RingReader*>(ctx);
    self->batch_.append(data, static_cast<std::uint32_t>(size));
    if (self->batch_.size_bytes() >= kBatchBytes) {
        self->flush_batch();
    }
    return 0;
}

void RingReader::flush_batch() {
    if (batch_.empty()) {
        return;
    }
    // Counted once a batch rather than once a record: the reader's only shared writes.
    const auto count = batch_.count();
    stats_.records.fetch_add(count, std::memory_order_relaxed);
    stats_.bytes.fetch_add(batch_.size_bytes() - count * sizeof(std::uint32_t),
                           std::memory_order_relaxed);
    if (!queue_.push(std::move(batch_))) {
        stats_.dropped.fetch_add(count, std::memory_order_relaxed);
    }
    batch_ = RecordBatch(kBatchStartBytes);
}

void RingReader::poll(std::chrono::milliseconds timeout) {
    ring_buffer__poll(ring_, static_cast<int>(timeout.count()));
    // Records submitted without a wake-up are not seen by epoll: drain them too.
    ring_buffer__consume(ring_);
    flush_batch();
}

}  // namespace spoor::capture
