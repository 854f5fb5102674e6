#include "trails/loader.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

#include "common/text.h"
#include "trails/formats.h"
#include "trails/keys.h"
#include "trails/line_rules.h"

namespace spoor::trails {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kNotATrail = "not an address, CIDR, URL or domain";

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && equals_ignoring_case(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           equals_ignoring_case(s.substr(s.size() - suffix.size()), suffix);
}

bool has_space(std::string_view s) {
    return std::any_of(s.begin(), s.end(), is_ascii_space);
}

bool has_regex_chars(std::string_view s) {
    return s.find_first_of("[]*+()?\\") != std::string_view::npos;
}

// Labels of [a-z0-9_-], 1..63 long, 253 in all; an all-digit last label is a
// mistyped address ("c91.196.152.28"), not a name.
bool is_domain(std::string_view name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    bool all_digits = true;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i == name.size() || name[i] == '.') {
            if (i == start || i - start > 63) {
                return false;
            }
            start = i + 1;
            if (i < name.size()) {
                all_digits = true;
            }
            continue;
        }
        const char c = name[i];
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_')) {
            return false;
        }
        all_digits = all_digits && is_digit(c);
    }
    return !all_digits;
}

bool is_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

constexpr std::array<KindName, 4> kTypedPrefixes{{
    {"ua:", IndicatorKind::UserAgent},
    {"sha1:", IndicatorKind::CertSha1},
    {"ja3:", IndicatorKind::Ja3},
    {"ja4:", IndicatorKind::Ja4},
}};

bool is_typed_kind(IndicatorKind kind) {
    return std::any_of(kTypedPrefixes.begin(), kTypedPrefixes.end(),
                       [kind](const KindName& t) { return t.kind == kind; });
}

// The value of a ua:/sha1:/ja3:/ja4: trail, which no shape rule could recognise.
bool parse_typed(IndicatorKind kind, std::string_view value, ParsedLine& out, std::string& reason) {
    value = trim(value);
    out.kind = kind;
    switch (kind) {
        case IndicatorKind::UserAgent:
            if (value.empty()) {
                reason = "empty user agent";
                return false;
            }
            // Case kept: a listed user agent is matched exactly as the request sends it.
            out.key.assign(value);
            return true;
        case IndicatorKind::CertSha1: {
            // Also accept the colon-separated form that certificate tools print.
            out.key.clear();
            for (const char c : value) {
                if (c != ':') {
                    out.key.push_back(to_lower_ascii(c));
                }
            }
            if (out.key.size() != 40 || !is_hex(out.key)) {
                reason = "bad sha1 (want 40 hex digits)";
                return false;
            }
            return true;
        }
        case IndicatorKind::Ja3:
            if (value.size() != 32 || !is_hex(value)) {
                reason = "bad ja3 (want 32 hex digits)";
                return false;
            }
            assign_lower_ascii(value, out.key);
            return true;
        case IndicatorKind::Ja4:
            assign_lower_ascii(value, out.key);
            if (out.key.empty() || !std::all_of(out.key.begin(), out.key.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == ',';
                })) {
                reason = "bad ja4 fingerprint";
                return false;
            }
            return true;
        default:
            reason = "not a typed trail";
            return false;
    }
}

// The kind a trails.csv `type` column names: kind_name() spellings, plus
// Maltrail's own names for the two that differ.
std::optional<IndicatorKind> kind_from_name(std::string_view name) {
    for (std::size_t k = 0; k < kIndicatorKinds; ++k) {
        const auto kind = static_cast<IndicatorKind>(k);
        if (equals_ignoring_case(name, kind_name(kind))) {
            return kind;
        }
    }
    if (equals_ignoring_case(name, "iport")) {
        return IndicatorKind::IpPort;
    }
    if (equals_ignoring_case(name, "dns")) {
        return IndicatorKind::Domain;
    }
    return std::nullopt;
}

// The class folder ("malware", "malicious", "suspicious") nearest to the file
// among `folders`, as the rank it gives.
std::optional<SourceRank> class_rank(const fs::path& folders) {
    std::optional<SourceRank> rank;
    for (const auto& part : folders) {
        const auto name = part.native();
        if (name == "malware") {
            rank = SourceRank::StaticMalware;
        } else if (name == "malicious") {
            rank = SourceRank::StaticMalicious;
        } else if (name == "suspicious") {
            rank = SourceRank::StaticSuspicious;
        }
    }
    return rank;
}

