#include "trails/trail_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <unordered_map>
#include <utility>

#include "common/atomic_file.h"
#include "common/hashing.h"
#include "common/unique_fd.h"
#include "trails/keys.h"

namespace spoor::trails {

namespace {

using store::Entry;
using store::Header;
using store::IndexHeader;
using store::Record;
using store::Section;
using store::SectionId;
using store::Slot;

std::uint32_t tag_of(std::uint64_t h) {
    return static_cast<std::uint32_t>(h >> 32);
}

template <typename T>
const T* at(std::span<const std::byte> bytes, std::size_t offset) {
    return reinterpret_cast<const T*>(bytes.data() + offset);
}

[[noreturn]] void refuse(const std::string& origin, const std::string& why) {
    throw StoreError("trail store " + origin + ": " + why);
}

}  // namespace

std::uint64_t hash_domain(std::string_view domain) {
    std::uint64_t h = kHashSeed;
    for (std::size_t end = domain.size();;) {
        const std::size_t dot = end == 0 ? std::string_view::npos : domain.rfind('.', end - 1);
        const std::size_t begin = dot == std::string_view::npos ? 0 : dot + 1;
        h = hash_chain(h, domain.substr(begin, end - begin));
        if (dot == std::string_view::npos) {
            return finish_hash(h);
        }
        end = dot;
    }
}

std::uint64_t hash_key(store::KeyHash hash, std::string_view key) {
    return hash == store::KeyHash::Labels ? hash_domain(key) : hash_string(key);
}

std::uint32_t KeyIndex::find_here(std::string_view key, std::uint64_t h) const {
    if (slots_.empty() || !bloom_holds(h)) {
        return kNoRecord;
    }
    const std::size_t mask = slots_.size() - 1;
    // At most every slot once: a file whose table has no free slot cannot loop.
    for (std::size_t i = h & mask, n = 0; n < slots_.size(); i = (i + 1) & mask, ++n) {
        const Slot slot = slots_[i];
        if (slot.entry == store::kNoEntry || slot.entry >= entries_.size()) {
            return kNoRecord;
        }
        if (slot.tag == tag_of(h)) {
            const Item found = item(slot.entry);  // kNoRecord for a damaged entry
            if (found.record != kNoRecord && found.key == key) {
                return found.record;
            }
        }
    }
    return kNoRecord;
}

KeyIndex::Item KeyIndex::item(std::size_t i) const {
    const Entry& e = entries_[i];
    // Checked here rather than for every entry at open, which would read the whole file.
    if (e.key_offset > strings_.size() || e.key_size > strings_.size() - e.key_offset ||
        e.record >= records_) {
        return {{}, kNoRecord};
    }
    return {strings_.substr(e.key_offset, e.key_size), e.record};
}

namespace store_keys {

namespace {

std::size_t width(std::uint8_t family) {
    return family == 4 ? 4 : 16;
}

void put_address(Buffer& b, const IpAddress& addr) {
    std::memcpy(b.bytes.data() + b.size, addr.bytes.data(), width(addr.family));
    b.size = static_cast<std::uint8_t>(b.size + width(addr.family));
}

// The family byte and the address after `skip` more bytes, if the key has that shape.
bool take_address(std::string_view key, std::size_t skip, IpAddress& out) {
    if (key.empty() || (key[0] != 4 && key[0] != 6)) {
        return false;
    }
    const auto family = static_cast<std::uint8_t>(key[0]);
    if (key.size() != 1 + skip + width(family)) {
        return false;
    }
    out = IpAddress{};
    out.family = family;
    std::memcpy(out.bytes.data(), key.data() + 1 + skip, width(family));
    return true;
}

}  // namespace

Buffer ip(const IpAddress& addr) {
    Buffer b;
    b.bytes[b.size++] = static_cast<char>(addr.family);
    put_address(b, addr);
    return b;
}

Buffer prefix(const Prefix& prefix) {
    Buffer b;
    b.bytes[b.size++] = static_cast<char>(prefix.addr.family);
    b.bytes[b.size++] = static_cast<char>(prefix.len);
    put_address(b, prefix.addr);
    return b;
}

Buffer ip_port(const IpPort& ip_port) {
    Buffer b;
    b.bytes[b.size++] = static_cast<char>(ip_port.addr.family);
    b.bytes[b.size++] = static_cast<char>(ip_port.port >> 8);
    b.bytes[b.size++] = static_cast<char>(ip_port.port & 0xff);
    put_address(b, ip_port.addr);
    return b;
}

bool parse_ip(std::string_view key, IpAddress& out) {
    return take_address(key, 0, out);
}

bool parse_prefix(std::string_view key, Prefix& out) {
    if (!take_address(key, 1, out.addr)) {
        return false;
    }
    out.len = static_cast<std::uint8_t>(key[1]);
    return out.len <= out.addr.bits();
}

bool parse_ip_port(std::string_view key, IpPort& out) {
    if (!take_address(key, 2, out.addr)) {
        return false;
    }
    out.port = static_cast<std::uint16_t>(static_cast<std::uint8_t>(key[1]) << 8 |
                                          static_cast<std::uint8_t>(key[2]));
    return true;
}

}  // namespace store_keys

std::string store_key(IndicatorKind kind, std::string_view key) {
    switch (kind) {
        case IndicatorKind::Ip:
            if (const auto addr = IpAddress::parse(key)) {
                return std::string(store_keys::ip(*addr).view());
            }
            break;
        case IndicatorKind::Cidr: {
            Prefix prefix;
            if (keys::parse_prefix(key, prefix) == keys::Parse::Ok) {
                return std::string(store_keys::prefix(prefix).view());
            }
            break;
        }
        case IndicatorKind::IpPort: {
            IpPort ip_port;
            if (keys::parse_ip_port(key, ip_port) == keys::Parse::Ok) {
                return std::string(store_keys::ip_port(ip_port).view());
            }
            break;
        }
        case IndicatorKind::Url:
            while (!key.empty() && key.back() == '/') {
                key.remove_suffix(1);
            }
            break;
        default:
            break;
    }
    return std::string(key);
}

std::shared_ptr<const TrailStore> TrailStore::open(const std::filesystem::path& file) {
    const std::string origin = file.string();
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        refuse(origin, std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        refuse(origin, std::strerror(errno));
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < sizeof(Header)) {
        refuse(origin, "not a trail store (" + std::to_string(size) + " bytes)");
    }
    // Populated at once: the first lookups then find the tables in memory.
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd.get(), 0);
    if (mapping == MAP_FAILED) {
        refuse(origin, std::string("cannot map it: ") + std::strerror(errno));
    }
    std::shared_ptr<TrailStore> result(new TrailStore());
    result->origin_ = origin;
    result->mapping_ = mapping;
    result->image_ = {static_cast<const std::byte*>(mapping), size};
    result->bind();
    result->pin_hot_indexes();
    return result;
}

