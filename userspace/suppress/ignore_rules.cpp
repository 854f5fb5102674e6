#include "suppress/ignore_rules.h"

#include <hs/hs.h>
#include <netinet/in.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "common/text.h"
#include "detect/hyperscan.h"
#include "detect/local_networks.h"

namespace spoor::suppress {

namespace {

using detect::hyperscan::Database;

constexpr std::array<std::string_view, 12> kTrailTypes = {
    "IP", "IPORT", "CIDR", "DNS", "URL", "HTTP", "UA", "PATH", "PORT", "CERT", "SNI", "JA4"};

struct Rule {
    std::string name;
    std::string file;  // where it was written, for the duplicate-name error
    std::size_t line = 0;
    // detect::LocalNetworks is a prefix set with a bare address as a single host, which is
    // what a rule's address field is.
    std::optional<detect::LocalNetworks> src;
    std::optional<detect::LocalNetworks> dst;
    std::vector<std::uint16_t> src_ports;  // empty: any
    std::vector<std::uint16_t> dst_ports;
    std::string trail;  // empty: any
    std::string heuristic;
    std::string type;
    std::optional<std::uint64_t> expires_ns;
    Database pattern;  // null: no `match`

    bool names_anything() const {
        // An expiry alone names no alert: such a rule would drop every alert until then.
        return src || dst || !src_ports.empty() || !dst_ports.empty() || !trail.empty() ||
               !heuristic.empty() || !type.empty() || pattern;
    }
};

bool fixed_digits(std::string_view text, std::size_t pos, std::size_t count, unsigned& out) {
    if (pos + count > text.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        out = out * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return true;
}

// "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SS[.fraction]Z", as nanoseconds since the
// epoch; nullopt for anything else, an impossible date included, or a year outside 1970..2261.
std::optional<std::uint64_t> parse_utc(std::string_view text) {
    using namespace std::chrono;
    unsigned y = 0, mo = 0, d = 0;
    if (!fixed_digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
        !fixed_digits(text, 5, 2, mo) || !fixed_digits(text, 8, 2, d)) {
        return std::nullopt;
    }
    const year_month_day date{year{static_cast<int>(y)}, month{mo}, day{d}};
    // Nanoseconds since the epoch in 64 bits end in April 2262.
    if (!date.ok() || date.year() < year{1970} || date.year() > year{2261}) {
        return std::nullopt;
    }
    auto ns = duration_cast<nanoseconds>(sys_days{date}.time_since_epoch()).count();
    if (text.size() == 10) {
        return static_cast<std::uint64_t>(ns);
    }
    unsigned h = 0, mi = 0, s = 0;
    if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        !fixed_digits(text, 11, 2, h) || !fixed_digits(text, 14, 2, mi) ||
        !fixed_digits(text, 17, 2, s) || h > 23 || mi > 59 || s > 59) {
        return std::nullopt;
    }
    ns += duration_cast<nanoseconds>(hours{h} + minutes{mi} + seconds{s}).count();
    std::size_t pos = 19;
    if (text[pos] == '.') {
        const std::size_t start = ++pos;
        std::int64_t scale = 100'000'000;
        for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
            // Digits past nanoseconds cannot change the time.
            ns += (text[pos] - '0') * scale;
            scale /= 10;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    if (pos + 1 != text.size() || text[pos] != 'Z') {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(ns);
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

// Builds rules from files of either format; names count over everything loaded.
class Loader {
  public:
    void add(std::string_view text, const std::string& file) {
        if (file.ends_with(".txt")) {
            add_maltrail(text, file);
        } else {
            add_yaml(text, file);
        }
    }

    // The rules, checked for names given twice.
    std::vector<Rule> finish() {
        std::unordered_map<std::string_view, const Rule*> names;
        for (const Rule& rule : rules_) {
            const auto [it, fresh] = names.emplace(rule.name, &rule);
            if (!fresh) {
                throw IgnoreRuleError(rule.file, rule.line, "name",
                                      "'" + rule.name + "' already names the rule at " +
                                          it->second->file + ":" +
                                          std::to_string(it->second->line));
            }
        }
        return std::move(rules_);
    }

  private:
    // A value of a rule: where it is, for errors.
    struct Value {
        std::string text;
        std::size_t line;
    };

    Rule new_rule(const std::string& file, std::size_t line) {
        Rule rule;
        rule.name = "rule " + std::to_string(rules_.size() + 1);
        rule.file = file;
        rule.line = line;
        return rule;
    }

    static detect::LocalNetworks addresses(const std::vector<Value>& values,
                                           const std::string& file, const std::string& key) {
        std::vector<std::string> texts;
        for (const auto& v : values) {
            try {
                detect::LocalNetworks one({v.text});
            } catch (const std::invalid_argument&) {
                throw IgnoreRuleError(file, v.line, key,
                                      "'" + v.text + "' is not an address or prefix");
            }
            texts.push_back(v.text);
        }
        return detect::LocalNetworks(texts);
    }

    static std::vector<std::uint16_t> ports(const std::vector<Value>& values,
                                            const std::string& file, const std::string& key) {
        std::vector<std::uint16_t> out;
        for (const auto& v : values) {
            const auto port = parse_port(v.text);
            if (!port) {
                throw IgnoreRuleError(file, v.line, key,
                                      "'" + v.text + "' is not a port (0..65535)");
            }
            out.push_back(*port);
        }
        return out;
    }

    // ---- YAML ----

    static std::size_t line_of(const YAML::Node& node, std::size_t fallback) {
        const int line = node.Mark().line;
        return line < 0 ? fallback : static_cast<std::size_t>(line) + 1;
    }

    static Value scalar(const YAML::Node& node, const std::string& file, const std::string& key,
                        std::size_t key_line) {
        const std::size_t line = line_of(node, key_line);
        if (!node.IsScalar()) {
            throw IgnoreRuleError(file, line, key, "expected a single value");
        }
        std::string text = node.Scalar();
        if (trim(text).empty()) {
            throw IgnoreRuleError(file, line, key, "empty value");
        }
        return {std::move(text), line};
    }

    // A value or a list of values.
    static std::vector<Value> scalars(const YAML::Node& node, const std::string& file,
                                      const std::string& key, std::size_t key_line) {
        if (!node.IsSequence()) {
            return {scalar(node, file, key, key_line)};
        }
        if (node.size() == 0) {
            throw IgnoreRuleError(file, line_of(node, key_line), key,
                                  "an empty list would match nothing");
        }
        std::vector<Value> out;
        for (const auto& element : node) {
            out.push_back(scalar(element, file, key, key_line));
        }
        return out;
    }

    static Database compile(const Value& pattern, const std::string& file) {
        const detect::hyperscan::Expression expression{pattern.text.c_str(),
                                                       HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, 0};
        auto compiled = detect::hyperscan::compile({&expression, 1}, "ignore rules");
        if (compiled.refused) {
            // Hyperscan's advice for this one names a flag the operator cannot set.
            const std::string why = compiled.error.starts_with("Pattern matches empty")
                                        ? "it matches empty text, so it would match every alert"
                                        : compiled.error;
            throw IgnoreRuleError(file, pattern.line, "match", "'" + pattern.text + "': " + why);
        }
        return std::move(compiled.database);
    }

    void add_yaml(std::string_view text, const std::string& file) {
        YAML::Node root;
        try {
            root = YAML::Load(std::string(text));
        } catch (const YAML::ParserException& e) {
            throw IgnoreRuleError(file, static_cast<std::size_t>(e.mark.line) + 1, "", e.msg);
        }
        if (root.IsNull()) {
            return;
        }
        if (!root.IsMap()) {
            throw IgnoreRuleError(file, line_of(root, 1), "",
                                  "expected a mapping with a 'rules:' list");
        }
        for (const auto& entry : root) {
            const std::string key = entry.first.Scalar();
            const std::size_t key_line = line_of(entry.first, 1);
            if (key != "rules") {
                throw IgnoreRuleError(file, key_line, key, "unknown key (expected 'rules')");
            }
            const YAML::Node& rules = entry.second;
            if (rules.IsNull()) {
                continue;
            }
            if (!rules.IsSequence()) {
                throw IgnoreRuleError(file, line_of(rules, key_line), key, "expected a list");
            }
            for (const auto& rule : rules) {
                add_yaml_rule(rule, file, key_line);
            }
        }
    }

    void add_yaml_rule(const YAML::Node& node, const std::string& file, std::size_t list_line) {
        const std::size_t line = line_of(node, list_line);
        if (!node.IsMap()) {
            throw IgnoreRuleError(file, line, "", "a rule is a mapping of fields");
        }
        Rule rule = new_rule(file, line);
        std::vector<std::string> seen;
        for (const auto& entry : node) {
            const std::string key = entry.first.Scalar();
            const std::size_t key_line = line_of(entry.first, line);
            const YAML::Node& value = entry.second;
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
                throw IgnoreRuleError(file, key_line, key, "given twice in one rule");
            }
            seen.push_back(key);
            if (key == "name") {
                rule.name = scalar(value, file, key, key_line).text;
            } else if (key == "src") {
                rule.src = addresses(scalars(value, file, key, key_line), file, key);
            } else if (key == "dst") {
                rule.dst = addresses(scalars(value, file, key, key_line), file, key);
            } else if (key == "src_port") {
                rule.src_ports = ports(scalars(value, file, key, key_line), file, key);
            } else if (key == "dst_port") {
                rule.dst_ports = ports(scalars(value, file, key, key_line), file, key);
            } else if (key == "trail") {
                assign_lower_ascii(scalar(value, file, key, key_line).text, rule.trail);
            } else if (key == "heuristic") {
                const Value name = scalar(value, file, key, key_line);
                assign_lower_ascii(name.text, rule.heuristic);
                if (std::find(detect::kHeuristicNames.begin(), detect::kHeuristicNames.end(),
                              rule.heuristic) == detect::kHeuristicNames.end()) {
                    std::string names;
                    for (const char* known : detect::kHeuristicNames) {
                        names += names.empty() ? known : std::string(", ") + known;
                    }
                    throw IgnoreRuleError(file, name.line, key,
                                          "'" + name.text + "' is not a heuristic (" + names + ")");
                }
            } else if (key == "type") {
                const Value type = scalar(value, file, key, key_line);
                const auto known = std::find_if(
                    kTrailTypes.begin(), kTrailTypes.end(),
                    [&type](std::string_view t) { return equals_ignoring_case(t, type.text); });
                if (known == kTrailTypes.end()) {
                    throw IgnoreRuleError(file, type.line, key,
                                          "'" + type.text +
                                              "' is not a trail type (IP, IPORT, CIDR, DNS, URL, "
                                              "HTTP, UA, PATH, PORT, CERT, SNI, JA4)");
                }
                rule.type = *known;
            } else if (key == "expires") {
                const Value when = scalar(value, file, key, key_line);
                rule.expires_ns = parse_utc(when.text);
                if (!rule.expires_ns) {
                    throw IgnoreRuleError(file, when.line, key,
                                          "'" + when.text +
                                              "' is not a UTC time in 1970..2261 "
                                              "(2027-01-31T00:00:00Z or 2027-01-31)");
                }
            } else if (key == "match") {
                rule.pattern = compile(scalar(value, file, key, key_line), file);
            } else {
                throw IgnoreRuleError(file, key_line, key, "unknown key");
            }
        }
        if (!rule.names_anything()) {
            throw IgnoreRuleError(file, line, "",
                                  "the rule names no field to match: it would ignore every alert");
        }
        rules_.push_back(std::move(rule));
    }

    // ---- Maltrail's ignore_events.txt ----

    void add_maltrail(std::string_view text, const std::string& file) {
        std::size_t line_no = 0;
        while (!text.empty()) {
            ++line_no;
            const std::size_t eol = text.find('\n');
            std::string_view line = text.substr(0, eol);
            text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
            line = trim(line.substr(0, line.find('#')));
            if (line.empty()) {
                continue;
            }
            std::vector<std::string_view> fields;
            for (std::size_t start = 0;;) {
                const std::size_t semicolon = line.find(';', start);
                fields.push_back(trim(line.substr(start, semicolon - start)));
                if (semicolon == std::string_view::npos) {
                    break;
                }
                start = semicolon + 1;
            }
            if (fields.size() != 4) {
                throw IgnoreRuleError(file, line_no, "",
                                      "expected src_ip;src_port;dst_ip;dst_port ('*' for any)");
            }
            Rule rule = new_rule(file, line_no);
            const auto given = [&](std::size_t i) -> std::optional<std::vector<Value>> {
                if (fields[i] == "*") {
                    return std::nullopt;
                }
                return std::vector<Value>{{std::string(fields[i]), line_no}};
            };
            if (const auto v = given(0)) {
                rule.src = addresses(*v, file, "src_ip");
            }
            if (const auto v = given(1)) {
                rule.src_ports = ports(*v, file, "src_port");
            }
            if (const auto v = given(2)) {
                rule.dst = addresses(*v, file, "dst_ip");
            }
            if (const auto v = given(3)) {
                rule.dst_ports = ports(*v, file, "dst_port");
            }
            if (!rule.names_anything()) {
                throw IgnoreRuleError(file, line_no, "",
                                      "'*;*;*;*' would ignore every alert: name a field");
            }
            rules_.push_back(std::move(rule));
        }
    }

    std::vector<Rule> rules_;
};

bool has_ports(const detect::Alert& alert) {
    return alert.ip_proto == IPPROTO_TCP || alert.ip_proto == IPPROTO_UDP;
}

bool port_in(const std::vector<std::uint16_t>& ports, std::uint16_t port) {
    return std::find(ports.begin(), ports.end(), port) != ports.end();
}

bool found(const hs_database_t* db, std::string_view text, hs_scratch_t* scratch) {
    const auto stop = [](unsigned int, unsigned long long, unsigned long long, unsigned int,
                         void*) -> int { return 1; };
    // A failed scan (it cannot fail with a scratch sized for every pattern) counts as no
    // match: the alert is then written, never lost.
    return hs_scan(db, text.data(), static_cast<unsigned int>(text.size()), 0, scratch, stop,
                   nullptr) == HS_SCAN_TERMINATED;
}

bool pattern_found(const hs_database_t* db, const detect::Alert& alert, hs_scratch_t* scratch) {
    if (found(db, alert.trail, scratch) || found(db, alert.info, scratch)) {
        return true;
    }
    if (alert.http &&
        (found(db, alert.http->hostname, scratch) || found(db, alert.http->url, scratch) ||
         found(db, alert.http->http_user_agent, scratch))) {
        return true;
    }
    if (alert.dns && found(db, alert.dns->rrname, scratch)) {
        return true;
    }
    return alert.tls && found(db, alert.tls->sni, scratch);
}

// The cheap comparisons first; the pattern only once everything else agrees.
bool matches(const Rule& rule, const detect::Alert& alert, hs_scratch_t* scratch) {
    if (rule.expires_ns && alert.timestamp_ns >= *rule.expires_ns) {
        return false;
    }
    if (!rule.type.empty() && !equals_ignoring_case(rule.type, alert.trail_type)) {
        return false;
    }
    if (!rule.heuristic.empty() && !equals_ignoring_case(rule.heuristic, alert.heuristic)) {
        return false;
    }
    if (!rule.src_ports.empty() && !(has_ports(alert) && port_in(rule.src_ports, alert.src_port))) {
        return false;
    }
    if (!rule.dst_ports.empty() && !(has_ports(alert) && port_in(rule.dst_ports, alert.dst_port))) {
        return false;
    }
    if (rule.src && !rule.src->contains(alert.src)) {
        return false;
    }
    if (rule.dst && !rule.dst->contains(alert.dst)) {
        return false;
    }
    if (!rule.trail.empty() && !equals_ignoring_case(rule.trail, alert.trail)) {
        return false;
    }
    return !rule.pattern || pattern_found(rule.pattern.get(), alert, scratch);
}

}  // namespace

IgnoreRuleError::IgnoreRuleError(std::string file, std::size_t line, std::string key,
                                 const std::string& why)
    : std::invalid_argument(file + ":" + std::to_string(line) + ": " +
                            (key.empty() ? std::string() : key + ": ") + why),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)) {}

struct IgnoreRules::State {
    std::vector<Rule> rules;
    // The rule list is fixed after loading, so the counters are allocated once, beside it.
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts;
    detect::hyperscan::Scratch scratch;  // fits every rule's pattern

