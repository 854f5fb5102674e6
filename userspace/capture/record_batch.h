// Records moved from the ring consumer to analysis in batches: one
// allocation and one queue operation per poll, not per record.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace spoor::capture {

class RecordBatch {
  public:
    // Room for `bytes` of records, so that filling a batch allocates once.
    explicit RecordBatch(std::size_t bytes = 0) { bytes_.reserve(bytes); }

    void append(const void* data, std::uint32_t size) {
        const auto* length = reinterpret_cast<const std::uint8_t*>(&size);
        const auto* record = static_cast<const std::uint8_t*>(data);
        bytes_.insert(bytes_.end(), length, length + sizeof(size));
        bytes_.insert(bytes_.end(), record, record + size);
        ++count_;
    }

    std::size_t count() const { return count_; }
    std::size_t size_bytes() const { return bytes_.size(); }
    bool empty() const { return count_ == 0; }

    // Calls fn(std::span<const std::uint8_t>) for each record, in order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        std::size_t at = 0;
        while (at + sizeof(std::uint32_t) <= bytes_.size()) {
            std::uint32_t size;
            std::memcpy(&size, bytes_.data() + at, sizeof(size));
            at += sizeof(size);
            fn(std::span<const std::uint8_t>(bytes_.data() + at, size));
            at += size;
        }
    }

  private:
    std::vector<std::uint8_t> bytes_;
    std::size_t count_ = 0;
};

}  // namespace spoor::capture