std::shared_ptr<const TrailStore> TrailStore::layered(
    std::shared_ptr<const TrailStore> base, const TrailSet& custom,
    const std::vector<std::pair<IndicatorKind, std::string>>& removed) {
    std::shared_ptr<TrailStore> result(new TrailStore());
    result->origin_ = base->origin_ + " + the operator's trails";
    result->image_ = base->image_;
    result->records_ = base->records_;
    result->strings_ = base->strings_;
    result->meta_ = base->meta_;
    result->indexes_ = base->indexes_;
    result->overlay_ = store_of(custom);
    for (const auto& [kind, key] : removed) {
        result->removed_[static_cast<std::size_t>(kind)].insert(store_key(kind, key));
    }
    // The base's regex databases hold its regex trails: kept unless the operator's change them.
    if (result->overlay_->count(IndicatorKind::RegexDomain) == 0 &&
        result->removed_[static_cast<std::size_t>(IndicatorKind::RegexDomain)].empty()) {
        result->regex_database_ = base->regex_database_;
    }
    const auto offset = static_cast<std::uint32_t>(base->record_count());
    for (std::size_t k = 0; k < kIndicatorKinds; ++k) {
        KeyIndex& index = result->indexes_[k];
        index.overlay_ = &result->overlay_->indexes_[k];
        index.overlay_records_ = offset;
        if (!result->removed_[k].empty()) {
            index.removed_ = &result->removed_[k];
        }
        // Hidden: base keys removed or listed again, each once.
        KeySet hidden(result->removed_[k].begin(), result->removed_[k].end());
        for (std::size_t i = 0; i < index.overlay_->entries_.size(); ++i) {
            hidden.insert(std::string(index.overlay_->item(i).key));
        }
        for (const std::string& key : hidden) {
            index.hidden_ += index.find_here(key, index.hash(key)) != kNoRecord;
        }
    }
    result->base_ = std::move(base);
    return result;
}

