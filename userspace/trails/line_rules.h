// What the loader (line rules, CSV rows) shares with the format readers of
// formats.cpp, so that a provider's row is split and read by the same rules as a
// Maltrail line. Internal to the trails stage.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "trails/formats.h"
#include "trails/loader.h"

namespace spoor::trails {

// A text that names a kind of trail: a line's "ua:" prefix, a provider's type name.
struct KindName {
    std::string_view name;
    IndicatorKind kind;
};

// Calls fn(line) for each line of `content`, without its end-of-line bytes.
template <typename Fn>
void for_each_line(std::string_view content, Fn&& fn) {
    // A UTF-8 byte order mark would otherwise glue itself to the first trail.
    if (content.starts_with("\xEF\xBB\xBF")) {
        content.remove_prefix(3);
    }
    while (!content.empty()) {
        const auto end = content.find('\n');
        std::string_view line = content.substr(0, end);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        fn(line);
        if (end == std::string_view::npos) {
            break;
        }
        content.remove_prefix(end + 1);
    }
}

// Splits one CSV row into `fields` (reused across rows) and returns how many it
// holds: double-quoted fields may hold commas, "" is a quote. -1: a quote left open.
int split_csv(std::string_view row, std::vector<std::string>& fields);

// Walks a comma-separated file: blank lines are skipped, a '#' line goes to
// comment(line_no, line, text after the '#'), any other to row(line_no, line, count)
// once split_csv has filled `fields`; a row with an open quote is reported malformed.
template <typename Comment, typename Row>
void for_each_csv_row(std::string_view content, std::vector<std::string>& fields, TrailWriter& out,
                      Comment&& comment, Row&& row) {
    std::size_t line_no = 0;
    for_each_line(content, [&](std::string_view line) {
        ++line_no;
        const std::string_view text = trim(line);
        if (text.empty()) {
            return;
        }
        if (text.starts_with('#')) {
            comment(line_no, line, trim(text.substr(1)));
            return;
        }
        const int count = split_csv(text, fields);
        if (count < 0) {
            out.malformed(line_no, line, "unterminated quote");
            return;
        }
        row(line_no, line, static_cast<std::size_t>(count));
    });
}

// The line without its comment: one starts at a '#' that opens the line or follows
// whitespace.
std::string_view strip_comment(std::string_view line);

// Length of a leading "scheme://", 0 when there is none.
std::size_t scheme_length(std::string_view s);

// Reads `text` as a trail of the given kind: the typed kinds (ua, sha1, ja3, ja4)
// by their own syntax, the others by the line rules, which must find that kind (a
// Cidr also takes a single address). On failure `reason` says why, never empty.
bool parse_trail_of_kind(IndicatorKind kind, std::string_view text, ParsedLine& out,
                         std::string& reason);

}  // namespace spoor::trails
