// Ignore rules: the operator's standing exceptions ("this scanner is ours", "that trail is a
// false positive on our proxy"). An alert that a rule matches is not written (or written as
// suppressed, with the rule's name, under --show-suppressed).
//
// Rule files come in two formats, chosen by the file name:
//
// * YAML (any name not ending in ".txt"): a mapping whose `rules:` key holds a list of rules.
//   Each rule is a mapping of
//     name       optional; "rule N" by default, N counting every rule loaded, from 1
//     src, dst   an address, a prefix ("10.0.0.0/8", "fd00::/8") or a list of them
//     src_port,
//     dst_port   a port (0..65535) or a list; matches TCP and UDP alerts only
//     trail      the trail's text, whole, any case
//     heuristic  Alert::heuristic ("port-scan", "dga", ...), any case
//     type       the trail type: IP, IPORT, CIDR, DNS, URL, HTTP, UA, PATH, PORT, CERT, SNI, JA4
//     expires    "2027-01-31T00:00:00Z" (seconds may carry a fraction) or "2027-01-31"
//                (midnight UTC): alerts at or after that packet time no longer match
//     match      a regular expression (PCRE syntax as Hyperscan reads it: no backreferences
//                or lookaround), any case, searched in the trail, the info, the HTTP host,
//                URL and user agent, the DNS query name and the TLS SNI
//   Every field a rule names must match; a rule that names none is refused. A file with
//   nothing in it, or `rules:` with nothing under it, holds no rules.
//
// * Maltrail's ignore_events.txt (a name ending in ".txt"): `src_ip;src_port;dst_ip;dst_port`
//   per line, `*` for any, `#` starts a comment. Each line is the rule with those fields
//   (where Maltrail compares address text, an address field may also be a prefix here).
//
// Rules are tried in load order; the first that matches takes the alert and counts it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "detect/alert.h"

namespace spoor::suppress {

// A rule file that cannot be used. The message reads "<file>:<line>: <key>: <why>"; `line`
// counts from 1 (0: the file could not be read at all), `key` is empty where no single key is
// at fault (YAML syntax, a rule that names nothing, a Maltrail line without four fields).
class IgnoreRuleError : public std::invalid_argument {
  public:
    IgnoreRuleError(std::string file, std::size_t line, std::string key, const std::string& why);

    const std::string& file() const { return file_; }
    std::size_t line() const { return line_; }
    const std::string& key() const { return key_; }

  private:
    std::string file_;
    std::size_t line_;
    std::string key_;
};

struct RuleCount {
    std::string name;
    std::uint64_t count = 0;
};

class IgnoreRules {
  public:
    // No rules: nothing matches.
    IgnoreRules();
    ~IgnoreRules();
    IgnoreRules(IgnoreRules&&) noexcept;
    IgnoreRules& operator=(IgnoreRules&&) noexcept;

    // Every file, in order. All or nothing: the first bad file, line or key throws
    // IgnoreRuleError, and so does a rule name given twice.
    static IgnoreRules load(const std::vector<std::string>& paths);
    // The text of one file; `file` names it in errors and picks its format.
    static IgnoreRules parse(std::string_view text, const std::string& file);

    // The name of the first rule that matches `alert`, whose count goes up; nullptr when none
    // does. From one thread at a time: the patterns share one Hyperscan scratch.
    const std::string* match(const detect::Alert& alert);

    std::size_t size() const;
    // Each rule's name and how many alerts it took, in rule order. Safe from any thread.
    std::vector<RuleCount> counts() const;

  private:
    struct State;
    explicit IgnoreRules(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
};

}  // namespace spoor::suppress
