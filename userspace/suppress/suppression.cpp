#include "suppress/suppression.h"

#include <utility>

namespace spoor::suppress {

Suppression::Suppression(const SuppressionConfig& config)
    : Suppression(IgnoreRules::load(config.ignore_files), config.show_suppressed, config.throttle) {
}

Suppression::Suppression(IgnoreRules rules, bool show_suppressed, ThrottleConfig throttle)
    : rules_(std::move(rules)), show_suppressed_(show_suppressed), throttle_(throttle) {}

void Suppression::admit(detect::Alert&& alert, std::vector<Verdict>& out) {
    alerts_in_.fetch_add(1, std::memory_order_relaxed);
    // Time moves on whatever becomes of the alert: windows that ended go out first.
    throttle_.tick(alert.timestamp_ns, out);
    if (const std::string* rule = rules_.match(alert)) {
        suppressed_.fetch_add(1, std::memory_order_relaxed);
        if (show_suppressed_) {
            out.push_back({std::move(alert), *rule});
        }
        return;
    }
    throttle_.admit(std::move(alert), out);
}

void Suppression::tick(std::uint64_t now_ns, std::vector<Verdict>& out) {
    throttle_.tick(now_ns, out);
}

void Suppression::flush(std::vector<Verdict>& out) {
    throttle_.flush(out);
}

SuppressionStats Suppression::stats() const {
    SuppressionStats s;
    s.alerts_in = alerts_in_.load(std::memory_order_relaxed);
    s.suppressed = suppressed_.load(std::memory_order_relaxed);
    s.rules = rules_.counts();
    s.throttle = throttle_.stats();
    return s;
}

}  // namespace spoor::suppress
