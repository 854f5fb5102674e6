#include "suppress/throttle.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace spoor::suppress {

namespace {

ThrottleConfig checked(ThrottleConfig config) {
    if (config.max_per_window > 0 && (config.window_ns == 0 || config.max_keys == 0)) {
        throw std::invalid_argument("throttle: the window and the number of keys must be > 0");
    }
    return config;
}

// The window key: the family and 16 address bytes of the host the alert is about (the client,
// for an alert made of what a server sent: keyed by the server, every client asking for one
// sinkholed name would share a window, and the summary would lose which hosts asked), then
// the trail type, a NUL (no type holds one) and the trail text.
void build_key(const detect::Alert& alert, std::string& key) {
    const IpAddress& source = alert.from_server ? alert.dst : alert.src;
    key.clear();
    key.push_back(static_cast<char>(source.family));
    key.append(reinterpret_cast<const char*>(source.bytes.data()), source.bytes.size());
    key.append(alert.trail_type);
    key.push_back('\0');
    key.append(alert.trail);
}

}  // namespace

Throttle::Throttle(ThrottleConfig config) : config_(checked(config)) {}

void Throttle::admit(detect::Alert&& alert, std::vector<Verdict>& out) {
    if (config_.max_per_window == 0) {
        out.push_back({std::move(alert), {}});
        return;
    }
    tick(alert.timestamp_ns, out);
    build_key(alert, key_);
    auto it = windows_.find(key_);
    if (it == windows_.end()) {
        if (windows_.size() >= config_.max_keys) {
            close_oldest(out);
            closed_early_.fetch_add(1, std::memory_order_relaxed);
        }
        it = windows_.emplace(key_, Window{}).first;
        it->second.end_ns = clock_ + config_.window_ns;
        order_.push_back(&*it);
        publish_size();
    }
    Window& w = it->second;
    if (w.passed < config_.max_per_window) {
        ++w.passed;
        out.push_back({std::move(alert), {}});
        return;
    }
    const std::uint64_t t = alert.timestamp_ns;
    if (w.held == 0) {
        w.first_ns = w.last_ns = t;
        w.first_held = std::move(alert);
    } else {
        w.first_ns = std::min(w.first_ns, t);
        w.last_ns = std::max(w.last_ns, t);
    }
    ++w.held;
    held_.fetch_add(1, std::memory_order_relaxed);
}

void Throttle::tick(std::uint64_t now_ns, std::vector<Verdict>& out) {
    clock_ = std::max(clock_, now_ns);
    // A window ending at t holds alerts before t: one at t opens the key's next window.
    while (!order_.empty() && order_.front()->second.end_ns <= clock_) {
        close_oldest(out);
    }
}

void Throttle::flush(std::vector<Verdict>& out) {
    while (!order_.empty()) {
        close_oldest(out);
    }
}

void Throttle::close_oldest(std::vector<Verdict>& out) {
    const auto it = windows_.find(order_.front()->first);
    order_.pop_front();
    Window& w = it->second;
    if (w.held > 0) {
        detect::Alert summary = std::move(*w.first_held);
        summary.summary = detect::Alert::Summary{w.held, w.first_ns, w.last_ns};
        summary.timestamp_ns = w.last_ns;
        out.push_back({std::move(summary), {}});
        summaries_.fetch_add(1, std::memory_order_relaxed);
    }
    windows_.erase(it);
    publish_size();
}

void Throttle::publish_size() {
    open_windows_.store(windows_.size(), std::memory_order_relaxed);
}

ThrottleStats Throttle::stats() const {
    ThrottleStats s;
    s.held = held_.load(std::memory_order_relaxed);
    s.summaries = summaries_.load(std::memory_order_relaxed);
    s.closed_early = closed_early_.load(std::memory_order_relaxed);
    s.open_windows = open_windows_.load(std::memory_order_relaxed);
    return s;
}

}  // namespace spoor::suppress
