#include "bpf/attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <spdlog/spdlog.h>
#include <xdp/libxdp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "bpf/sensor_object.h"

namespace spoor::bpf {
namespace {

// Debian's libbpf 1.1 predates tcx; the kernel's attach type number is stable ABI.
constexpr int kBpfTcxEgress = 47;
constexpr std::string_view kProgramName = "spoor_xdp";

}  // namespace

const char* to_string(XdpMode mode) {
    switch (mode) {
        case XdpMode::Auto:
            return "auto";
        case XdpMode::Native:
            return "native";
        case XdpMode::Skb:
            return "skb";
    }
    return "?";
}

const char* to_string(AttachMethod method) {
    return method == AttachMethod::Link ? "link" : "libxdp";
}

int interface_index(const std::string& name) {
    const unsigned index = if_nametoindex(name.c_str());
    if (index == 0) {
        throw std::runtime_error("no such interface '" + name + "'");
    }
    return static_cast<int>(index);
}

std::string default_route_interface() {
    std::ifstream route("/proc/net/route");
    std::string line;
    std::getline(route, line);  // header
    while (std::getline(route, line)) {
        std::istringstream fields(line);
        std::string iface, destination, gateway, flags;
        fields >> iface >> destination >> gateway >> flags;
        if (destination == "00000000") {
            return iface;
        }
    }
    throw std::runtime_error("no IPv4 default route: name the interface with -i IFACE");
}

bool remove_stale_program(int ifindex) {
    xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
    if (libxdp_get_error(mp) != 0 || mp == nullptr) {
        return false;
    }
    bool removed = false;
    if (xdp_multiprog__is_legacy(mp)) {
        xdp_program* main = xdp_multiprog__main_prog(mp);
        if (main != nullptr && kProgramName == xdp_program__name(main)) {
            removed = xdp_multiprog__detach(mp) == 0;
        }
    } else {
        for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p != nullptr;
             p = xdp_multiprog__next_prog(p, mp)) {
            if (kProgramName == xdp_program__name(p)) {
                removed = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0) == 0;
                break;
            }
        }
    }
    xdp_multiprog__close(mp);
    return removed;
}

XdpAttachment::XdpAttachment(int prog_fd, int ifindex, const std::string& ifname, XdpMode mode,
                             AttachMethod method)
    : ifindex_(ifindex), method_(method) {
    int err = 0;
    if (mode == XdpMode::Auto) {
        if (try_attach(prog_fd, XdpMode::Native, err)) {
            return;
        }
        // Busy is not "unsupported": another program owns the interface; generic mode would
        // only stack a second one beside it.
        if (err == -EBUSY || err == -EEXIST) {
            throw std::runtime_error("cannot attach XDP to " + ifname + ": " + errno_text(err) +
                                     " (another XDP program is attached; --attach libxdp shares "
                                     "the interface where the kernel supports it)");
        }
        spdlog::info("{}: native XDP refused ({}), using generic (skb) mode", ifname,
                     errno_text(err));
        mode = XdpMode::Skb;
    }
    if (!try_attach(prog_fd, mode, err)) {
        throw std::runtime_error("cannot attach XDP to " + ifname + " in " + to_string(mode) +
                                 " mode: " + errno_text(err));
    }
}

bool XdpAttachment::try_attach(int prog_fd, XdpMode mode, int& err) {
    if (method_ == AttachMethod::Link) {
        LIBBPF_OPTS(bpf_link_create_opts, opts);
        opts.flags = mode == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
        UniqueFd link(bpf_link_create(prog_fd, ifindex_, BPF_XDP, &opts));
        if (!link) {
            err = -errno;
            return false;
        }
        link_ = std::move(link);
    } else {
        xdp_program* prog = xdp_program__from_fd(prog_fd);
        if (const long e = libxdp_get_error(prog); e != 0) {
            err = static_cast<int>(e);
            return false;
        }
        const int rc = xdp_program__attach(
            prog, ifindex_, mode == XdpMode::Native ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
        if (rc != 0) {
            xdp_program__close(prog);
            err = rc;
            return false;
        }
        xdp_prog_ = prog;
    }
    mode_ = mode;
    return true;
}

XdpAttachment::~XdpAttachment() {
    if (xdp_prog_ != nullptr) {
        xdp_program__detach(xdp_prog_, ifindex_,
                            mode_ == XdpMode::Native ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
        xdp_program__close(xdp_prog_);
    }
}

TcEgressAttachment::TcEgressAttachment(int prog_fd, int ifindex, const std::string& ifname)
    : link_(
          bpf_link_create(prog_fd, ifindex, static_cast<bpf_attach_type>(kBpfTcxEgress), nullptr)) {
    if (!link_) {
        throw std::runtime_error("cannot attach TC egress (tcx) to " + ifname + ": " +
                                 errno_text(-errno) + " (needs kernel 6.6 or later)");
    }
}

}  // namespace spoor::bpf