const char* class_name(SourceRank rank) {
    switch (rank) {
        case SourceRank::StaticMalware:
            return "malware";
        case SourceRank::StaticMalicious:
            return "malicious";
        case SourceRank::StaticSuspicious:
            return "suspicious";
        default:
            return nullptr;
    }
}

// "malware/asyncrat.txt" -> "asyncrat (malware)", "mass_scanner.txt" -> "mass scanner".
std::string info_for(const fs::path& file, std::optional<SourceRank> folder_class) {
    std::string info = file.stem().string();
    std::replace(info.begin(), info.end(), '_', ' ');
    if (folder_class) {
        info += " (";
        info += class_name(*folder_class);
        info += ')';
    }
    return info;
}

// The reference of a list's trails where the list does not say: whose it is, by rank.
std::string reference_for(SourceRank rank) {
    switch (rank) {
        case SourceRank::Custom:
            return "(custom)";
        case SourceRank::Feed:
            return "(feed)";
        default:
            return "(static)";
    }
}

// How a file met inside a folder or archive is read: by its extension only, as
// Maltrail's tree must load exactly as it always has.
std::optional<TrailFormat> list_format(std::string_view name) {
    if (iends_with(name, ".txt")) {
        return TrailFormat::List;
    }
    if (iends_with(name, ".csv")) {
        return TrailFormat::Csv;
    }
    return std::nullopt;
}

bool is_archive_name(std::string_view name) {
    for (const std::string_view suffix :
         {".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tar.zst", ".tar"}) {
        if (iends_with(name, suffix)) {
            return true;
        }
    }
    return false;
}

[[noreturn]] void fail(const fs::path& path, const std::string& cause) {
    throw TrailLoadError("trail source " + path.string() + ": " + cause);
}

// The whole file, or its first `limit` bytes.
void read_file(const fs::path& path, std::string& content,
               std::streamoff limit = std::numeric_limits<std::streamoff>::max()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(path, std::strerror(errno));
    }
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size < 0) {
        fail(path, "cannot determine its size");
    }
    const std::streamoff wanted = std::min<std::streamoff>(size, limit);
    content.resize(static_cast<std::size_t>(wanted));
    if (!in.read(content.data(), wanted)) {
        fail(path, "read error");
    }
}

// Enough of a file to see its comment block and first rows.
constexpr std::streamoff kDetectionBytes = 64 * 1024;

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};

// One list file of a directory or archive, waiting to be read in path order.
struct ListFile {
    std::string sort_key;  // path below the source, '/'-separated
    std::string name;      // as reported in malformed lines
    TrailFormat format = TrailFormat::List;
    std::optional<SourceRank> folder_class;
    std::string content;  // archives only: read up front, since entries come unsorted
};

// What a source turned out to be, before any of them is read.
struct PlannedSource {
    enum class Shape : std::uint8_t { Directory, Archive, File };
    const TrailSource* source = nullptr;
    Shape shape = Shape::File;
    TrailFormat format = TrailFormat::List;  // files only
};

class Loader {
  public:
    explicit Loader(LoadReport& report) : report_(report) {}

    void load(const std::vector<TrailSource>& sources);
    TrailSet take() { return std::move(set_); }

  private:
    PlannedSource plan(const TrailSource& source);
    void load_file(const TrailSource& source, TrailFormat format);
    void load_directory(const TrailSource& source);
    void load_archive(const TrailSource& source);
    // Reads a tree's files in path order; the tree is static when any file sits in a class folder.
    void load_tree(std::vector<ListFile>& files, const fs::path* dir, const TrailSource& source);
    void load_plain(std::string_view content, const TrailRecord& record, SourceRank rank,
                    TrailWriter& out);
    void load_csv(std::string_view content, TrailWriter& out);

    LoadReport& report_;
    TrailSet set_;
    IprepCategories categories_;
    bool has_categories_ = false;
    // Reused across lines so that parsing does not allocate per line.
    ParsedLine parsed_{IndicatorKind::Ip, {}};
    std::string reason_;
    std::string buffer_;
    std::vector<std::string> fields_;
};

