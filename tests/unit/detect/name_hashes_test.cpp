// The hashes names are looked up by: NH for the negative cache (keyed), the
// label chain for the trail indexes; their variants that read whole words out of
// a fixed-size buffer give the same values as the ones that read only the bytes.
#include <doctest/doctest.h>

#include <array>
#include <set>
#include <string>

#include "common/hashing.h"

using spoor::hash_chain;
using spoor::hash_chain_padded;
using spoor::NhHash;

namespace {

// A buffer of 256 bytes holding `text`, then bytes that are not part of it.
std::array<char, 256> buffer_of(const std::string& text) {
    std::array<char, 256> buffer;
    buffer.fill('\xa5');
    text.copy(buffer.data(), text.size());
    return buffer;
}

}  // namespace

TEST_CASE("NH reading whole words gives the same hash as reading only the bytes") {
    const NhHash hash;
    std::string text;
    for (std::size_t n = 0; n < 256; ++n) {
        CAPTURE(n);
        const auto buffer = buffer_of(text);
        CHECK(hash.padded(buffer.data(), n) == hash(text));
        text += static_cast<char>('a' + n % 26);
    }
}

TEST_CASE("NH keeps similar names and lengths apart, and each key hashes differently") {
    const NhHash hash;
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 20000; ++i) {
        const std::string name = "host" + std::to_string(i) + ".example.com";
        CHECK(seen.insert(hash(name)).second);
    }
    // The same words, zero bytes after them, and another length: another hash.
    CHECK(hash(std::string("ab", 2)) != hash(std::string("ab\0", 3)));
    CHECK(hash("") != hash(std::string(8, '\0')));
    const NhHash other;  // another key
    CHECK(other("example.com") != hash("example.com"));
    CHECK(hash("example.com") == hash("example.com"));
}

TEST_CASE("a label chained from a buffer hashes as it does from its bytes alone") {
    for (std::size_t n = 0; n < 20; ++n) {
        CAPTURE(n);
        const std::string label = std::string("abcdefghijklmnopqrst").substr(0, n);
        const auto buffer = buffer_of(label);
        CHECK(hash_chain_padded(7, {buffer.data(), n}) == hash_chain(7, label));
    }
}
