// The suppression stage (DESIGN.md data flow: "-> suppression (whitelist, ignore rules,
// throttle)"): every alert, after all detectors and heuristics, in alert order, on one thread.
// Ignore rules come first, so an ignored alert never counts towards the throttle; the throttle
// then decides what of the rest is written now, held, or summed up when its window closes.
// Packet time only, so a replay gives the same lines as a live run.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "detect/alert.h"
#include "suppress/ignore_rules.h"
#include "suppress/throttle.h"
#include "suppress/verdict.h"

namespace spoor::suppress {

struct SuppressionConfig {
    std::vector<std::string> ignore_files;  // see ignore_rules.h for both formats
    // Write ignored alerts as EVE event_type "suppressed" instead of dropping them.
    bool show_suppressed = false;
    ThrottleConfig throttle;
};

struct SuppressionStats {
    std::uint64_t alerts_in = 0;
    std::uint64_t suppressed = 0;  // taken by an ignore rule (written or not)
    std::vector<RuleCount> rules;  // per rule, in rule order
    ThrottleStats throttle;
};

class Suppression {
  public:
    // Loads the rule files: throws IgnoreRuleError (file:line: key: why) on a bad one, and
    // std::invalid_argument on a bad throttle configuration.
    explicit Suppression(const SuppressionConfig& config);
    Suppression(IgnoreRules rules, bool show_suppressed, ThrottleConfig throttle);

    // One alert in. Appends to `out` the summaries of the throttle windows that closed before
    // its time, then the alert unless the throttle holds it or a rule ignores it (an ignored
    // alert is appended, marked with the rule's name, under show_suppressed).
    void admit(detect::Alert&& alert, std::vector<Verdict>& out);
    // Packet time has reached `now_ns` on a quiet link: windows that ended are summed up.
    void tick(std::uint64_t now_ns, std::vector<Verdict>& out);
    // End of the input or of the sensor: every window with held alerts is summed up.
    void flush(std::vector<Verdict>& out);

    // Safe from any thread.
    SuppressionStats stats() const;

  private:
    IgnoreRules rules_;
    bool show_suppressed_;
    Throttle throttle_;
    std::atomic<std::uint64_t> alerts_in_{0};
    std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace spoor::suppress