void Loader::load(const std::vector<TrailSource>& sources) {
    std::vector<PlannedSource> plans;
    plans.reserve(sources.size());
    for (const auto& source : sources) {
        plans.push_back(plan(source));
    }
    const auto is_categories = [](const PlannedSource& p) {
        return p.shape == PlannedSource::Shape::File && p.format == TrailFormat::IprepCategories;
    };
    // Categories first: they hold no trails, and an iprep file then finds them
    // wherever they stand in the list.
    for (const auto& p : plans) {
        if (is_categories(p)) {
            load_file(*p.source, p.format);
        }
    }
    for (const auto& p : plans) {
        switch (p.shape) {
            case PlannedSource::Shape::Directory:
                load_directory(*p.source);
                break;
            case PlannedSource::Shape::Archive:
                load_archive(*p.source);
                break;
            case PlannedSource::Shape::File:
                if (!is_categories(p)) {
                    load_file(*p.source, p.format);
                }
                break;
        }
    }
}

PlannedSource Loader::plan(const TrailSource& source) {
    const fs::path& path = source.path;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) {
        fail(path, "no such file or directory");
    }
    if (ec) {
        fail(path, ec.message());
    }
    const std::string name = path.filename().string();
    const bool directory = fs::is_directory(status);
    if (directory || is_archive_name(name)) {
        if (source.format) {
            fail(path, "a format describes a single file, not a folder or archive");
        }
        return {&source,
                directory ? PlannedSource::Shape::Directory : PlannedSource::Shape::Archive,
                TrailFormat::List};
    }
    if (source.format) {
        return {&source, PlannedSource::Shape::File, *source.format};
    }
    read_file(path, buffer_, kDetectionBytes);
    const auto format = detect_format(buffer_);
    return {&source, PlannedSource::Shape::File,
            format.value_or(list_format(name).value_or(TrailFormat::List))};
}

void Loader::load_file(const TrailSource& source, TrailFormat format) {
    read_file(source.path, buffer_);
    TrailWriter out(set_, report_, source, source.path.string());
    // A list named on its own takes its info from its name (and a class folder it
    // sits in), its reference from whose it is.
    const auto own_record = [&] {
        return TrailRecord{info_for(source.path, class_rank(source.path.parent_path().filename())),
                           reference_for(source.rank)};
    };
    switch (format) {
        case TrailFormat::List:
            load_plain(buffer_, own_record(), source.rank, out);
            break;
        case TrailFormat::Csv:
            load_csv(buffer_, out);
            break;
        case TrailFormat::Hosts:
            read_hosts(buffer_, own_record(), out);
            break;
        case TrailFormat::IprepCategories:
            read_iprep_categories(buffer_, categories_, out);
            has_categories_ = true;
            break;
        case TrailFormat::Iprep:
            read_iprep(buffer_, has_categories_ ? &categories_ : nullptr, out);
            break;
        case TrailFormat::Zeek:
            read_zeek_intel(buffer_, out);
            break;
        case TrailFormat::Feodo:
            read_feodo(buffer_, out);
            break;
        case TrailFormat::Urlhaus:
            read_urlhaus(buffer_, out);
            break;
        case TrailFormat::Threatfox:
            read_threatfox(buffer_, out);
            break;
        case TrailFormat::Sslbl:
            read_sslbl(buffer_, out);
            break;
        case TrailFormat::SslblJa3:
            read_sslbl_ja3(buffer_, out);
            break;
    }
}

void Loader::load_directory(const TrailSource& source) {
    const fs::path& dir = source.path;
    // The folder's own name counts as a class folder too ("--trails static/malware").
    const fs::path normal = dir.lexically_normal();
    const fs::path own_name =
        normal.has_filename() ? normal.filename() : normal.parent_path().filename();
    std::vector<ListFile> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto format = list_format(it->path().filename().string());
        std::error_code type_ec;  // a dangling link is no list, not a failed walk
        if (!format || !it->is_regular_file(type_ec)) {
            continue;
        }
        const fs::path relative = it->path().lexically_relative(dir);
        files.push_back(ListFile{relative.generic_string(),
                                 it->path().string(),
                                 *format,
                                 class_rank(own_name / relative.parent_path()),
                                 {}});
    }
    if (ec) {
        fail(dir, ec.message());
    }
    load_tree(files, &dir, source);
}

