// Readers of the formats that providers publish trails in (hosts files, Suricata
// IP reputation, Zeek intel, abuse.ch CSVs), and recognition of a file's format by
// its first lines. The loader walks the sources and calls these; what each row
// becomes is written in docs/TRAIL_FORMATS.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "trails/loader.h"

namespace spoor::trails {

// The format that the first lines of a file show (`head` may end mid-file), or
// nullopt when none does and the file is read by its extension.
std::optional<TrailFormat> detect_format(std::string_view head);

// Where a reader puts what one file holds: trails into the set, carrying the
// source's own info and reference when it names them, and malformed or skipped rows
// into the report. Making one counts the file in report.files.
class TrailWriter {
  public:
    TrailWriter(TrailSet& set, LoadReport& report, const TrailSource& source, std::string name);

    SourceRank rank() const { return source_.rank; }

    void add(IndicatorKind kind, const std::string& key, const TrailRecord& record,
             SourceRank rank);
    // Reads `text` as a trail of `kind` and adds it; when it is none, reports the row
    // (number `line`, text `row`) as malformed.
    void add_as(IndicatorKind kind, std::string_view text, const TrailRecord& record,
                SourceRank rank, std::size_t line, std::string_view row);
    void malformed(std::size_t line, std::string_view row, std::string_view reason);
    void skipped() { ++report_.skipped; }

  private:
    TrailSet& set_;
    LoadReport& report_;
    const TrailSource& source_;
    std::string name_;
    TrailRecord overridden_;  // reused: the record with the source's info / reference
    ParsedLine parsed_{IndicatorKind::Ip, {}};
    std::string reason_;
};

// Suricata category id -> the info of its trails ("cnc (reputation)").
using IprepCategories = std::unordered_map<std::uint32_t, std::string>;

// Every name of a hosts file becomes a Domain trail with `record`.
void read_hosts(std::string_view content, const TrailRecord& record, TrailWriter& out);
// Adds the file's categories to `categories` (the first definition of an id holds).
void read_iprep_categories(std::string_view content, IprepCategories& categories, TrailWriter& out);
// `categories` null: no categories file was given, and rows are named by number.
void read_iprep(std::string_view content, const IprepCategories* categories, TrailWriter& out);
void read_zeek_intel(std::string_view content, TrailWriter& out);
void read_feodo(std::string_view content, TrailWriter& out);
void read_urlhaus(std::string_view content, TrailWriter& out);
void read_threatfox(std::string_view content, TrailWriter& out);
void read_sslbl(std::string_view content, TrailWriter& out);
void read_sslbl_ja3(std::string_view content, TrailWriter& out);

// One SSLBL certificate: its listing reason names the family. Also for the rows of
// SSLBL's list that a trails.csv file takes in among its own.
void add_sslbl_certificate(std::string_view sha1, std::string_view reason, SourceRank rank,
                           std::size_t line, std::string_view row, TrailWriter& out);

}  // namespace spoor::trails