std::shared_ptr<const TrailStore> TrailStore::from_image(std::vector<std::byte> image,
                                                         std::string origin) {
    std::shared_ptr<TrailStore> result(new TrailStore());
    result->origin_ = std::move(origin);
    result->owned_ = std::move(image);
    result->image_ = result->owned_;
    result->bind();
    result->pin_hot_indexes();
    return result;
}

bool TrailStore::is_store_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::array<char, store::kMagic.size()> magic{};
    return in.read(magic.data(), magic.size()) && magic == store::kMagic;
}

TrailStore::~TrailStore() {
    if (mapping_ != nullptr) {
        ::munmap(mapping_, image_.size());
    }
}

const Header& TrailStore::header() const {
    return *at<Header>(image_, 0);
}

void TrailStore::bind() {
    if (image_.size() < sizeof(Header) || header().magic != store::kMagic) {
        refuse(origin_, "not a trail store (compile one with `spoor trails compile`)");
    }
    const Header& h = header();
    if (h.version != store::kVersion) {
        refuse(origin_, "store version " + std::to_string(h.version) + ", this spoor reads " +
                            std::to_string(store::kVersion) + ": compile it again");
    }
    if (h.file_size != image_.size()) {
        refuse(origin_, "cut short or grown: " + std::to_string(image_.size()) +
                            " bytes, the header says " + std::to_string(h.file_size));
    }
    const std::size_t table_end = sizeof(Header) + std::size_t{h.section_count} * sizeof(Section);
    if (h.section_count > 64 || table_end > image_.size()) {
        refuse(origin_, "section table out of bounds");
    }
    std::array<bool, kIndicatorKinds> seen{};
    for (std::uint32_t s = 0; s < h.section_count; ++s) {
        const Section& section = *at<Section>(image_, sizeof(Header) + s * sizeof(Section));
        if (section.offset % store::kAlign != 0 || section.offset < table_end ||
            section.offset > image_.size() || section.size > image_.size() - section.offset) {
            refuse(origin_, "section " + std::to_string(s) + " out of bounds");
        }
        const auto bytes = image_.subspan(section.offset, section.size);
        const auto text =
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        switch (section.id) {
            case SectionId::Records:
                if (bytes.size() % sizeof(Record) != 0) {
                    refuse(origin_, "records section of a size no record divides");
                }
                records_ = {at<Record>(bytes, 0), bytes.size() / sizeof(Record)};
                break;
            case SectionId::Strings:
                strings_ = text;
                break;
            case SectionId::Meta:
                meta_ = text;
                break;
            case SectionId::RegexDatabase:
                regex_database_ = bytes;
                break;
            case SectionId::Index: {
                if (section.kind >= kIndicatorKinds || seen[section.kind] ||
                    bytes.size() < sizeof(IndexHeader)) {
                    refuse(origin_, "index section " + std::to_string(s) + " is malformed");
                }
                seen[section.kind] = true;
                const IndexHeader& ih = *at<IndexHeader>(bytes, 0);
                const std::uint64_t limit = bytes.size() / 8;  // no count can exceed this
                if (ih.entry_count > limit || ih.slot_count > limit || ih.bloom_words > limit ||
                    !std::has_single_bit(std::max<std::uint64_t>(ih.slot_count, 1)) ||
                    (ih.slot_count == 0) != (ih.bloom_words == 0) ||
                    sizeof(IndexHeader) + ih.entry_count * sizeof(Entry) +
                            ih.slot_count * sizeof(Slot) + ih.bloom_words * 8 >
                        bytes.size() ||
                    (ih.hash != store::KeyHash::Bytes && ih.hash != store::KeyHash::Labels)) {
                    refuse(origin_,
                           "index of " +
                               std::string(kind_name(static_cast<IndicatorKind>(section.kind))) +
                               " is malformed");
                }
                KeyIndex& index = indexes_[section.kind];
                std::size_t offset = sizeof(IndexHeader);
                index.entries_ = {at<Entry>(bytes, offset), ih.entry_count};
                offset += ih.entry_count * sizeof(Entry);
                index.slots_ = {at<Slot>(bytes, offset), ih.slot_count};
                offset += ih.slot_count * sizeof(Slot);
                index.bloom_ = {at<std::uint64_t>(bytes, offset), ih.bloom_words};
                index.hash_ = ih.hash;
                break;
            }
            default:
                break;  // a section of a later version that this one does not need
        }
    }
    for (KeyIndex& index : indexes_) {
        index.strings_ = strings_;
        index.records_ = static_cast<std::uint32_t>(records_.size());
    }
}

