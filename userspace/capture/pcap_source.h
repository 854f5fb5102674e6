// Reads pcap and pcapng captures through libpcap and hands every frame to the classifier as an
// Ethernet frame, whatever the file's link type: bpf/lib/parse.h parses Ethernet only, so this is
// the one place where replay learns about other link layers (DESIGN.md "Data flow").
//
// Supported link types, and how each becomes Ethernet:
//   DLT_EN10MB            passed through untouched, without copying (VLAN and PPPoE frames
//                         included: the classifier parses those itself);
//   DLT_LINUX_SLL/SLL2    Linux cooked capture v1 (16-byte header) and v2 (20-byte header): the
//                         header's protocol type becomes the EtherType;
//   DLT_RAW, DLT_IPV4,    raw IP: the EtherType comes from the IP version nibble
//   DLT_IPV6              (4 -> 0x0800, 6 -> 0x86DD);
//   DLT_NULL, DLT_LOOP    BSD loopback: the 4-byte address family (2 -> IPv4; 24, 28, 30 -> IPv6)
//                         is read in either byte order, since captures move between machines.
// Every non-Ethernet frame becomes a 14-byte header of zero MAC addresses and the EtherType,
// followed by the bytes after the link header.
//
// A malformed frame is not an error of the file. A frame too short for its link header, a cooked
// header whose protocol field is no EtherType (Linux's 802.2/802.3/CAN pseudo-types below 0x0600;
// netlink, radiotap and frame-relay devices), a loopback family or IP version other than IPv4/IPv6:
// each comes back with EtherType 0 followed by whatever bytes came after the link header (possibly
// none), so the classifier counts it as non-IP and a replay goes on. Other EtherTypes (ARP, ...)
// pass through as they are. Only a damaged FILE (truncated or corrupt record) throws.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace spoor::capture {

// One frame of a capture, normalised to Ethernet.
struct CapturedFrame {
    // Capture timestamp, ns since the Unix epoch. Microsecond files are scaled by libpcap;
    // nanosecond files (pcap magic 0xa1b23c4d, pcapng if_tsresol 9) keep their ns.
    std::uint64_t timestamp_ns = 0;
    // The Ethernet frame. Valid until the next call to next() or the source's destruction: it
    // points into libpcap's buffer (Ethernet files) or the source's own buffer (the others).
    std::span<const std::uint8_t> frame;
    // Original length on the wire. For a replaced link header it is adjusted like `frame` (the link
    // header's length taken off, 14 added, at least 14). Larger than frame.size() when the
    // capture's snaplen cut the packet.
    std::uint32_t wire_len = 0;
};

// A capture that cannot be opened or read. what() names the file ("stdin" for "-") and, for a bad
// record, the record number (1-based) and the byte offset in the file where that record starts:
// "trace.pcap: record 3 at byte offset 1234: truncated dump file; ...". In a pcapng capture read
// from a pipe the offset is unknown and given as 0.
class PcapError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A capture file read front to back, one frame per next(). Not thread-safe; one reader per file.
class PcapSource {
  public:
    // Opens a pcap or pcapng file (libpcap tells them apart) with nanosecond timestamps; "-" reads
    // stdin. Throws PcapError when the file is missing or unreadable, is not a capture (also a
    // file cut inside its header), or has a link type not listed above (the error names it, with
    // its number, and lists the supported ones).
    explicit PcapSource(const std::string& path);
    ~PcapSource();  // closes the capture and its file (stdin stays open)
    PcapSource(const PcapSource&) = delete;
    PcapSource& operator=(const PcapSource&) = delete;

    // Reads the next frame into `out`: true when there was one, false at the end of the file.
    // Throws PcapError on a truncated or corrupt record; the frames before it have been returned.
    bool next(CapturedFrame& out);

    const std::string& path() const;
    std::uint64_t records() const;  // records returned so far
    // Bytes of the file consumed so far, for progress; equals size() once next() has returned
    // false. Classic pcap: counted from the record lengths, no system call (also on a pipe);
    // pcapng: asked of the file (0 on a pipe).
    std::uint64_t offset() const;
    // Total bytes of the file; 0 when unknown (stdin from a pipe or terminal, any non-regular
    // file). Stdin redirected from a regular file has a size.
    std::uint64_t size() const;
    int link_type() const;  // DLT_* of the file, as pcap_datalink() reports it

  private:
    struct Close {
        void operator()(pcap* handle) const;
    };

    std::string error_at_record(const char* what, std::uint64_t record_offset) const;
    std::span<const std::uint8_t> to_ethernet(std::uint16_t ether_type, const std::uint8_t* payload,
                                              std::uint32_t length);

    std::string path_;
    std::unique_ptr<pcap, Close> handle_;
    int link_type_ = 0;
    std::uint64_t records_ = 0;
    std::uint64_t size_ = 0;
    bool classic_ = false;        // pcap, not pcapng: record offsets follow from the lengths
    std::uint64_t position_ = 0;  // classic: where the next record starts
    // Non-Ethernet frames are rebuilt here: it only grows, so a replay allocates a handful of
    // times at most, never per frame. Its first 12 bytes (the MAC addresses) stay zero.
    std::vector<std::uint8_t> buffer_;
};

}  // namespace spoor::capture
