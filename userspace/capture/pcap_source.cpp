#include "capture/pcap_source.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <system_error>

#include "lib/bytes.h"

namespace spoor::capture {
namespace {

constexpr std::uint32_t kEthernetHeader = 14;
constexpr std::uint32_t kSllHeader = 16;
constexpr std::uint32_t kSll2Header = 20;
constexpr std::uint32_t kLoopbackHeader = 4;

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
// Below this, a 16-bit "type" is an 802.3 length or, in Linux cooked headers, one of Linux's
// pseudo protocol numbers (802.3 without LLC, 802.2 LLC, CAN...): not an EtherType.
constexpr std::uint16_t kFirstEtherType = 0x0600;

// ARPHRD_ types whose cooked-header protocol field is not an EtherType: a netlink family, or
// ignored (radiotap, frame relay).
constexpr std::uint16_t kArphrdFrad = 770;
constexpr std::uint16_t kArphrdRadiotap = 803;
constexpr std::uint16_t kArphrdNetlink = 824;

// Raw IP files say LINKTYPE_RAW (101); libpcap hands that back as the platform's DLT_RAW (12 or
// 14), so the macro covers them.
constexpr int kSupported[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
                              DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP};

bool supported(int link_type) {
    return std::find(std::begin(kSupported), std::end(kSupported), link_type) !=
           std::end(kSupported);
}

std::string link_type_name(int link_type) {
    const char* name = pcap_datalink_val_to_name(link_type);
    return std::string(name != nullptr ? name : "unknown") + " (" + std::to_string(link_type) + ")";
}

std::string display_name(const std::string& path) {
    return path == "-" ? "stdin" : path;
}

std::uint16_t cooked_ether_type(std::uint16_t protocol, std::uint16_t arphrd) {
    if (arphrd == kArphrdNetlink || arphrd == kArphrdRadiotap || arphrd == kArphrdFrad ||
        protocol < kFirstEtherType) {
        return 0;
    }
    return protocol;  // VLAN (0x8100) or PPPoE too: the bytes after it are laid out as in Ethernet
}

std::uint16_t ip_version_ether_type(std::uint8_t first_byte) {
    switch (first_byte >> 4) {
        case 4:
            return kEtherTypeIpv4;
        case 6:
            return kEtherTypeIpv6;
        default:
            return 0;
    }
}

// DLT_NULL's family is in the byte order of the capturing host, DLT_LOOP's in network order, and
// files written on one machine are read on another. Every valid family is below 256, so a value
// with high bytes set was written in the other order. Applying this to DLT_LOOP too costs nothing
// and reads a file whose writer got the order wrong.
std::uint16_t loopback_ether_type(const std::uint8_t* p) {
    std::uint32_t family =
        static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
        static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
    if (family > 0xFFFF) {
        family = __builtin_bswap32(family);
    }
    switch (family) {
        case 2:  // AF_INET everywhere
            return kEtherTypeIpv4;
        case 24:  // AF_INET6 on NetBSD, OpenBSD, BSD/OS
        case 28:  // FreeBSD, DragonFly
        case 30:  // macOS
            return kEtherTypeIpv6;
        default:
            return 0;
    }
}

// Big reads: fewer system calls than stdio's default of a few KiB, and still cache-sized.
constexpr std::size_t kReadBuffer = 1 << 16;

// Opens `path` ("-": a duplicate of stdin, so closing the capture leaves stdin open) as an
// ordinary FILE; sets `size` for a regular file and `start` to where reading begins (stdin may
// come positioned inside a file; a pipe starts at 0).
FILE* open_capture(const std::string& path, std::uint64_t& size, std::uint64_t& start) {
    const int fd = path == "-" ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
                               : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw PcapError(display_name(path) +
                        ": cannot open capture: " + std::generic_category().message(errno));
    }
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        size = static_cast<std::uint64_t>(st.st_size);
    }
    const off_t position = lseek(fd, 0, SEEK_CUR);
    start = position > 0 ? static_cast<std::uint64_t>(position) : 0;
    FILE* file = fdopen(fd, "r");
    if (file == nullptr) {
        const int error = errno;
        ::close(fd);
        throw PcapError(display_name(path) +
                        ": cannot open capture: " + std::generic_category().message(error));
    }
    setvbuf(file, nullptr, _IOFBF, kReadBuffer);
    return file;
}

struct FileClose {
    void operator()(FILE* file) const { std::fclose(file); }
};

}  // namespace

void PcapSource::Close::operator()(pcap* handle) const {
    pcap_close(handle);
}