void TrailStore::pin_hot_indexes() {
    constexpr std::size_t kHot = std::size_t{1} << 20;  // bytes of slots worth a copy
    for (KeyIndex& index : indexes_) {
        if (index.slots_.size_bytes() < kHot) {
            continue;
        }
        auto& slots = hot_slots_.emplace_back(index.slots_.size(), store::Slot{});
        std::copy(index.slots_.begin(), index.slots_.end(), slots.data());
        index.slots_ = {slots.data(), index.slots_.size()};
        auto& bloom = hot_bloom_.emplace_back(index.bloom_.size(), std::uint64_t{0});
        std::copy(index.bloom_.begin(), index.bloom_.end(), bloom.data());
        index.bloom_ = {bloom.data(), index.bloom_.size()};
    }
}

RecordView TrailStore::record(std::uint32_t id) const {
    if (id >= records_.size() && overlay_ != nullptr) {
        return overlay_->record(static_cast<std::uint32_t>(id - records_.size()));
    }
    if (id >= records_.size()) {
        throw std::out_of_range("trail record " + std::to_string(id) + " not in " + origin_);
    }
    const Record& r = records_[id];
    const auto text = [this](std::uint32_t offset, std::uint32_t size) {
        return offset <= strings_.size() && size <= strings_.size() - offset
                   ? strings_.substr(offset, size)
                   : std::string_view{};
    };
    return {text(r.info_offset, r.info_size), text(r.reference_offset, r.reference_size),
            r.severity};
}

std::size_t TrailStore::total() const {
    std::size_t n = 0;
    for (const KeyIndex& index : indexes_) {
        n += index.size();
    }
    return n;
}

std::vector<std::uint8_t> TrailStore::prefix_lengths(std::uint8_t family) const {
    std::array<bool, 129> present{};
    for_each_prefix([&](const Prefix& prefix, std::uint32_t) {
        if (prefix.addr.family == family) {
            present[prefix.len] = true;
        }
    });
    std::vector<std::uint8_t> lengths;
    for (int len = 128; len >= 0; --len) {
        if (present[static_cast<std::size_t>(len)]) {
            lengths.push_back(static_cast<std::uint8_t>(len));
        }
    }
    return lengths;
}

std::uint32_t TrailStore::find_ip(const IpAddress& addr) const {
    return index(IndicatorKind::Ip).find(store_keys::ip(addr).view());
}

std::uint32_t TrailStore::find_prefix(const Prefix& prefix) const {
    return index(IndicatorKind::Cidr).find(store_keys::prefix(prefix).view());
}

std::uint32_t TrailStore::find_ip_port(const IpPort& ip_port) const {
    return index(IndicatorKind::IpPort).find(store_keys::ip_port(ip_port).view());
}

// ---- writing -------------------------------------------------------------------------------