void Loader::load_archive(const TrailSource& source) {
    const fs::path& path = source.path;
    std::unique_ptr<archive, ArchiveFree> ar(archive_read_new());
    if (!ar) {
        fail(path, "out of memory");
    }
    archive_read_support_filter_all(ar.get());
    archive_read_support_format_tar(ar.get());
    if (archive_read_open_filename(ar.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
        fail(path, archive_error_string(ar.get()));
    }
    // Entries are read into memory (about 50 MB for Maltrail's static set) because
    // ranks depend on the whole tree and ties on the sorted order of paths.
    std::vector<ListFile> files;
    archive_entry* entry = nullptr;
    while (true) {
        const int rc = archive_read_next_header(ar.get(), &entry);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc < ARCHIVE_WARN) {
            fail(path, archive_error_string(ar.get()));
        }
        const char* entry_name = archive_entry_pathname(entry);
        if (entry_name == nullptr || archive_entry_filetype(entry) != AE_IFREG) {
            continue;
        }
        const auto format = list_format(entry_name);
        if (!format) {
            continue;
        }
        const fs::path entry_path(entry_name);
        ListFile file{entry_name,
                      path.string() + ":" + entry_name,
                      *format,
                      class_rank(entry_path.parent_path()),
                      {}};
        if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0) {
            file.content.reserve(static_cast<std::size_t>(archive_entry_size(entry)));
        }
        std::array<char, 1 << 16> chunk;
        while (true) {
            const la_ssize_t n = archive_read_data(ar.get(), chunk.data(), chunk.size());
            if (n < 0) {
                fail(path, std::string(entry_name) + ": " + archive_error_string(ar.get()));
            }
            if (n == 0) {
                break;
            }
            file.content.append(chunk.data(), static_cast<std::size_t>(n));
        }
        files.push_back(std::move(file));
    }
    load_tree(files, nullptr, source);
}

void Loader::load_tree(std::vector<ListFile>& files, const fs::path* dir,
                       const TrailSource& source) {
    std::sort(files.begin(), files.end(),
              [](const ListFile& a, const ListFile& b) { return a.sort_key < b.sort_key; });
    const bool is_static = std::any_of(
        files.begin(), files.end(), [](const ListFile& f) { return f.folder_class.has_value(); });
    for (auto& file : files) {
        std::string_view content = file.content;
        if (dir != nullptr) {
            read_file(*dir / file.sort_key, buffer_);
            content = buffer_;
        }
        TrailWriter out(set_, report_, source, file.name);
        if (file.format == TrailFormat::Csv) {
            load_csv(content, out);
        } else {
            const SourceRank rank =
                file.folder_class.value_or(is_static ? SourceRank::StaticTop : source.rank);
            const TrailRecord record{info_for(file.sort_key, file.folder_class),
                                     is_static ? "(static)" : reference_for(source.rank)};
            load_plain(content, record, rank, out);
        }
        std::string().swap(file.content);  // give the memory back as the set grows
    }
}

void Loader::load_plain(std::string_view content, const TrailRecord& record, SourceRank rank,
                        TrailWriter& out) {
    std::size_t line_no = 0;
    for_each_line(content, [&](std::string_view line) {
        ++line_no;
        if (parse_trail_line(line, parsed_, reason_)) {
            out.add(parsed_.kind, parsed_.key, record, rank);
        } else if (!reason_.empty()) {
            out.malformed(line_no, line, reason_);
        }
    });
}

// abuse.ch SSLBL's certificate list ("# Listingdate,SHA1,Listingreason"): a row is
// "2024-06-18 07:22:48,<sha1>,AsyncRAT C&C".
bool is_sslbl_row(const std::vector<std::string>& fields, std::size_t count) {
    if (count != 3 || fields[0].size() != 19 || fields[1].size() != 40 || !is_hex(fields[1])) {
        return false;
    }
    const std::string_view when = fields[0];
    for (std::size_t i = 0; i < when.size(); ++i) {
        const char c = when[i];
        const bool ok = i == 4 || i == 7     ? c == '-'
                        : i == 10            ? c == ' '
                        : i == 13 || i == 16 ? c == ':'
                                             : is_digit(c);
        if (!ok) {
            return false;
        }
    }
    return true;
}

