// Analysis end to end without a kernel: a ring record (header + frame) in,
// the EVE line the outputs receive out.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "app/analyzer.h"
#include "spoor/abi.h"
#include "frame_builder.h"

using namespace spoor;
using spoor::test::build_frame;
using spoor::test::tcp;

namespace {

class Capture : public output::Output {
  public:
    explicit Capture(std::vector<std::string>& lines) : lines_(lines) {}
    std::string name() const override { return "capture"; }
    bool write(std::uint64_t, std::string_view line) override {
        lines_.emplace_back(line);
        return true;
    }
    void flush() override {}

  private:
    std::vector<std::string>& lines_;
};

std::vector<std::uint8_t> record(const spoor_record& header,
                                 const std::vector<std::uint8_t>& frame) {
    std::vector<std::uint8_t> bytes(sizeof(header) + frame.size());
    std::memcpy(bytes.data(), &header, sizeof(header));
    std::memcpy(bytes.data() + sizeof(header), frame.data(), frame.size());
    return bytes;
}

struct Fixture {
    std::shared_ptr<const trails::TrailStore> store;
    std::vector<std::string> lines;
    output::Fanout fanout;
    std::unique_ptr<app::Analyzer> analyzer;

    Fixture() {
        trails::TrailSet set;
        set.add(trails::IndicatorKind::Ip, "10.66.0.1", {"asyncrat (malware)", "(static)"},
                trails::SourceRank::StaticMalware);
        set.add(trails::IndicatorKind::IpPort, "10.55.0.1:4444", {"mass scanner", "(static)"},
                trails::SourceRank::StaticTop);
        fanout.add(std::make_unique<Capture>(lines));
        app::AnalyzerConfig config;
        config.host = "sensor-1";
        config.iface_names = {{2, "eth0"}};
        config.clock_offset_ns = 1'000'000'000'000'000'000;  // record time 0 = 2001-09-09T01:46:40Z
        store = trails::store_of(set);
        analyzer = std::make_unique<app::Analyzer>(store, fanout, std::move(config));
    }
    std::uint32_t id_of(const char* info) const {
        for (std::uint32_t i = 0; i < store->record_count(); ++i) {
            if (store->record(i).info == info) {
                return i;
            }
        }
        FAIL("no record ", info);
        return 0;
    }
    std::vector<nlohmann::json> alerts() {
        fanout.close();
        std::vector<nlohmann::json> out;
        for (const auto& l : lines) {
            out.push_back(nlohmann::json::parse(l));
        }
        return out;
    }
};

spoor_record header_for(const std::vector<std::uint8_t>& frame) {
    spoor_record h{};
    h.timestamp_ns = 117'034'000;
    h.ifindex = 2;
    h.packet_len = static_cast<std::uint32_t>(frame.size());
    h.snap_len = static_cast<std::uint16_t>(frame.size());
    h.reasons = SPOOR_REASON_HIT;
    return h;
}

}  // namespace

TEST_CASE("a destination hit becomes one EVE alert") {
    Fixture f;
    const auto frame = build_frame(tcp("10.1.0.7", 51544, "10.66.0.1", 443, 0x10));
    auto h = header_for(frame);
    h.hits[SPOOR_SIDE_DST] = {f.id_of("asyncrat (malware)"), SPOOR_HIT_IP, 32, 0};
    f.analyzer->process_record(record(h, frame));
    const auto alerts = f.alerts();
    REQUIRE(alerts.size() == 1);
    const auto& a = alerts[0];
    CHECK(a["timestamp"] == "2001-09-09T01:46:40.117034+0000");
    CHECK(a["in_iface"] == "eth0");
    CHECK(a["host"] == "sensor-1");
    CHECK(a["src_ip"] == "10.1.0.7");
    CHECK(a["dest_port"] == 443);
    CHECK(a["alert"]["signature"] == "SPOOR IP asyncrat (malware)");
    CHECK(a["alert"]["severity"] == 1);
    CHECK(a["alert"]["metadata"]["trail"] == nlohmann::json::array({"10.66.0.1"}));
    CHECK(a["alert"]["metadata"]["matched_field"] == nlohmann::json::array({"dest_ip"}));
    CHECK(f.analyzer->stats().alerts == 1);
}