namespace {

// The image under construction: sections appended 64-byte aligned.
class ImageWriter {
  public:
    explicit ImageWriter(std::size_t sections) {
        image_.resize(sizeof(Header) + sections * sizeof(Section));
    }

    void add(SectionId id, std::uint32_t kind, std::span<const std::byte> bytes) {
        image_.resize((image_.size() + store::kAlign - 1) / store::kAlign * store::kAlign);
        sections_.push_back(Section{id, kind, image_.size(), bytes.size()});
        image_.insert(image_.end(), bytes.begin(), bytes.end());
    }

    std::vector<std::byte> finish(Header header) {
        header.section_count = static_cast<std::uint32_t>(sections_.size());
        header.file_size = image_.size();
        std::memcpy(image_.data(), &header, sizeof(header));
        std::memcpy(image_.data() + sizeof(header), sections_.data(),
                    sections_.size() * sizeof(Section));
        return std::move(image_);
    }

  private:
    std::vector<std::byte> image_;
    std::vector<Section> sections_;
};

template <typename T>
void append(std::vector<std::byte>& out, const T* data, std::size_t count) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    out.insert(out.end(), bytes, bytes + count * sizeof(T));
}

// Every text of the store once: info and reference strings repeat across records.
class StringPool {
  public:
    std::uint32_t add(std::string_view text) {
        if (bytes_.size() + text.size() > std::numeric_limits<std::uint32_t>::max()) {
            throw StoreError("trail store: more than 4 GiB of text");
        }
        const auto offset = static_cast<std::uint32_t>(bytes_.size());
        bytes_.append(text);
        return offset;
    }
    std::uint32_t add_shared(std::string_view text) {
        const auto [it, added] = shared_.try_emplace(std::string(text), 0);
        if (added) {
            it->second = add(text);
        }
        return it->second;
    }
    std::span<const std::byte> bytes() const {
        return {reinterpret_cast<const std::byte*>(bytes_.data()), bytes_.size()};
    }

  private:
    std::string bytes_;
    std::unordered_map<std::string, std::uint32_t> shared_;
};

using Keyed = std::vector<std::pair<std::string, std::uint32_t>>;

// The keys of one kind as the store holds them, sorted (the image does not depend on
// the hash order of the set it was made from).
Keyed keys_of(const TrailSet& set, IndicatorKind kind) {
    Keyed out;
    const auto text = [&](const TextIndex& map) { out.assign(map.begin(), map.end()); };
    switch (kind) {
        case IndicatorKind::Ip:
            for (const auto& [addr, id] : set.ips) {
                out.emplace_back(std::string(store_keys::ip(addr).view()), id);
            }
            break;
        case IndicatorKind::IpPort:
            for (const auto& [ip_port, id] : set.ipports) {
                out.emplace_back(std::string(store_keys::ip_port(ip_port).view()), id);
            }
            break;
        case IndicatorKind::Cidr:
            for (const auto& [prefix, id] : set.cidrs) {
                out.emplace_back(std::string(store_keys::prefix(prefix).view()), id);
            }
            break;
        case IndicatorKind::Domain:
            text(set.domains);
            break;
        case IndicatorKind::RegexDomain:
            text(set.regex_domains);
            break;
        case IndicatorKind::Url:
            // Without trailing slashes: "host/" (a host's root page) is met by the candidate
            // that is the host alone, and "/dir/" by the path "/dir/" (url_matcher.h).
            for (const auto& [key, id] : set.urls) {
                out.emplace_back(store_key(IndicatorKind::Url, key), id);
            }
            break;
        case IndicatorKind::UserAgent:
            text(set.user_agents);
            break;
        case IndicatorKind::CertSha1:
            text(set.cert_sha1);
            break;
        case IndicatorKind::Ja3:
            text(set.ja3);
            break;
        case IndicatorKind::Ja4:
            text(set.ja4);
            break;
    }
    std::sort(out.begin(), out.end());
    // Two URL trails that differ only by trailing slashes are one key: the first record
    // in sorted order stays, whatever order the set was filled in.
    out.erase(std::unique(out.begin(), out.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              out.end());
    return out;
}

std::vector<std::byte> index_section(IndicatorKind kind, const Keyed& keys, StringPool& strings) {
    const store::KeyHash hash =
        kind == IndicatorKind::Domain ? store::KeyHash::Labels : store::KeyHash::Bytes;
    const std::size_t n = keys.size();
    // At most 2/3 full, so that probe runs stay short.
    const std::size_t slot_count = n == 0 ? 0 : std::bit_ceil(std::max<std::size_t>(16, n * 3 / 2));
    const std::size_t bloom_words = n == 0 ? 0 : bloom::words_for(n);
    std::vector<Entry> entries(n);
    std::vector<Slot> slots(slot_count, Slot{0, store::kNoEntry});
    std::vector<std::uint64_t> bloom_bits(bloom_words, 0);
    for (std::size_t e = 0; e < n; ++e) {
        const auto& [key, record] = keys[e];
        entries[e] = Entry{strings.add(key), static_cast<std::uint32_t>(key.size()), record, 0};
        const std::uint64_t h = hash_key(hash, key);
        std::size_t i = h & (slot_count - 1);
        while (slots[i].entry != store::kNoEntry) {
            i = (i + 1) & (slot_count - 1);
        }
        slots[i] = Slot{tag_of(h), static_cast<std::uint32_t>(e)};
        bloom_bits[bloom::word(h, bloom_words)] |= bloom::bits(h);
    }
    const IndexHeader header{static_cast<std::uint32_t>(kind), hash, n, slot_count, bloom_words};
    std::vector<std::byte> out;
    append(out, &header, 1);
    append(out, entries.data(), entries.size());
    append(out, slots.data(), slots.size());
    append(out, bloom_bits.data(), bloom_bits.size());
    return out;
}

}  // namespace