void Loader::load_csv(std::string_view content, TrailWriter& out) {
    bool first_row = true;
    TrailRecord record;
    const auto no_comment = [](std::size_t, std::string_view, std::string_view) {};
    for_each_csv_row(
        content, fields_, out, no_comment,
        [&](std::size_t line_no, std::string_view line, std::size_t count) {
            const bool header = first_row && count >= 2 &&
                                equals_ignoring_case(fields_[0], "trail") &&
                                equals_ignoring_case(fields_[1], "info");
            first_row = false;
            if (header) {
                return;
            }
            // SSLBL's certificate list, found among trails.csv files, is a feed whatever its place.
            if (is_sslbl_row(fields_, count)) {
                add_sslbl_certificate(fields_[1], fields_[2], SourceRank::Feed, line_no, line, out);
                return;
            }
            if (count < 2) {
                out.malformed(line_no, line, "expected trail,info[,reference[,type]]");
                return;
            }
            if (fields_[1].empty()) {
                out.malformed(line_no, line, "empty info");
                return;
            }
            const std::string_view type = count >= 4 ? std::string_view(fields_[3]) : "";
            bool ok = false;
            if (type.empty()) {
                ok = parse_trail_line(fields_[0], parsed_, reason_);
            } else if (const auto kind = kind_from_name(type); !kind) {
                reason_ = "unknown type '" + std::string(type) + "'";
            } else {
                ok = parse_trail_of_kind(*kind, fields_[0], parsed_, reason_);
            }
            if (!ok) {
                out.malformed(line_no, line, reason_.empty() ? "empty trail" : reason_);
                return;
            }
            record.info = fields_[1];
            record.reference = count >= 3 ? fields_[2] : std::string();
            SourceRank rank = SourceRank::Feed;
            if (record.reference.find("(custom)") != std::string::npos) {
                rank = SourceRank::Custom;
            } else if (record.reference.find("(static)") != std::string::npos) {
                rank = SourceRank::StaticTop;
            }
            out.add(parsed_.kind, parsed_.key, record, rank);
        });
}

}  // namespace

// A comment starts at a '#' that opens the line or follows whitespace; a '#'
// inside a token is data (URL fragments such as "webhook.site/#!/view/...").
std::string_view strip_comment(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '#' && (i == 0 || is_ascii_space(line[i - 1]))) {
            return line.substr(0, i);
        }
    }
    return line;
}

