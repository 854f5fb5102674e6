// Hashes shared by the tables of trails and of detection: a fast unkeyed hash
// for keys the operator's trails choose, SipHash for keys traffic chooses, and
// the bit layout of the Bloom filters in front of the trail indexes (built by
// the store writer, read in place by the matchers).
#pragma once

#include <emmintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>

namespace spoor {

inline std::uint64_t load64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

inline std::uint64_t load32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// A mask of the low n < 8 bytes of a word.
inline std::uint64_t low_bytes(std::size_t n) {
    return ~std::uint64_t{0} >> (63 - 8 * n) >> 1;
}

// The n <= 8 bytes at p as a little-endian word, zero above them, read by loads
// that stay inside them. Copying them through a stack buffer instead makes the
// wide load that follows wait for the bytes' stores (a failed store forward).
inline std::uint64_t load_partial(const char* p, std::size_t n) {
    if (n >= 4) {
        return load32(p) | load32(p + n - 4) << (8 * (n - 4));
    }
    if (n == 0) {
        return 0;
    }
    const auto byte = [p](std::size_t i) { return static_cast<std::uint64_t>(p[i] & 0xff); };
    return byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1));
}

inline std::uint64_t mix(std::uint64_t h) {
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

// Adds `bytes` to the running hash `h`: a word at a time, the tail as one
// overlapping load, so short strings (names, labels, URL paths) cost a few
// multiplications. Not keyed: only for tables whose keys are trusted (trails);
// finish_hash() before using the result.
inline std::uint64_t hash_chain(std::uint64_t h, std::string_view bytes) {
    const char* p = bytes.data();
    const std::size_t n = bytes.size();
    h = mix(h ^ n);
    if (n >= 8) {
        const char* last = p + n - 8;
        for (; p < last; p += 8) {
            h = mix(h ^ load64(p));
        }
        return mix(h ^ load64(last));
    }
    return mix(h ^ load_partial(p, n));
}

// hash_chain() of a string shorter than 8 bytes from whose start 8 bytes may be
// read, all initialised (a fixed-size buffer): the same value, from one load masked to its length
// instead of load_partial()'s branches on it, which a mix of label lengths
// mispredicts. Longer strings go to hash_chain().
inline std::uint64_t hash_chain_padded(std::uint64_t h, std::string_view bytes) {
    const std::size_t n = bytes.size();
    if (n >= 8) {
        return hash_chain(h, bytes);
    }
    return mix(mix(h ^ n) ^ (load64(bytes.data()) & low_bytes(n)));
}

// A full avalanche (MurmurHash3's finaliser): tables pick slots by the low bits,
// tags and Bloom filter words by the high ones.
inline std::uint64_t finish_hash(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

inline constexpr std::uint64_t kHashSeed = 0x2545f4914f6cdd1dull;

inline std::uint64_t hash_string(std::string_view s) {
    return finish_hash(hash_chain(kHashSeed, s));
}

// SipHash-1-3 (Aumasson and Bernstein; the variant hash tables use): a keyed
// hash an attacker cannot aim at a chosen value without the key, for tables
// whose keys the traffic picks. The key is drawn at construction.
class SipHash13 {
  public:
    SipHash13() {
        std::random_device random;
        for (auto& k : key_) {
            k = static_cast<std::uint64_t>(random()) << 32 | random();
        }
    }

    std::uint64_t operator()(std::string_view s) const {
        State state{key_[0] ^ 0x736f6d6570736575ull, key_[1] ^ 0x646f72616e646f6dull,
                    key_[0] ^ 0x6c7967656e657261ull, key_[1] ^ 0x7465646279746573ull};
        std::size_t i = 0;
        for (; i + 8 <= s.size(); i += 8) {
            state.absorb(load64(s.data() + i));
        }
        state.absorb(load_partial(s.data() + i, s.size() - i) | static_cast<std::uint64_t>(s.size())
                                                                    << 56);
        state.v2 ^= 0xff;
        state.round();
        state.round();
        state.round();
        return state.v0 ^ state.v1 ^ state.v2 ^ state.v3;
    }

  private:
    struct State {
        std::uint64_t v0, v1, v2, v3;

        // Inlined by force: a call per round cost a fifth of a cached lookup.
        [[gnu::always_inline]] void round() {
            v0 += v1;
            v1 = std::rotl(v1, 13) ^ v0;
            v0 = std::rotl(v0, 32);
            v2 += v3;
            v3 = std::rotl(v3, 16) ^ v2;
            v0 += v3;
            v3 = std::rotl(v3, 21) ^ v0;
            v2 += v1;
            v1 = std::rotl(v1, 17) ^ v2;
            v2 = std::rotl(v2, 32);
        }
        [[gnu::always_inline]] void absorb(std::uint64_t m) {
            v3 ^= m;
            round();
            v0 ^= m;
        }
    };
    std::array<std::uint64_t, 2> key_;
};

// NH (UMAC's inner hash, RFC 4418), for short strings the traffic picks (DNS
// names in the negative cache): the string and then zeros up to the first
// multiple of 16 bytes past its length, each 32-bit word plus its key, and the
// sum over 8-byte words of their low half times their high half, modulo 2^64. For any two
// strings of one length, the chance over the key that their sums collide is at
// most 2^-32, and so is that their difference is any given value; the length is
// added times a key of its own, so strings of different lengths are kept apart as
// well. The sum's high half folded into its low one, then one multiplication (both
// bijective, so the bound holds for the whole 64-bit result; for the fewer bits a
// table compares it is what a well-spread hash gives, not a proof) spread it over
// the bits tables take. A block is two multiplications in one SSE2 instruction:
// under a third of SipHash-1-3 on a 25-byte name. Strings past kMaxBytes are
// hashed by their first kMaxBytes and their length: only for keys bounded by that
// (names are at most 255 bytes). The key is drawn at construction.
class NhHash {
  public:
    static constexpr std::size_t kMaxBytes = 256;

    NhHash() {
        std::random_device random;
        for (auto& k : key_) {
            k = random();
        }
        length_key_ = (static_cast<std::uint64_t>(random()) << 32 | random()) | 1;
    }

    std::uint64_t operator()(std::string_view s) const {
        const std::size_t n = std::min(s.size(), kMaxBytes);
        const char* last = s.data() + n / 16 * 16;
        const std::size_t tail = n % 16;
        const std::uint64_t low = load_partial(last, std::min<std::size_t>(tail, 8));
        const std::uint64_t high = tail > 8 ? load_partial(last + 8, tail - 8) : 0;
        const __m128i block =
            _mm_set_epi64x(static_cast<long long>(high), static_cast<long long>(low));
        return finish(_mm_add_epi64(blocks(s.data(), n / 16), product(block, n / 16)), s.size());
    }

    // The same hash of the `n` bytes at `p`, which reads the last block whole: the 16 bytes
    // from n rounded down to a multiple of 16 must be readable (a fixed-size buffer, as DNS
    // names are decoded into), and initialised. Without load_partial()'s branches on the
    // length, which a mix of name lengths mispredicts.
    std::uint64_t padded(const char* p, std::size_t n) const {
        if (n >= kMaxBytes) {
            return (*this)({p, n});  // never for a name; past its buffer otherwise
        }
        // Bytes [0, n % 16) of the last block kept: where n % 16 > the byte's index.
        const __m128i index = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m128i keep = _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(n % 16)), index);
        const __m128i last = _mm_and_si128(load_block(p + n / 16 * 16), keep);
        return finish(_mm_add_epi64(blocks(p, n / 16), product(last, n / 16)), n);
    }

  private:
    static __m128i load_block(const char* p) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    }
    // Block `i`'s two products, (w0 + k0)(w1 + k1) and (w2 + k2)(w3 + k3), as 64-bit lanes.
    __m128i product(__m128i block, std::size_t i) const {
        const __m128i sums = _mm_add_epi32(block, load_block_key(i));
        return _mm_mul_epu32(sums, _mm_srli_epi64(sums, 32));
    }
    __m128i load_block_key(std::size_t i) const {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(key_.data() + 4 * i));
    }
    __m128i blocks(const char* p, std::size_t count) const {
        __m128i sum = _mm_setzero_si128();
        for (std::size_t i = 0; i < count; ++i) {
            sum = _mm_add_epi64(sum, product(load_block(p + 16 * i), i));
        }
        return sum;
    }
    std::uint64_t finish(__m128i sums, std::size_t size) const {
        const std::uint64_t sum =
            static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
            static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
        const std::uint64_t h = sum + size * length_key_;
        return (h ^ h >> 32) * 0x9e3779b97f4a7c15ull;
    }

    std::array<std::uint32_t, kMaxBytes / 4 + 4> key_;  // four a block, the last one partial
    std::uint64_t length_key_;
};

// A Bloom filter of 12 bits a key with all three of a key's bits in one 64-bit
// word: an absent key, the usual answer, costs one memory access. About 1.5%
// false positives (8 bits and two gave 5%, and each sent a lookup on to the
// index's slots, a miss of its own: a tenth of a DNS name's cold lookup). Keys
// come as 64-bit hashes; the word is picked by the high half and the bits by
// the low one, so any well-mixed hash will do.
namespace bloom {

inline std::size_t words_for(std::size_t keys) {
    return std::max<std::size_t>(keys * 3 / 16, 1);
}
// The word for a hash, for any word count and without a division.
inline std::size_t word(std::uint64_t h, std::size_t words) {
    return static_cast<std::size_t>(((h >> 32) * words) >> 32);
}
inline std::uint64_t bits(std::uint64_t h) {
    return std::uint64_t{1} << ((h >> 14) & 63) | std::uint64_t{1} << ((h >> 20) & 63) |
           std::uint64_t{1} << ((h >> 26) & 63);
}

}  // namespace bloom

}  // namespace spoor