std::vector<std::byte> write_store_image(const TrailSet& set, std::string_view meta,
                                         std::span<const std::byte> regex_database) {
    StringPool strings;
    std::vector<Record> records;
    records.reserve(set.records().size());
    for (const TrailRecord& r : set.records()) {
        const auto clamp = [](std::size_t size) {
            return static_cast<std::uint16_t>(std::min<std::size_t>(size, 0xffff));
        };
        records.push_back(Record{strings.add_shared(r.info),
                                 strings.add_shared(r.reference),
                                 clamp(r.info.size()),
                                 clamp(r.reference.size()),
                                 r.severity,
                                 {}});
    }
    std::vector<std::vector<std::byte>> indexes;
    std::uint64_t indicators = 0;
    for (std::size_t k = 0; k < kIndicatorKinds; ++k) {
        const auto kind = static_cast<IndicatorKind>(k);
        const Keyed keys = keys_of(set, kind);
        indicators += keys.size();
        indexes.push_back(index_section(kind, keys, strings));
    }

    ImageWriter image(4 + kIndicatorKinds);
    std::vector<std::byte> record_bytes;
    append(record_bytes, records.data(), records.size());
    image.add(SectionId::Records, 0, record_bytes);
    image.add(SectionId::Strings, 0, strings.bytes());
    image.add(SectionId::Meta, 0, std::as_bytes(std::span(meta.data(), meta.size())));
    for (std::size_t k = 0; k < kIndicatorKinds; ++k) {
        image.add(SectionId::Index, static_cast<std::uint32_t>(k), indexes[k]);
    }
    if (!regex_database.empty()) {
        image.add(SectionId::RegexDatabase, 0, regex_database);
    }
    Header header{};
    header.magic = store::kMagic;
    header.version = store::kVersion;
    header.created_unix_ns =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    header.indicators = indicators;
    header.records = static_cast<std::uint32_t>(records.size());
    return image.finish(header);
}

std::shared_ptr<const TrailStore> store_of(const TrailSet& set, std::string_view meta) {
    return TrailStore::from_image(write_store_image(set, meta, {}), "(compiled in memory)");
}

void save_store_file(const std::filesystem::path& file, std::span<const std::byte> image) {
    try {
        write_file_atomically(file, image);
    } catch (const std::runtime_error& e) {
        throw StoreError(std::string("trail store ") + e.what());
    }
}

}  // namespace spoor::trails
