// Memory for the tables probed at random, once per packet or name: the trail
// store's larger indexes and the negative name cache.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace spoor {

// A fixed array for the tables probed at random. From a megabyte up it asks
// for transparent huge pages: a probe then misses the cache but not also the TLB, which cost about
// a fifth of a cold lookup on the real trail set. The kernel may refuse; it is only a hint.
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

    T* data() { return data_.get(); }
    const T* data() const { return data_.get(); }
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

}  // namespace spoor
