// Building blocks of the lookup tables that are probed at random, once per
// packet or name: memory for them, and a Bloom filter in front of them.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace spoor::detect {

// A fixed array for the tables probed at random (the trail index, the negative
// cache). From a megabyte up it asks for transparent huge pages: a probe then
// misses the cache but not also the TLB, which cost about a fifth of a cold
// lookup on the real trail set. The kernel may refuse; it is only a hint.
template <typename T>
class HugeArray {
  public:
    HugeArray() = default;
    HugeArray(std::size_t size, const T& value) : size_(size) {
        constexpr std::size_t kHugePage = std::size_t{2} << 20;
        std::size_t bytes = std::max<std::size_t>(size * sizeof(T), alignof(T));
        const bool huge = bytes >= kHugePage / 2;
        const std::size_t align = huge ? kHugePage : std::max<std::size_t>(alignof(T), 64);
        bytes = (bytes + align - 1) / align * align;
        data_.reset(static_cast<T*>(std::aligned_alloc(align, bytes)));
        if (!data_) {
            throw std::bad_alloc();
        }
        if (huge) {
            madvise(data_.get(), bytes, MADV_HUGEPAGE);
        }
        std::uninitialized_fill_n(data_.get(), size, value);
    }

    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

  private:
    static_assert(std::is_trivially_destructible_v<T>);
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };
    std::unique_ptr<T[], Free> data_;
    std::size_t size_ = 0;
};

// A Bloom filter of 8 bits a key with both of a key's two bits in one 64-bit
// word: an absent key, the usual answer, costs one memory access (about 5%
// false positives). Keys come as 64-bit hashes; the word is picked by the high
// half and the bits by the low one, so any well-mixed hash will do.
class BloomFilter {
  public:
    BloomFilter() = default;
    explicit BloomFilter(std::size_t keys)
        : words_(std::max<std::size_t>(1, keys / 8), std::uint64_t{0}) {}

    void add(std::uint64_t h) { words_[word(h)] |= bits(h); }
    bool may_contain(std::uint64_t h) const { return (words_[word(h)] & bits(h)) == bits(h); }
    void prefetch(std::uint64_t h) const { __builtin_prefetch(&words_[word(h)]); }

  private:
    // The word for a hash, for any word count and without a division.
    std::size_t word(std::uint64_t h) const { return ((h >> 32) * words_.size()) >> 32; }
    static std::uint64_t bits(std::uint64_t h) {
        return std::uint64_t{1} << ((h >> 20) & 63) | std::uint64_t{1} << ((h >> 26) & 63);
    }

    HugeArray<std::uint64_t> words_;
};

}  // namespace spoor::detect
