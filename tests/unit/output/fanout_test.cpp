// Delivery to outputs: a blocked output drops and counts its own lines and
// never blocks the publisher or the other outputs; close() delivers the rest.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "output/fanout.h"

using spoor::output::Fanout;
using spoor::output::Output;

namespace {

// Records lines; blocks in write() while `blocked` is set (a `| jq` that stopped reading).
struct Shared {
    std::mutex mutex;
    std::condition_variable cv;
    bool blocked = false;
    std::vector<std::string> lines;
};

class TestOutput : public Output {
  public:
    TestOutput(std::string name, std::shared_ptr<Shared> shared)
        : name_(std::move(name)), shared_(std::move(shared)) {}
    std::string name() const override { return name_; }
    bool write(std::uint64_t, std::string_view line) override {
        std::unique_lock lock(shared_->mutex);
        shared_->cv.wait(lock, [&] { return !shared_->blocked; });
        shared_->lines.emplace_back(line);
        return true;
    }
    void flush() override {}

  private:
    std::string name_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace

TEST_CASE("a blocked output fills only its own queue; the publisher never waits") {
    auto slow = std::make_shared<Shared>();
    auto fast = std::make_shared<Shared>();
    slow->blocked = true;
    Fanout fanout(8);
    fanout.add(std::make_unique<TestOutput>("slow", slow));
    fanout.add(std::make_unique<TestOutput>("fast", fast));

    // The slow output stays blocked until all 100 are published: a publish that waited for it
    // would hang here (and CTest's timeout would fail the test).
    for (int i = 0; i < 100; ++i) {
        fanout.publish(0, "line " + std::to_string(i));
    }

    {
        std::lock_guard lock(slow->mutex);
        slow->blocked = false;
    }
    slow->cv.notify_all();
    fanout.close();

    const auto stats = fanout.stats();
    REQUIRE(stats.size() == 2);
    CHECK(stats[0].name == "slow");
    // The slow output took one line into write() and queued 8; the rest were dropped and counted.
    CHECK(stats[0].written + stats[0].dropped == 100);
    CHECK(stats[0].dropped >= 100 - 8 - 1);
    CHECK(slow->lines.size() == stats[0].written);
    CHECK(stats[1].written + stats[1].dropped == 100);
    CHECK(fast->lines.size() == stats[1].written);
}

TEST_CASE("close() delivers everything queued, in order") {
    auto shared = std::make_shared<Shared>();
    Fanout fanout(1000);
    fanout.add(std::make_unique<TestOutput>("all", shared));
    for (int i = 0; i < 500; ++i) {
        fanout.publish(0, std::to_string(i));
    }
    fanout.close();
    REQUIRE(shared->lines.size() == 500);
    for (int i = 0; i < 500; ++i) {
        CHECK(shared->lines[i] == std::to_string(i));
    }
    CHECK(fanout.stats()[0].dropped == 0);
}
