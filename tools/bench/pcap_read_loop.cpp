// The replay benchmark's baseline: libpcap reading a capture and touching
// each packet's first byte, nothing else.
//   pcap_read_loop FILE
#include <pcap/pcap.h>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: pcap_read_loop FILE\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (p == nullptr) {
        std::fprintf(stderr, "pcap_read_loop: %s\n", err);
        return 1;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    unsigned long long packets = 0, checksum = 0;
    while (pcap_next_ex(p, &header, &data) == 1) {
        ++packets;
        checksum += data[0];
    }
    pcap_close(p);
    std::printf("%llu packets (checksum %llu)\n", packets, checksum);
    return 0;
}
