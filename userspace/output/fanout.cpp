#include "output/fanout.h"

#include <cstdio>

namespace spoor::output {

bool StdoutOutput::write(std::uint64_t, std::string_view line) {
    return std::fwrite(line.data(), 1, line.size(), stdout) == line.size() &&
           std::fputc('\n', stdout) != EOF;
}

void StdoutOutput::flush() {
    std::fflush(stdout);
}

std::string LogDirOutput::name() const {
    return "log-dir";
}

bool LogDirOutput::write(std::uint64_t timestamp_ns, std::string_view line) {
    return sink_.write(timestamp_ns, line);
}

void Fanout::Channel::run() {
    using namespace std::chrono_literals;
    while (true) {
        if (reopen.exchange(false)) {
            output->reopen();
        }
        auto line = queue.pop(200ms);
        if (!line) {
            if (queue.closed_and_empty()) {
                break;
            }
            continue;
        }
        if (output->write(line->timestamp_ns, *line->text)) {
            written.fetch_add(1, std::memory_order_relaxed);
        } else {
            failed.fetch_add(1, std::memory_order_relaxed);
        }
        // Flush once the burst is written: a tail -f or a pipe sees alerts promptly.
        if (queue.empty()) {
            output->flush();
        }
    }
    output->flush();
}

Fanout::~Fanout() {
    close();
}

void Fanout::add(std::unique_ptr<Output> output) {
    auto channel = std::make_unique<Channel>(std::move(output), capacity_);
    channel->thread = std::thread([c = channel.get()] { c->run(); });
    channels_.push_back(std::move(channel));
}

void Fanout::publish(std::uint64_t timestamp_ns, std::string line) {
    auto text = std::make_shared<const std::string>(std::move(line));
    for (auto& channel : channels_) {
        channel->queue.push(Line{timestamp_ns, text});
    }
}

void Fanout::request_reopen() {
    for (auto& channel : channels_) {
        channel->reopen = true;
    }
}

void Fanout::close() {
    for (auto& channel : channels_) {
        channel->queue.close();
    }
    for (auto& channel : channels_) {
        if (channel->thread.joinable()) {
            channel->thread.join();
        }
    }
}

std::vector<OutputStats> Fanout::stats() const {
    std::vector<OutputStats> out;
    for (const auto& channel : channels_) {
        out.push_back({channel->output->name(), channel->written.load(), channel->queue.dropped(),
                       channel->failed.load()});
    }
    return out;
}

}  // namespace spoor::output