    explicit State(std::vector<Rule> loaded)
        : rules(std::move(loaded)), counts(new std::atomic<std::uint64_t>[rules.size()]) {
        for (std::size_t i = 0; i < rules.size(); ++i) {
            counts[i].store(0, std::memory_order_relaxed);
        }
        std::vector<const hs_database_t*> patterns;
        for (const Rule& rule : rules) {
            patterns.push_back(rule.pattern.get());  // null ones are skipped
        }
        scratch = detect::hyperscan::scratch_for(patterns, "ignore rules");
    }
};

IgnoreRules::IgnoreRules() : IgnoreRules(std::make_unique<State>(std::vector<Rule>{})) {}
IgnoreRules::IgnoreRules(std::unique_ptr<State> state) : state_(std::move(state)) {}
IgnoreRules::~IgnoreRules() = default;
IgnoreRules::IgnoreRules(IgnoreRules&&) noexcept = default;
IgnoreRules& IgnoreRules::operator=(IgnoreRules&&) noexcept = default;

IgnoreRules IgnoreRules::load(const std::vector<std::string>& paths) {
    Loader loader;
    for (const auto& path : paths) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            throw IgnoreRuleError(path, 0, "", std::string("cannot open: ") + std::strerror(errno));
        }
        std::ostringstream text;
        text << in.rdbuf();
        if (in.bad()) {
            throw IgnoreRuleError(path, 0, "", "read error");
        }
        loader.add(text.str(), path);
    }
    return IgnoreRules(std::make_unique<State>(loader.finish()));
}

IgnoreRules IgnoreRules::parse(std::string_view text, const std::string& file) {
    Loader loader;
    loader.add(text, file);
    return IgnoreRules(std::make_unique<State>(loader.finish()));
}

const std::string* IgnoreRules::match(const detect::Alert& alert) {
    for (std::size_t i = 0; i < state_->rules.size(); ++i) {
        const Rule& rule = state_->rules[i];
        if (matches(rule, alert, state_->scratch.get())) {
            state_->counts[i].fetch_add(1, std::memory_order_relaxed);
            return &rule.name;
        }
    }
    return nullptr;
}

std::size_t IgnoreRules::size() const {
    return state_->rules.size();
}

std::vector<RuleCount> IgnoreRules::counts() const {
    std::vector<RuleCount> out;
    out.reserve(state_->rules.size());
    for (std::size_t i = 0; i < state_->rules.size(); ++i) {
        out.push_back({state_->rules[i].name, state_->counts[i].load(std::memory_order_relaxed)});
    }
    return out;
}

}  // namespace spoor::suppress