TEST_CASE("a record is decoded with the trails of its generation; a stale one is found again") {
    Fixture f;
    // Generation 1 lists 10.66.0.1 with other info, under other record ids.
    trails::TrailSet next;
    next.add(trails::IndicatorKind::Domain, "padding.example", {"padding", "(static)"},
             trails::SourceRank::StaticTop);
    next.add(trails::IndicatorKind::Ip, "10.66.0.1", {"quasar rat (malware)", "(static)"},
             trails::SourceRank::StaticMalware);
    const auto store = trails::store_of(next);
    f.analyzer->add_trails(1, store);
    const auto frame = build_frame(tcp("10.1.0.7", 51544, "10.66.0.1", 443, 0x10));
    const auto send = [&](std::uint32_t generation, std::uint32_t trail_id) {
        auto h = header_for(frame);
        h.generation = generation;
        h.hits[SPOOR_SIDE_DST] = {trail_id, SPOOR_HIT_IP, 32, 0};
        f.analyzer->process_record(record(h, frame));
    };
    const std::uint32_t old_id = f.id_of("asyncrat (malware)");
    const std::uint32_t new_id = store->find_ip(IpAddress::parse("10.66.0.1").value());
    REQUIRE(old_id != new_id);
    send(0, old_id);  // queued from before the flip
    send(1, new_id);
    // Three generations are kept: after 2 and 3, generation 0 is gone, and its record's hit is
    // looked up again by address in the newest.
    f.analyzer->add_trails(2, store);
    f.analyzer->add_trails(3, store);
    send(0, old_id);
    std::vector<std::string> infos;
    for (const auto& alert : f.alerts()) {
        infos.push_back(alert["alert"]["metadata"]["info"][0]);
    }
    CHECK(infos == std::vector<std::string>{"asyncrat (malware)", "quasar rat (malware)",
                                            "quasar rat (malware)"});
    CHECK(f.analyzer->stats().stale_generation_records == 1);
}

TEST_CASE("an IP:port hit on the source names the port in trail and field") {
    Fixture f;
    const auto frame = build_frame(tcp("10.55.0.1", 4444, "10.1.0.7", 50000, 0x12));
    auto h = header_for(frame);
    h.hits[SPOOR_SIDE_SRC] = {f.id_of("mass scanner"), SPOOR_HIT_IPPORT, 32, 0};
    f.analyzer->process_record(record(h, frame));
    const auto alerts = f.alerts();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0]["alert"]["metadata"]["trail"] == nlohmann::json::array({"10.55.0.1:4444"}));
    CHECK(alerts[0]["alert"]["metadata"]["trail_type"] == nlohmann::json::array({"IPORT"}));
    CHECK(alerts[0]["alert"]["metadata"]["matched_field"] ==
          nlohmann::json::array({"src_ip:src_port"}));
    CHECK(alerts[0]["alert"]["severity"] == 3);
}

TEST_CASE("short, inconsistent and undecodable records are counted, not alerted") {
    Fixture f;
    const auto frame = build_frame(tcp("10.1.0.7", 1, "10.66.0.1", 2, 0x10));
    auto h = header_for(frame);
    h.hits[SPOOR_SIDE_DST] = {f.id_of("asyncrat (malware)"), SPOOR_HIT_IP, 32, 0};
    auto bytes = record(h, frame);
    f.analyzer->process_record(std::span(bytes).first(10));  // shorter than the header
    f.analyzer->process_record(std::span(bytes).first(bytes.size() - 5));  // snap_len lies
    auto garbage = frame;
    garbage[14] = 0x00;  // IP version 0
    f.analyzer->process_record(record(h, garbage));
    CHECK(f.analyzer->stats().bad_records == 2);
    CHECK(f.analyzer->stats().undecodable == 1);
    CHECK(f.alerts().empty());
}