PcapSource::PcapSource(const std::string& path) : path_(path) {
    std::uint64_t start = 0;
    std::unique_ptr<FILE, FileClose> file(open_capture(path_, size_, start));
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    handle_.reset(
        pcap_fopen_offline_with_tstamp_precision(file.get(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
    if (!handle_) {
        throw PcapError(display_name(path_) + ": cannot open capture: " + errbuf);
    }
    file.release();  // pcap_close() closes it from now on
    // A classic pcap file is a 24-byte header, then records of a 16-byte header and caplen bytes:
    // where each record starts is known without asking the FILE, whose ftell() is an lseek()
    // system call (asking it for every record doubled the cost of reading: 110 -> 210 ns per
    // packet). pcapng blocks vary, so there the FILE is asked.
    classic_ = pcap_major_version(handle_.get()) == 2;
    position_ = start + 24;

    link_type_ = pcap_datalink(handle_.get());
    if (!supported(link_type_)) {
        std::string list;
        for (int type : kSupported) {
            list += (list.empty() ? "" : ", ") + link_type_name(type);
        }
        throw PcapError(display_name(path_) + ": unsupported link type " +
                        link_type_name(link_type_) + "; supported: " + list);
    }
    buffer_.resize(kEthernetHeader);
}

PcapSource::~PcapSource() = default;

const std::string& PcapSource::path() const {
    return path_;
}

std::uint64_t PcapSource::records() const {
    return records_;
}

std::uint64_t PcapSource::size() const {
    return size_;
}

int PcapSource::link_type() const {
    return link_type_;
}

std::uint64_t PcapSource::offset() const {
    if (classic_) {
        return position_;
    }
    const long position = std::ftell(pcap_file(handle_.get()));
    return position > 0 ? static_cast<std::uint64_t>(position) : 0;  // a pipe has no position
}

std::string PcapSource::error_at_record(const char* what, std::uint64_t record_offset) const {
    return display_name(path_) + ": record " + std::to_string(records_ + 1) + " at byte offset " +
           std::to_string(record_offset) + ": " + what;
}

std::span<const std::uint8_t> PcapSource::to_ethernet(std::uint16_t ether_type,
                                                      const std::uint8_t* payload,
                                                      std::uint32_t length) {
    const std::size_t total = kEthernetHeader + std::size_t{length};
    if (buffer_.size() < total) {
        buffer_.resize(total);
    }
    buffer_[12] = static_cast<std::uint8_t>(ether_type >> 8);
    buffer_[13] = static_cast<std::uint8_t>(ether_type);
    if (length > 0) {
        std::memcpy(buffer_.data() + kEthernetHeader, payload, length);
    }
    return {buffer_.data(), total};
}

bool PcapSource::next(CapturedFrame& out) {
    // Where this record starts, for the error message: once libpcap fails, the file position
    // is somewhere inside the damaged record.
    const std::uint64_t record_offset = offset();

    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) {
        return false;  // a clean end of file
    }
    if (rc != 1) {
        throw PcapError(error_at_record(pcap_geterr(handle_.get()), record_offset));
    }
    ++records_;
    position_ += 16 + std::uint64_t{header->caplen};
    // Opened with nanosecond precision, libpcap scales microsecond files: tv_usec holds ns.
    out.timestamp_ns = static_cast<std::uint64_t>(header->ts.tv_sec) * 1'000'000'000u +
                       static_cast<std::uint64_t>(header->ts.tv_usec);

    const std::uint32_t caplen = header->caplen;
    if (link_type_ == DLT_EN10MB) {
        out.frame = {data, caplen};
        out.wire_len = header->len;
        return true;
    }

    std::uint32_t link_header = 0;
    std::uint16_t ether_type = 0;
    switch (link_type_) {
        case DLT_LINUX_SLL:
            link_header = kSllHeader;
            if (caplen >= link_header) {
                ether_type =
                    cooked_ether_type(spoor_load_be16(data + 14), spoor_load_be16(data + 2));
            }
            break;
        case DLT_LINUX_SLL2:
            link_header = kSll2Header;
            if (caplen >= link_header) {
                ether_type = cooked_ether_type(spoor_load_be16(data), spoor_load_be16(data + 8));
            }
            break;
        case DLT_NULL:
        case DLT_LOOP:
            link_header = kLoopbackHeader;
            if (caplen >= link_header) {
                ether_type = loopback_ether_type(data);
            }
            break;
        default:  // raw IP: the constructor let no other link type through
            if (caplen > 0) {
                ether_type = ip_version_ether_type(data[0]);
            }
            break;
    }
    const std::uint32_t skipped = std::min(link_header, caplen);
    out.frame = to_ethernet(ether_type, data + skipped, caplen - skipped);
    const std::uint64_t wire =
        std::uint64_t{std::max(header->len, link_header)} - link_header + kEthernetHeader;
    out.wire_len = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(wire, std::numeric_limits<std::uint32_t>::max()));
    return true;
}

}  // namespace spoor::capture
