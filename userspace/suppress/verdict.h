// What the suppression stage hands on for one alert, or for one throttle window.
#pragma once

#include <string>

#include "detect/alert.h"

namespace spoor::suppress {

struct Verdict {
    // An alert to write. A throttle summary is an alert whose `summary` is set.
    detect::Alert alert;
    // Empty: write it as an alert. Otherwise the name of the ignore rule that matched it: the
    // alert is only written under --show-suppressed, as EVE event_type "suppressed".
    std::string suppressed_by;

    bool suppressed() const { return !suppressed_by.empty(); }
};

}  // namespace spoor::suppress