std::size_t scheme_length(std::string_view s) {
    const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (s.empty() || !is_alpha(s[0])) {
        return 0;
    }
    std::size_t i = 1;
    while (i < s.size() &&
           (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')) {
        ++i;
    }
    return s.substr(i).starts_with("://") ? i + 3 : 0;
}

int split_csv(std::string_view row, std::vector<std::string>& fields) {
    std::size_t count = 0;
    std::size_t i = 0;
    while (true) {
        if (fields.size() <= count) {
            fields.emplace_back();
        }
        std::string& field = fields[count++];
        field.clear();
        while (i < row.size() && (row[i] == ' ' || row[i] == '\t')) {
            ++i;
        }
        if (i < row.size() && row[i] == '"') {
            ++i;
            bool closed = false;
            while (i < row.size()) {
                if (row[i] == '"') {
                    if (i + 1 < row.size() && row[i + 1] == '"') {
                        field.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                field.push_back(row[i++]);
            }
            if (!closed) {
                return -1;
            }
            // Anything between the closing quote and the next comma is kept as written.
            const auto comma = row.find(',', i);
            field.append(trim(row.substr(i, comma - i)));
            i = comma;
        } else {
            const auto comma = row.find(',', i);
            field.assign(trim(row.substr(i, comma - i)));
            i = comma;
        }
        if (i == std::string_view::npos) {
            return static_cast<int>(count);
        }
        ++i;  // past the comma: another field follows, possibly empty
    }
}

bool parse_trail_of_kind(IndicatorKind kind, std::string_view text, ParsedLine& out,
                         std::string& reason) {
    bool ok = false;
    if (is_typed_kind(kind)) {
        ok = parse_typed(kind, text, out, reason);
    } else {
        // A shape kind only confirms what the line rules find (a /32 is stored as an IP).
        ok = parse_trail_line(text, out, reason);
        const bool same =
            out.kind == kind || (kind == IndicatorKind::Cidr && out.kind == IndicatorKind::Ip);
        if (ok && !same) {
            ok = false;
            reason = std::string("not a ") + kind_name(kind) + " trail";
        }
    }
    if (!ok && reason.empty()) {
        reason = std::string("empty ") + kind_name(kind);
    }
    return ok;
}

bool parse_trail_line(std::string_view line, ParsedLine& out, std::string& reason) {
    reason.clear();
    const std::string_view text = trim(strip_comment(line));
    if (text.empty()) {
        return false;
    }
    for (const auto& typed : kTypedPrefixes) {
        if (istarts_with(text, typed.name)) {
            return parse_typed(typed.kind, text.substr(typed.name.size()), out, reason);
        }
    }

    if (const std::size_t scheme = scheme_length(text); scheme != 0) {
        if (scheme == text.size()) {
            reason = "URL without a host";
            return false;
        }
        out.kind = IndicatorKind::Url;
        assign_lower_ascii(text.substr(scheme), out.key);
        // A bare "http://host" is the host's root page, as Maltrail reads it: a URL
        // trail "host/", not a trail on the host itself.
        const auto end = out.key.find_first_of("/?#");
        if (end == std::string::npos) {
            out.key.push_back('/');
        } else if (out.key[end] != '/') {
            out.key.insert(end, 1, '/');
        }
        return true;
    }

    assign_lower_ascii(text, out.key);
    const std::string_view lower = out.key;
    if (lower.find('/') != std::string_view::npos) {
        Prefix prefix;
        switch (keys::parse_prefix(lower, prefix)) {
            case keys::Parse::Ok:
                if (prefix.len == prefix.addr.bits()) {
                    out.kind = IndicatorKind::Ip;
                    out.key = prefix.addr.to_string();
                } else {
                    out.kind = IndicatorKind::Cidr;
                    out.key = keys::prefix_text(prefix);
                }
                return true;
            case keys::Parse::BadLength:
                reason = "bad prefix length";
                return false;
            default:
                out.kind = IndicatorKind::Url;  // kept literally
                return true;
        }
    }
    if (const auto addr = IpAddress::parse(lower)) {
        out.kind = IndicatorKind::Ip;
        out.key = addr->to_string();
        return true;
    }
    if (lower.find(':') != std::string_view::npos) {
        IpPort ip_port;
        switch (keys::parse_ip_port(lower, ip_port)) {
            case keys::Parse::Ok:
                out.kind = IndicatorKind::IpPort;
                out.key = keys::ip_port_text(ip_port);
                return true;
            case keys::Parse::BadPort:
                reason = "bad port";
                return false;
            default:
                break;  // "(?:a|b)\.com" still may be a regex domain
        }
    }
    if (!has_space(text) && has_regex_chars(text)) {
        out.kind = IndicatorKind::RegexDomain;
        out.key.assign(text);  // the pattern as listed: "\D" and "\d" differ
        return true;
    }
    // A leading dot names a whole zone (".cc" in suspicious/domain.txt); the set
    // matches parents, so the zone itself is the key, as Maltrail strips it too.
    if (out.key.ends_with('.')) {
        out.key.pop_back();
    }
    if (out.key.starts_with('.')) {
        out.key.erase(0, 1);
    }
    if (!is_domain(out.key)) {
        reason = kNotATrail;
        return false;
    }
    out.kind = IndicatorKind::Domain;
    return true;
}

namespace {

struct NamedFormat {
    std::string_view name;
    TrailFormat format;
};
constexpr std::array<NamedFormat, 11> kFormatNames{{
    {"list", TrailFormat::List},
    {"csv", TrailFormat::Csv},
    {"hosts", TrailFormat::Hosts},
    {"iprep", TrailFormat::Iprep},
    {"iprep-categories", TrailFormat::IprepCategories},
    {"zeek", TrailFormat::Zeek},
    {"feodo", TrailFormat::Feodo},
    {"urlhaus", TrailFormat::Urlhaus},
    {"threatfox", TrailFormat::Threatfox},
    {"sslbl", TrailFormat::Sslbl},
    {"sslbl-ja3", TrailFormat::SslblJa3},
}};

}  // namespace

std::optional<TrailFormat> format_from_name(std::string_view name) {
    for (const auto& named : kFormatNames) {
        if (equals_ignoring_case(name, named.name)) {
            return named.format;
        }
    }
    return std::nullopt;
}

std::string_view format_name(TrailFormat format) {
    for (const auto& named : kFormatNames) {
        if (named.format == format) {
            return named.name;
        }
    }
    return "unknown";
}

std::string format_names() {
    std::string names;
    for (const auto& named : kFormatNames) {
        names.append(names.empty() ? "" : ", ").append(named.name);
    }
    return names;
}

TrailSet load_trails(const std::vector<TrailSource>& sources, LoadReport& report) {
    Loader loader(report);
    loader.load(sources);
    return loader.take();
}

TrailSet load_trails(const std::vector<fs::path>& paths, LoadReport& report) {
    std::vector<TrailSource> sources;
    sources.reserve(paths.size());
    for (const auto& path : paths) {
        sources.emplace_back().path = path;
    }
    return load_trails(sources, report);
}

}  // namespace spoor::trails
