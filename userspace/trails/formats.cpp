#include "trails/formats.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>

#include "common/text.h"
#include "trails/keys.h"
#include "trails/line_rules.h"

namespace spoor::trails {

namespace {

// Column names in the order each provider documents them. The first two also
// recognise the header row; a dump without one is read in this order.
constexpr std::array<std::string_view, 6> kFeodoColumns{"first_seen_utc", "dst_ip",      "dst_port",
                                                        "c2_status",      "last_online", "malware"};
constexpr std::array<std::string_view, 9> kUrlhausColumns{"id",         "dateadded",    "url",
                                                          "url_status", "last_online",  "threat",
                                                          "tags",       "urlhaus_link", "reporter"};
constexpr std::array<std::string_view, 14> kThreatfoxColumns{
    "first_seen_utc", "ioc_id",        "ioc_value",         "ioc_type",      "threat_type",
    "fk_malware",     "malware_alias", "malware_printable", "last_seen_utc", "confidence_level",
    "reference",      "tags",          "anonymous",         "reporter"};
// The ThreatFox IOC types a sensor sees on the wire (not file hashes).
constexpr std::array<KindName, 3> kThreatfoxTypes{{
    {"ip:port", IndicatorKind::IpPort},
    {"domain", IndicatorKind::Domain},
    {"url", IndicatorKind::Url},
}};
constexpr std::array<std::string_view, 3> kSslblColumns{"listingdate", "sha1", "listingreason"};
constexpr std::array<std::string_view, 4> kSslblJa3Columns{"ja3_md5", "firstseen", "lastseen",
                                                           "listingreason"};

struct ProviderCsv {
    TrailFormat format;
    std::span<const std::string_view> columns;
};
constexpr std::array<ProviderCsv, 5> kProviderCsvs{{
    {TrailFormat::Feodo, kFeodoColumns},
    {TrailFormat::Urlhaus, kUrlhausColumns},
    {TrailFormat::Threatfox, kThreatfoxColumns},
    {TrailFormat::Sslbl, kSslblColumns},
    {TrailFormat::SslblJa3, kSslblJa3Columns},
}};

bool names_columns(const std::vector<std::string>& fields, int count,
                   std::span<const std::string_view> columns) {
    return count >= 2 && equals_ignoring_case(fields[0], columns[0]) &&
           equals_ignoring_case(fields[1], columns[1]);
}

// The provider whose header row `text` is (without its '#').
std::optional<TrailFormat> provider_header(std::string_view text,
                                           std::vector<std::string>& fields) {
    const int count = split_csv(text, fields);
    for (const auto& provider : kProviderCsvs) {
        if (names_columns(fields, count, provider.columns)) {
            return provider.format;
        }
    }
    return std::nullopt;
}

std::optional<std::uint32_t> parse_uint(std::string_view text) {
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// "AsyncRAT C&C" -> "asyncrat c&c (malware)": abuse.ch name a family where
// Maltrail's lists name it by their file, and the severity rules read "(malware)".
void family_info(std::string_view family, std::string_view fallback, std::string& info) {
    family = trim(family);
    assign_lower_ascii(family.empty() ? fallback : family, info);
    info += " (malware)";
}

// "ip:port" as the line rules write it: an IPv6 address takes brackets before its port.
void join_ip_port(std::string_view ip, std::string_view port, std::string& out) {
    out.clear();
    if (ip.find(':') == std::string_view::npos) {
        out.append(ip);
    } else {
        out.append("[").append(ip).append("]");
    }
    out.append(":").append(port);
}

// The next whitespace-separated token of `rest`, which moves past it; empty at the end.
std::string_view next_token(std::string_view& rest) {
    rest = trim(rest);
    std::size_t end = 0;
    while (end < rest.size() && !is_ascii_space(rest[end])) {
        ++end;
    }
    const std::string_view token = rest.substr(0, end);
    rest.remove_prefix(end);
    return token;
}

// A hosts file's address column, which may carry a zone ("fe80::1%lo0").
bool is_host_address(std::string_view token) {
    return IpAddress::parse(token.substr(0, token.find('%'))).has_value();
}

// "<address> <name>...", comment already stripped.
bool is_hosts_line(std::string_view text) {
    return is_host_address(next_token(text)) && !next_token(text).empty();
}

// Names that hosts files map to themselves or to the local machine: boilerplate, not trails.
bool is_local_name(std::string_view name) {
    static constexpr std::array<std::string_view, 8> kNames{
        "localhost",  "localhost.localdomain",   "localhost4", "localhost4.localdomain4",
        "localhost6", "localhost6.localdomain6", "local",      "broadcasthost"};
    return name.starts_with("ip6-") ||
           std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

bool is_address_or_prefix(std::string_view text) {
    Prefix prefix;
    return IpAddress::parse(text) || keys::parse_prefix(text, prefix) == keys::Parse::Ok;
}

// The kind `name` stands for among `kinds`, ASCII case ignored.
std::optional<IndicatorKind> kind_named(std::span<const KindName> kinds, std::string_view name) {
    for (const auto& known : kinds) {
        if (equals_ignoring_case(name, known.name)) {
            return known.kind;
        }
    }
    return std::nullopt;
}

// The format a data row (not a comment) has the shape of.
std::optional<TrailFormat> row_shape(std::string_view text, std::vector<std::string>& fields) {
    if (is_hosts_line(trim(strip_comment(text)))) {
        return TrailFormat::Hosts;
    }
    const int count = split_csv(text, fields);
    if (count == 3 && is_address_or_prefix(fields[0]) && parse_uint(fields[1]) &&
        parse_uint(fields[2])) {
        return TrailFormat::Iprep;
    }
    if (count >= 3 && parse_uint(fields[0]) && !fields[1].empty() &&
        std::none_of(fields[1].begin(), fields[1].end(), is_ascii_space)) {
        return TrailFormat::IprepCategories;
    }
    return std::nullopt;
}

// Reads a provider CSV, calling row(line_no, line, fields, at) for each data row, where
// fields[at[i]] holds column wanted[i]. '#' lines are comments except the header row
// (commented, or not as in Feodo's dumps): its names place the wanted columns, so
// that a column the provider adds later moves nothing. Without one, the documented
// order holds.
template <std::size_t N, typename Row>
void for_each_provider_row(std::string_view content, std::span<const std::string_view> columns,
                           const std::array<std::string_view, N>& wanted, TrailWriter& out,
                           Row&& row) {
    std::array<std::size_t, N> at{};
    for (std::size_t i = 0; i < N; ++i) {
        at[i] = static_cast<std::size_t>(std::find(columns.begin(), columns.end(), wanted[i]) -
                                         columns.begin());
    }
    std::vector<std::string> fields;
    bool header_seen = false;
    bool unreadable = false;
    // True when `count` fields are the header row, after placing the wanted columns.
    const auto take_header = [&](std::size_t line_no, std::string_view line, int count) {
        if (header_seen || !names_columns(fields, count, columns)) {
            return false;
        }
        header_seen = true;
        const auto names_end = fields.begin() + count;
        for (std::size_t i = 0; i < N; ++i) {
            const auto found = std::find_if(fields.begin(), names_end, [&](const std::string& f) {
                return equals_ignoring_case(f, wanted[i]);
            });
            if (found == names_end) {
                out.malformed(line_no, line,
                              "header has no column '" + std::string(wanted[i]) + "'");
                unreadable = true;  // no row can be read without it
                return true;
            }
            at[i] = static_cast<std::size_t>(found - fields.begin());
        }
        return true;
    };
    for_each_csv_row(
        content, fields, out,
        [&](std::size_t line_no, std::string_view line, std::string_view text) {
            if (!unreadable) {
                take_header(line_no, line, split_csv(text, fields));
            }
        },
        [&](std::size_t line_no, std::string_view line, std::size_t count) {
            if (unreadable || take_header(line_no, line, static_cast<int>(count))) {
                return;
            }
            const std::size_t width = *std::max_element(at.begin(), at.end()) + 1;
            if (count < width) {
                out.malformed(line_no, line,
                              "expected " + std::to_string(columns.size()) + " fields");
                return;
            }
            row(line_no, line, fields, at);
        });
}

}  // namespace

std::optional<TrailFormat> detect_format(std::string_view head) {
    // A file cut short mid-line would show a truncated row: judge whole lines only.
    if (const auto last = head.rfind('\n'); last != std::string_view::npos) {
        head = head.substr(0, last + 1);
    }
    // Several data rows must agree, so that one odd line does not decide.
    constexpr int kRowsToAgree = 5;
    std::optional<TrailFormat> found;
    int rows = 0;
    bool decided = false;
    std::vector<std::string> fields;
    for_each_line(head, [&](std::string_view line) {
        const std::string_view text = trim(line);
        if (decided || text.empty()) {
            return;
        }
        if (text.starts_with('#')) {
            if (rows > 0) {
                return;  // the comment block that names a format comes before the rows
            }
            if (text.starts_with("#fields") || text.starts_with("#separator")) {
                found = TrailFormat::Zeek;
                decided = true;
            } else if (const auto provider = provider_header(trim(text.substr(1)), fields)) {
                found = provider;
                decided = true;
            }
            return;
        }
        if (rows == 0) {
            if (const auto provider = provider_header(text, fields)) {
                found = provider;  // Feodo's header row carries no '#'
                decided = true;
                return;
            }
        }
        const auto shape = row_shape(text, fields);
        if (!shape || (rows > 0 && shape != found)) {
            found = std::nullopt;
            decided = true;
            return;
        }
        found = shape;
        decided = ++rows == kRowsToAgree;
    });
    return found;
}

TrailWriter::TrailWriter(TrailSet& set, LoadReport& report, const TrailSource& source,
                         std::string name)
    : set_(set), report_(report), source_(source), name_(std::move(name)) {
    ++report_.files;
}

void TrailWriter::add(IndicatorKind kind, const std::string& key, const TrailRecord& record,
                      SourceRank rank) {
    if (source_.info || source_.reference) {
        overridden_.info = source_.info ? *source_.info : record.info;
        overridden_.reference = source_.reference ? *source_.reference : record.reference;
        set_.add(kind, key, overridden_, rank);
    } else {
        set_.add(kind, key, record, rank);
    }
    ++report_.lines;
}

void TrailWriter::add_as(IndicatorKind kind, std::string_view text, const TrailRecord& record,
                         SourceRank rank, std::size_t line, std::string_view row) {
    if (!parse_trail_of_kind(kind, text, parsed_, reason_)) {
        // The row may hold several values: say which one is wrong.
        malformed(line, row, "'" + std::string(trim(text)) + "': " + reason_);
        return;
    }
    add(parsed_.kind, parsed_.key, record, rank);
}

void TrailWriter::malformed(std::size_t line, std::string_view row, std::string_view reason) {
    report_.malformed.push_back(
        MalformedLine{name_, line, std::string(trim(row)), std::string(reason)});
}

void read_hosts(std::string_view content, const TrailRecord& record, TrailWriter& out) {
    std::size_t line_no = 0;
    std::string name;
    for_each_line(content, [&](std::string_view line) {
        ++line_no;
        std::string_view rest = trim(strip_comment(line));
        if (rest.empty()) {
            return;
        }
        if (!is_hosts_line(rest)) {
            out.malformed(line_no, line, "not a hosts line (want <address> <name>...)");
            return;
        }
        next_token(rest);  // the address: where a name resolves does not matter here
        for (std::string_view token = next_token(rest); !token.empty(); token = next_token(rest)) {
            assign_lower_ascii(token, name);
            // "0.0.0.0 0.0.0.0" opens common blocklists: an address names no host.
            if (is_local_name(name) || IpAddress::parse(name)) {
                continue;
            }
            out.add_as(IndicatorKind::Domain, name, record, out.rank(), line_no, line);
        }
    });
}

void read_iprep_categories(std::string_view content, IprepCategories& categories,
                           TrailWriter& out) {
    std::vector<std::string> fields;
    const auto no_comment = [](std::size_t, std::string_view, std::string_view) {};
    for_each_csv_row(content, fields, out, no_comment,
                     [&](std::size_t line_no, std::string_view line, std::size_t count) {
                         const auto id = count >= 3 ? parse_uint(fields[0]) : std::nullopt;
                         if (!id) {
                             out.malformed(line_no, line, "expected id,short name,description");
                             return;
                         }
                         // The short name is what operators call the category ("CnC");
                         // the description is a sentence, too long for an alert's info.
                         if (fields[1].empty()) {
                             out.malformed(line_no, line, "category without a short name");
                             return;
                         }
                         std::string info;
                         assign_lower_ascii(fields[1], info);
                         std::replace(info.begin(), info.end(), '_', ' ');
                         info += " (reputation)";
                         if (!categories.try_emplace(*id, std::move(info)).second) {
                             out.malformed(line_no, line,
                                           "category " + std::to_string(*id) +
                                               " defined again (the first definition holds)");
                         }
                     });
}

void read_iprep(std::string_view content, const IprepCategories* categories, TrailWriter& out) {
    constexpr std::uint32_t kMaxScore = 127;  // Suricata's bound; 0 means "no data"
    TrailRecord record{{}, "(iprep)"};
    std::vector<std::string> fields;
    const auto no_comment = [](std::size_t, std::string_view, std::string_view) {};
    for_each_csv_row(
        content, fields, out, no_comment,
        [&](std::size_t line_no, std::string_view line, std::size_t count) {
            if (count != 3) {
                out.malformed(line_no, line, "expected ip,category,score");
                return;
            }
            const auto category = parse_uint(fields[1]);
            const auto score = parse_uint(fields[2]);
            if (!category) {
                out.malformed(line_no, line, "bad category (want a number)");
                return;
            }
            if (!score || *score > kMaxScore) {
                out.malformed(line_no, line, "bad score (want 0..127)");
                return;
            }
            if (*score == 0) {
                out.skipped();
                return;
            }
            if (categories == nullptr) {
                record.info = "iprep category " + std::to_string(*category);
            } else if (const auto it = categories->find(*category); it != categories->end()) {
                record.info = it->second;
            } else {
                out.malformed(
                    line_no, line,
                    "category " + std::to_string(*category) + " is not in the categories file");
                return;
            }
            out.add_as(IndicatorKind::Cidr, fields[0], record, out.rank(), line_no, line);
        });
}

namespace {

// The Intel::Type values spoor can match. Zeek itself matches Intel::SOFTWARE against
// the User-Agent header; Intel::USER_AGENT is what some feed generators write;
// Intel::JA3 comes from the JA3 package.
constexpr std::array<KindName, 8> kZeekTypes{{
    {"Intel::ADDR", IndicatorKind::Ip},
    {"Intel::SUBNET", IndicatorKind::Cidr},
    {"Intel::DOMAIN", IndicatorKind::Domain},
    {"Intel::URL", IndicatorKind::Url},
    {"Intel::USER_AGENT", IndicatorKind::UserAgent},
    {"Intel::SOFTWARE", IndicatorKind::UserAgent},
    {"Intel::CERT_HASH", IndicatorKind::CertSha1},
    {"Intel::JA3", IndicatorKind::Ja3},
}};

// "\x09" -> a tab: how Zeek writes its separator in the #separator line.
std::string unescape_zeek(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text.substr(i).starts_with("\\x") && i + 4 <= text.size() &&
            std::from_chars(text.data() + i + 2, text.data() + i + 4, value, 16).ptr ==
                text.data() + i + 4) {
            out.push_back(static_cast<char>(value));
            i += 3;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

void split_on(std::string_view row, std::string_view separator,
              std::vector<std::string_view>& fields) {
    fields.clear();
    while (true) {
        const auto end = row.find(separator);
        fields.push_back(row.substr(0, end));
        if (end == std::string_view::npos) {
            return;
        }
        row.remove_prefix(end + separator.size());
    }
}

// Where the #fields line puts the columns a row is read from.
struct ZeekColumns {
    std::size_t count = 0;
    std::optional<std::size_t> indicator;
    std::optional<std::size_t> type;
    std::optional<std::size_t> source;
    std::optional<std::size_t> desc;
};

// `fields`: the #fields line split, "#fields" first.
ZeekColumns zeek_columns(const std::vector<std::string_view>& fields) {
    ZeekColumns columns;
    columns.count = fields.size() - 1;
    for (std::size_t i = 1; i < fields.size(); ++i) {
        const std::string_view name = fields[i];
        if (name == "indicator") {
            columns.indicator = i - 1;
        } else if (name == "indicator_type") {
            columns.type = i - 1;
        } else if (name == "meta.source") {
            columns.source = i - 1;
        } else if (name == "meta.desc") {
            columns.desc = i - 1;
        }
    }
    return columns;
}

}  // namespace

void read_zeek_intel(std::string_view content, TrailWriter& out) {
    // The defaults of Zeek's input framework, which the header lines may change.
    std::string separator = "\t";
    std::string empty_field = "(empty)";
    std::string unset_field = "-";
    std::optional<ZeekColumns> columns;
    bool unreadable = false;
    std::vector<std::string_view> fields;
    TrailRecord record;
    std::string url;
    // A column's value in the current row; empty when the row leaves it unset.
    const auto value = [&](std::optional<std::size_t> at) -> std::string_view {
        const std::string_view v = at ? fields[*at] : std::string_view();
        return v == unset_field || v == empty_field ? std::string_view() : v;
    };
    std::size_t line_no = 0;
    for_each_line(content, [&](std::string_view line) {
        ++line_no;
        if (unreadable || trim(line).empty()) {
            return;
        }
        if (line.starts_with("#separator ")) {
            // The one header line that is not split by the separator it defines.
            separator = unescape_zeek(trim(line.substr(11)));
            if (separator.empty()) {
                out.malformed(line_no, line, "empty separator");
                unreadable = true;
            }
            return;
        }
        if (line.starts_with('#')) {
            split_on(line, separator, fields);
            const std::string_view argument = fields.size() > 1 ? fields[1] : std::string_view();
            if (fields[0] == "#empty_field") {
                empty_field = argument;
            } else if (fields[0] == "#unset_field") {
                unset_field = argument;
            } else if (line.starts_with("#fields")) {
                columns = zeek_columns(fields);
                if (fields[0] != "#fields" || !columns->indicator || !columns->type) {
                    out.malformed(line_no, line,
                                  "#fields must name indicator and indicator_type, "
                                  "split by the separator (a tab unless #separator says)");
                    unreadable = true;
                }
            }
            return;  // #types, #path, #open and comments say nothing spoor uses
        }
        if (!columns) {
            out.malformed(line_no, line, "row before the #fields line");
            return;
        }
        split_on(line, separator, fields);
        if (fields.size() != columns->count) {
            out.malformed(line_no, line,
                          "expected " + std::to_string(columns->count) + " fields, found " +
                              std::to_string(fields.size()));
            return;
        }
        const std::string_view type = value(columns->type);
        if (type.empty()) {
            out.malformed(line_no, line, "no indicator_type");
            return;
        }
        const auto kind = kind_named(kZeekTypes, type);
        if (!kind) {
            out.skipped();  // e-mail addresses, file hashes, user names...
            return;
        }
        const std::string_view source = value(columns->source);
        const std::string_view desc = value(columns->desc);
        assign_lower_ascii(!desc.empty()     ? desc
                           : !source.empty() ? source
                                             : "zeek intel",
                           record.info);
        record.reference = source.empty() ? "(zeek)" : "(" + std::string(source) + ")";
        std::string_view indicator = value(columns->indicator);
        if (*kind == IndicatorKind::Url && !indicator.empty() && scheme_length(indicator) == 0) {
            // Zeek writes URLs without "http://"; with it, the line rules read any
            // shape ("host" alone, "1.2.3.4/24") as the URL it is.
            url.assign("http://").append(indicator);
            indicator = url;
        }
        out.add_as(*kind, indicator, record, out.rank(), line_no, line);
    });
}

void read_feodo(std::string_view content, TrailWriter& out) {
    static constexpr std::array<std::string_view, 3> kWanted{"dst_ip", "dst_port", "malware"};
    TrailRecord record{{}, "(feodotracker.abuse.ch)"};
    std::string ip_port;
    for_each_provider_row(content, kFeodoColumns, kWanted, out,
                          [&](std::size_t line_no, std::string_view line,
                              const std::vector<std::string>& f, const auto& at) {
                              join_ip_port(f[at[0]], f[at[1]], ip_port);
                              family_info(f[at[2]], "botnet c&c", record.info);
                              out.add_as(IndicatorKind::IpPort, ip_port, record, out.rank(),
                                         line_no, line);
                          });
}

void read_urlhaus(std::string_view content, TrailWriter& out) {
    static constexpr std::array<std::string_view, 1> kWanted{"url"};
    // Every URLhaus URL serves malware ("malware_download"): the info the severity
    // rules read as a distribution site.
    const TrailRecord record{"malware distribution", "(urlhaus.abuse.ch)"};
    for_each_provider_row(content, kUrlhausColumns, kWanted, out,
                          [&](std::size_t line_no, std::string_view line,
                              const std::vector<std::string>& f, const auto& at) {
                              out.add_as(IndicatorKind::Url, f[at[0]], record, out.rank(), line_no,
                                         line);
                          });
}

void read_threatfox(std::string_view content, TrailWriter& out) {
    static constexpr std::array<std::string_view, 3> kWanted{"ioc_value", "ioc_type",
                                                             "malware_printable"};
    TrailRecord record{{}, "(threatfox.abuse.ch)"};
    for_each_provider_row(
        content, kThreatfoxColumns, kWanted, out,
        [&](std::size_t line_no, std::string_view line, const std::vector<std::string>& f,
            const auto& at) {
            const auto kind = kind_named(kThreatfoxTypes, f[at[1]]);
            if (!kind) {
                out.skipped();  // file hashes, and any type a sensor cannot see on the wire
                return;
            }
            family_info(f[at[2]], "unknown malware", record.info);
            out.add_as(*kind, f[at[0]], record, out.rank(), line_no, line);
        });
}

void add_sslbl_certificate(std::string_view sha1, std::string_view reason, SourceRank rank,
                           std::size_t line, std::string_view row, TrailWriter& out) {
    TrailRecord record{{}, "(sslbl.abuse.ch)"};
    family_info(reason, "malicious certificate", record.info);
    out.add_as(IndicatorKind::CertSha1, sha1, record, rank, line, row);
}

void read_sslbl(std::string_view content, TrailWriter& out) {
    static constexpr std::array<std::string_view, 2> kWanted{"sha1", "listingreason"};
    for_each_provider_row(content, kSslblColumns, kWanted, out,
                          [&](std::size_t line_no, std::string_view line,
                              const std::vector<std::string>& f, const auto& at) {
                              add_sslbl_certificate(f[at[0]], f[at[1]], out.rank(), line_no, line,
                                                    out);
                          });
}

void read_sslbl_ja3(std::string_view content, TrailWriter& out) {
    static constexpr std::array<std::string_view, 2> kWanted{"ja3_md5", "listingreason"};
    TrailRecord record{{}, "(sslbl.abuse.ch)"};
    for_each_provider_row(content, kSslblJa3Columns, kWanted, out,
                          [&](std::size_t line_no, std::string_view line,
                              const std::vector<std::string>& f, const auto& at) {
                              family_info(f[at[1]], "malicious tls client", record.info);
                              out.add_as(IndicatorKind::Ja3, f[at[0]], record, out.rank(), line_no,
                                         line);
                          });
}

}  // namespace spoor::trails
