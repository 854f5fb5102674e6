// Delivery of formatted alert lines to every output (stdout, log directory,
// later syslog, sockets...). Each output has its own bounded queue and
// thread: a slow consumer (a blocked `| jq`) fills only its own queue, whose
// overflow is dropped and counted, and never stalls analysis or the kernel.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/bounded_queue.h"
#include "output/log_dir.h"

namespace spoor::output {

class Output {
  public:
    virtual ~Output() = default;
    virtual std::string name() const = 0;
    // False when the line could not be written (counted as failed).
    virtual bool write(std::uint64_t timestamp_ns, std::string_view line) = 0;
    virtual void flush() = 0;
    virtual void reopen() {}
};

// One alert per line on stdout.
class StdoutOutput : public Output {
  public:
    std::string name() const override { return "stdout"; }
    bool write(std::uint64_t timestamp_ns, std::string_view line) override;
    void flush() override;
};

// Daily files eve-YYYY-MM-DD.json in a directory.
class LogDirOutput : public Output {
  public:
    explicit LogDirOutput(const std::filesystem::path& dir) : sink_(dir) {}
    std::string name() const override;
    bool write(std::uint64_t timestamp_ns, std::string_view line) override;
    void flush() override { sink_.flush(); }
    void reopen() override { sink_.reopen(); }

  private:
    LogDirSink sink_;
};

struct OutputStats {
    std::string name;
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;  // queue full
    std::uint64_t failed = 0;   // write error
};

class Fanout {
  public:
    explicit Fanout(std::size_t queue_capacity = 65536) : capacity_(queue_capacity) {}
    ~Fanout();
    Fanout(const Fanout&) = delete;
    Fanout& operator=(const Fanout&) = delete;

    // Starts a writer thread for `output`. Call before the first publish().
    void add(std::unique_ptr<Output> output);
    // Queues one line for every output; never blocks.
    void publish(std::uint64_t timestamp_ns, std::string line);
    // Every output closes and reopens its files (SIGHUP) before its next write.
    void request_reopen();
    // Delivers everything queued, then stops the writer threads.
    void close();

    std::vector<OutputStats> stats() const;

  private:
    struct Line {
        std::uint64_t timestamp_ns;
        std::shared_ptr<const std::string> text;
    };
    struct Channel {
        std::unique_ptr<Output> output;
        BoundedQueue<Line> queue;
        std::atomic<std::uint64_t> written{0};
        std::atomic<std::uint64_t> failed{0};
        std::atomic<bool> reopen{false};
        std::thread thread;

        Channel(std::unique_ptr<Output> out, std::size_t capacity)
            : output(std::move(out)), queue(capacity) {}
        void run();
    };

    std::size_t capacity_;
    std::vector<std::unique_ptr<Channel>> channels_;
};

}  // namespace spoor::output
