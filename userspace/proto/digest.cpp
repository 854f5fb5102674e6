#include "proto/digest.h"

#include <openssl/evp.h>

#include <memory>

namespace spoor::proto {
namespace {

struct MdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Md = std::unique_ptr<EVP_MD, MdFree>;

// A fetch that fails stays null, and digests of that kind come out empty.
const EVP_MD* algorithm(DigestKind kind) {
    static const Md md5(EVP_MD_fetch(nullptr, "MD5", nullptr));
    static const Md sha1(EVP_MD_fetch(nullptr, "SHA1", nullptr));
    static const Md sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    switch (kind) {
        case DigestKind::Md5:
            return md5.get();
        case DigestKind::Sha1:
            return sha1.get();
        case DigestKind::Sha256:
            return sha256.get();
    }
    return nullptr;
}

}  // namespace

Digest digest(DigestKind kind, std::span<const std::uint8_t> input) {
    static_assert(EVP_MAX_MD_SIZE <= sizeof(Digest::bytes));
    Digest out;
    const EVP_MD* md = algorithm(kind);
    const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    unsigned int size = 0;
    if (md != nullptr && ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
        EVP_DigestUpdate(ctx.get(), input.data(), input.size()) == 1 &&
        EVP_DigestFinal_ex(ctx.get(), out.bytes.data(), &size) == 1) {
        out.size = size;
    }
    return out;
}

std::string hex_digest(DigestKind kind, std::span<const std::uint8_t> input) {
    constexpr char kHex[] = "0123456789abcdef";
    const Digest d = digest(kind, input);
    std::string hex;
    hex.reserve(2 * d.size);
    for (std::size_t i = 0; i < d.size; ++i) {
        hex += kHex[d.bytes[i] >> 4];
        hex += kHex[d.bytes[i] & 0xf];
    }
    return hex;
}

std::string hex_digest(DigestKind kind, std::string_view input) {
    return hex_digest(kind,
                      std::span(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()));
}

}  // namespace spoor::proto
