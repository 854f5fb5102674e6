// Per-direction flow state of the application detectors (a DNS-over-TCP
// stream, an HTTP head spread over segments, a TLS handshake), bounded: when
// full, the flow used least recently is forgotten and counted. Such state
// lives only a few segments, so the oldest is the one least likely to get more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <utility>

#include "proto/packet.h"

namespace spoor::detect {

// One direction of a TCP or UDP flow: source to destination.
struct FlowDirection {
    IpAddress src, dst;
    std::uint16_t sport = 0, dport = 0;

    static FlowDirection of(const proto::Packet& packet) {
        return {packet.src, packet.dst, packet.src_port, packet.dst_port};
    }
    bool operator==(const FlowDirection&) const = default;
};

struct FlowDirectionHash {
    std::size_t operator()(const FlowDirection& k) const noexcept {
        const IpAddressHash h;
        return h(k.src) ^ (h(k.dst) * 31) ^ (static_cast<std::size_t>(k.sport) << 16 | k.dport);
    }
};

template <typename State>
class FlowTable {
  public:
    explicit FlowTable(std::size_t capacity) : capacity_(capacity) {}

    // The state of `key`, or null.
    State* find(const FlowDirection& key) {
        const auto it = index_.find(key);
        if (it == index_.end()) {
            return nullptr;
        }
        order_.splice(order_.begin(), order_, it->second);
        return &it->second->second;
    }

    // The state of `key`, made (from `args`) when absent.
    template <typename... Args>
    State& get(const FlowDirection& key, Args&&... args) {
        if (State* state = find(key)) {
            return *state;
        }
        if (index_.size() >= capacity_ && !order_.empty()) {
            index_.erase(order_.back().first);
            order_.pop_back();
            ++evicted_;
        }
        order_.emplace_front(std::piecewise_construct, std::forward_as_tuple(key),
                             std::forward_as_tuple(std::forward<Args>(args)...));
        index_.emplace(key, order_.begin());
        return order_.front().second;
    }

    void erase(const FlowDirection& key) {
        if (const auto it = index_.find(key); it != index_.end()) {
            order_.erase(it->second);
            index_.erase(it);
        }
    }

    // The state used least recently, or null when empty; then forgetting it.
    State* oldest() { return order_.empty() ? nullptr : &order_.back().second; }
    void pop_oldest() {
        if (!order_.empty()) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }

    bool full() const { return index_.size() >= capacity_; }
    std::size_t size() const { return index_.size(); }
    std::uint64_t evicted() const { return evicted_; }

  private:
    using Entry = std::pair<FlowDirection, State>;
    std::size_t capacity_;
    std::list<Entry> order_;  // most recently used first
    std::unordered_map<FlowDirection, typename std::list<Entry>::iterator, FlowDirectionHash>
        index_;
    std::uint64_t evicted_ = 0;
};

// The bytes of one TCP direction in order, from the segment that opened the
// state on. A retransmitted segment gives only its new bytes; a gap (a segment
// the sensor did not get) ends the stream, since what follows cannot be placed.
class TcpCursor {
  public:
    // The part of `payload` (starting at sequence number `seq`) that continues the
    // stream; empty for old bytes and after a gap.
    std::span<const std::uint8_t> take(std::uint32_t seq, std::span<const std::uint8_t> payload) {
        if (!started_) {
            started_ = true;
            next_ = seq;
        }
        // Serial number arithmetic (RFC 1982): `ahead` is negative for bytes already had.
        const auto ahead = static_cast<std::int32_t>(seq - next_);
        if (broken_ || ahead > 0) {
            broken_ = true;
            return {};
        }
        const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
        if (old >= payload.size()) {
            return {};
        }
        payload = payload.subspan(old);
        next_ += static_cast<std::uint32_t>(payload.size());
        return payload;
    }
    bool broken() const { return broken_; }

  private:
    std::uint32_t next_ = 0;
    bool started_ = false;
    bool broken_ = false;
};

}  // namespace spoor::detect
