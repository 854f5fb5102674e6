// Attack families in HTTP requests (SQL injection, remote code execution,
// directory traversal, ...), found by the project's own patterns in the
// request target, a URL-encoded body and the User-Agent after normalising them
// the way a server would read them: percent-decoding twice (double encoding,
// IIS's %u00XX, over-long UTF-8), '+' as a space in a query or form, '\' as
// '/', and Log4j's obfuscating lookups (${lower:j}, ${::-j}, ${env:X:-j}, ...)
// resolved to the characters they stand for. Matching ignores case. The
// patterns are compiled once and shared read-only; each analysis thread has a
// WebAttackMatcher.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detect/hyperscan.h"

namespace spoor::detect {

// Where an attack was found; `headers`: another header than User-Agent (jndi_lookup()).
enum class WebAttackField : std::uint8_t { target, body, user_agent, headers };

struct WebAttack {
    std::string_view family;  // one of WebAttackPatterns::families(): static text
    WebAttackField field;     // where it was found
};

class WebAttackPatterns {
  public:
    // Compiles the built-in patterns. Throws std::runtime_error naming the
    // pattern if Hyperscan refuses one (they are fixed: a test compiles them).
    WebAttackPatterns();

    // The families, most dangerous first: when a request shows several, find()
    // names the first. remote code execution, sql injection, xxe injection,
    // ssti injection, php injection, router dns changer, ldap injection, xml
    // injection, directory traversal, config file access, data leakage, xss
    // injection, web scanner probe.
    static std::span<const std::string_view> families();

  private:
    friend class WebAttackMatcher;

    // One database a field, of the patterns that apply to it (a path probe
    // means nothing in a User-Agent, Shellshock only starts a header).
    hyperscan::Database target_;
    hyperscan::Database body_;
    hyperscan::Database user_agent_;
    hyperscan::Scratch prototype_;  // fits all three; matchers clone it
};

class WebAttackMatcher {
  public:
    // Throws std::invalid_argument without patterns.
    explicit WebAttackMatcher(std::shared_ptr<const WebAttackPatterns> patterns);

    // The most dangerous family found in the request target (path and query as
    // sent), the URL-encoded body that came with the head, or the User-Agent
    // (empty ones are skipped); nullopt when none. On a tie the field first in
    // that order is named. Allocates nothing once its buffers have grown to
    // the longest input seen.
    std::optional<WebAttack> find(std::string_view target, std::string_view body,
                                  std::string_view user_agent);
    // Whether `raw` (a head's header lines, or a body) holds a Log4j JNDI lookup, however
    // obfuscated: attackers spray it into every header a server might log (Referer,
    // X-Api-Version, Cookie...) and into JSON fields, not only the User-Agent. Costs two
    // memchr when it holds neither '$' nor '%'.
    bool jndi_lookup(std::string_view raw);

  private:
    struct Scan;
    void scan(const hyperscan::Database& database, std::string_view raw, std::size_t plus_from,
              WebAttackField field, Scan& found);
    std::string_view normalise(std::string_view raw, std::size_t plus_from);

    std::shared_ptr<const WebAttackPatterns> patterns_;
    hyperscan::Scratch scratch_;
    // Reused from request to request, so that steady state allocates nothing.
    std::string once_;
    std::string twice_;
    std::string resolved_;
    std::vector<std::size_t> opens_;        // unclosed "${" while resolving
    bool too_deep_ = false;                 // the last normalise() met lookups nested too deep
    std::array<std::string, 4> parameter_;  // a name and a value, each decoded twice
};

}  // namespace spoor::detect
