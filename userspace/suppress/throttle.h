// The alert throttle: a source that keeps hitting one trail (a beaconing implant, a scanner
// that comes back every few seconds) is written a few times per window, and the rest of the
// window is written as one summary alert, so a noisy host cannot bury the others.
//
// Per key (the source address — the client, for alerts made of a DNS answer, an HTTP
// response or a server certificate — and the trail: its type and text), a fixed window opens at the
// packet time of the key's first alert and lasts `window_ns`. Its first `max_per_window`
// alerts are written as they come; later ones are held: the window keeps only the first held
// alert, how many were held and the first and last of their times. When the window closes
// the first held alert is written once more as the summary, with Alert::summary = {count,
// first, last} and the LAST held alert's time as its timestamp (a time something was seen,
// never past the end of the capture). A window closes when packet time reaches its end: an
// alert of any key at or after the end (the summary goes out before that alert), a tick of
// the clock (a quiet link), or flush() at the end of the input. Nothing held is ever lost.
//
// Time is packet time only. Alerts arrive almost in time order (an HTTP alert is released up
// to a few seconds late); the throttle's clock is the latest time it has seen, and a window
// opened by a late alert starts at that clock, so windows stay in order of their end and
// close in the order they opened.
//
// Bounded: at most `max_keys` open windows. A new key when the table is full closes the oldest
// window early (its summary written if it held anything) and counts it. The table is keyed by
// addresses and trails that whoever sends the traffic picks: its hash is keyed with a secret
// drawn at start, so they cannot make keys collide on purpose. The hash decides no output.
//
// One thread; stats() from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/alert.h"
#include "common/hashing.h"
#include "suppress/verdict.h"

namespace spoor::suppress {

struct ThrottleConfig {
    std::size_t max_per_window = 3;  // 0: the throttle is off, every alert passes
    std::uint64_t window_ns = 60'000'000'000;
    std::size_t max_keys = 65'536;
};

struct ThrottleStats {
    std::uint64_t held = 0;          // alerts held back, each counted in a summary
    std::uint64_t summaries = 0;     // summary alerts written
    std::uint64_t closed_early = 0;  // windows closed before their end to make room
    std::uint64_t open_windows = 0;
};

class Throttle {
  public:
    // Throws std::invalid_argument when the throttle is on with a zero window or table.
    explicit Throttle(ThrottleConfig config = {});

    // Appends the summaries of the windows that end at or before the alert's time, then the
    // alert itself unless it is held.
    void admit(detect::Alert&& alert, std::vector<Verdict>& out);
    // Packet time has reached `now_ns`: appends the summaries of the windows that ended.
    void tick(std::uint64_t now_ns, std::vector<Verdict>& out);
    // Closes every window, appending the summaries of those that held alerts.
    void flush(std::vector<Verdict>& out);

    ThrottleStats stats() const;

  private:
    struct Window {
        std::uint64_t end_ns = 0;
        std::size_t passed = 0;
        std::uint64_t held = 0;
        std::uint64_t first_ns = 0;  // of the held alerts
        std::uint64_t last_ns = 0;
        std::optional<detect::Alert> first_held;  // the summary's template
    };
    // SipHash-1-3 under a key drawn at start.
    struct KeyedHash {
        std::size_t operator()(const std::string& key) const noexcept { return hash(key); }
        SipHash13 hash;
    };
    using Table = std::unordered_map<std::string, Window, KeyedHash>;

    // Closes the oldest window, appending its summary if it held anything.
    void close_oldest(std::vector<Verdict>& out);
    void publish_size();

    ThrottleConfig config_;
    std::uint64_t clock_ = 0;  // the latest packet time seen
    Table windows_;
    // The open windows in the order they opened, which is the order they end. Elements of an
    // unordered_map stay where they are when it rehashes.
    std::deque<Table::value_type*> order_;
    std::string key_;  // reused to build each alert's key
    std::atomic<std::uint64_t> held_{0};
    std::atomic<std::uint64_t> summaries_{0};
    std::atomic<std::uint64_t> closed_early_{0};
    std::atomic<std::uint64_t> open_windows_{0};
};

}  // namespace spoor::suppress
