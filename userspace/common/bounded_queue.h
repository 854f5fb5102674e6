// A bounded multi-producer/single-consumer queue that never blocks the
// producer: when full, push() drops the item and counts it (DESIGN.md
// "Backpressure"). The consumer waits with a timeout so it can also run
// periodic work (idle ticks, flushes).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace spoor {

template <typename T>
class BoundedQueue {
  public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

    // False (and counted in dropped()) when the queue is full or closed.
    bool push(T item) {
        {
            std::lock_guard lock(mutex_);
            if (closed_ || items_.size() >= capacity_) {
                dropped_.fetch_add(1, std::memory_order_relaxed);
                return false;
            }
            items_.push_back(std::move(item));
        }
        ready_.notify_one();
        return true;
    }

    // The next item, or nullopt after `timeout` or once closed and drained.
    std::optional<T> pop(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) {
            return std::nullopt;
        }
        T item = std::move(items_.front());
        items_.pop_front();
        return item;
    }

    // Producers stop; the consumer drains what is left and then sees nullopt.
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

    bool empty() const {
        std::lock_guard lock(mutex_);
        return items_.empty();
    }

    bool closed_and_empty() const {
        std::lock_guard lock(mutex_);
        return closed_ && items_.empty();
    }

    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    std::size_t capacity() const { return capacity_; }

  private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<T> items_;
    bool closed_ = false;
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace spoor
