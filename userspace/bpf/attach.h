// Attaching the sensor's programs to interfaces. Default: bpf_link for XDP
// ingress and a tcx link for TC egress, both owned by this process, so the
// kernel detaches them when it exits, even after kill -9. Opt-in: libxdp,
// which can share the interface with other XDP programs through its
// dispatcher but may fall back to a netlink attachment that outlives a crash.
#pragma once

#include <memory>
#include <string>

#include "common/unique_fd.h"

struct xdp_program;

namespace spoor::bpf {

enum class XdpMode { Auto, Native, Skb };
enum class AttachMethod { Link, Libxdp };

const char* to_string(XdpMode mode);
const char* to_string(AttachMethod method);

// Interface index by name; throws std::runtime_error for an unknown name.
int interface_index(const std::string& name);
// The interface of the IPv4 default route (/proc/net/route); throws if there is none.
std::string default_route_interface();

// Detaches an XDP program named spoor_xdp left on `ifindex` by a crashed
// libxdp-mode run. Returns true when it removed one.
bool remove_stale_program(int ifindex);

class XdpAttachment {
  public:
    // Attaches prog_fd to ifindex; with XdpMode::Auto tries native first and
    // falls back to generic (skb) mode with a log line. Throws on failure.
    XdpAttachment(int prog_fd, int ifindex, const std::string& ifname, XdpMode mode,
                  AttachMethod method);
    ~XdpAttachment();
    XdpAttachment(const XdpAttachment&) = delete;
    XdpAttachment& operator=(const XdpAttachment&) = delete;

    XdpMode mode() const { return mode_; }  // the mode in effect (never Auto)

  private:
    bool try_attach(int prog_fd, XdpMode mode, int& err);

    int ifindex_;
    XdpMode mode_ = XdpMode::Auto;
    AttachMethod method_;
    UniqueFd link_;                    // AttachMethod::Link
    xdp_program* xdp_prog_ = nullptr;  // AttachMethod::Libxdp
};

class TcEgressAttachment {
  public:
    // tcx egress link (kernel >= 6.6). Throws on failure.
    TcEgressAttachment(int prog_fd, int ifindex, const std::string& ifname);

  private:
    UniqueFd link_;
};

}  // namespace spoor::bpf
