// The on-disk layout of a breach filter and the hashing shared by the builder
// (breach_filter_build.cpp), the reader (breach_filter.cpp) and the tests.
// Internal to src/policy: other code uses breach_filter.hpp only.
//
// A file is, in order (all integers little-endian):
//   header       kHeaderSize bytes (FileHeader below)
//   directory    one DirectoryEntry per partition, 2^partition_bits of them
//   zero padding up to a multiple of kFingerprintAlignment
//   fingerprints each partition's 16-bit fingerprint array, in partition order,
//                each starting at a multiple of kFingerprintAlignment
// docs/breach-filter.md describes the format and the algorithm in prose.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace latchkey::breach_format {

static_assert(std::endian::native == std::endian::little,
              "the filter file is little-endian and mapped as is");

inline constexpr char kMagic[8] = {'L', 'K', 'B', 'R', 'E', 'A', 'C', 'H'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 192;
inline constexpr std::size_t kDirectoryEntrySize = 32;
inline constexpr std::size_t kFingerprintAlignment = 64;  // one cache line
inline constexpr std::uint32_t kFingerprintBits = 16;
inline constexpr std::uint32_t kArity = 3;
// At most 2^8 partitions: the builder spills keys into 256 buckets by their top byte.
inline constexpr std::uint32_t kMaxPartitionBits = 8;
// Segment lengths are powers of two up to 2^18 (the paper's cap: longer segments
// stop paying for themselves in construction success and cost locality).
inline constexpr std::uint32_t kMaxSegmentLengthLog2 = 18;

// Byte offsets of the header fields.
struct HeaderOffsets {
  static constexpr std::size_t kMagic = 0;                // char[8]
  static constexpr std::size_t kVersion = 8;              // u32
  static constexpr std::size_t kHeaderSize = 12;          // u32
  static constexpr std::size_t kFileSize = 16;            // u64
  static constexpr std::size_t kEntryCount = 24;          // u64: distinct keys stored
  static constexpr std::size_t kSourceLines = 32;         // u64: entry lines read from the input
  static constexpr std::size_t kFingerprintBits = 40;     // u32
  static constexpr std::size_t kArity = 44;               // u32
  static constexpr std::size_t kPartitionBits = 48;       // u32
  static constexpr std::size_t kReserved = 52;            // u32, zero
  static constexpr std::size_t kDirectoryOffset = 56;     // u64
  static constexpr std::size_t kDirectorySize = 64;       // u64
  static constexpr std::size_t kFingerprintsOffset = 72;  // u64
  static constexpr std::size_t kFingerprintsSize = 80;    // u64
  static constexpr std::size_t kBaseSeed = 88;            // u64
  // u8[32]: SHA-256 of the input text (after gunzip).
  static constexpr std::size_t kSourceSha256 = 96;
  // u8[32]: SHA-256 of the fingerprint region [fingerprints_offset, file_size).
  static constexpr std::size_t kFingerprintsSha256 = 128;
  // u8[32]: SHA-256 of bytes [0, 160) followed by [192, fingerprints_offset): the
  // rest of the header, the directory and its padding.
  static constexpr std::size_t kMetaSha256 = 160;
};
static_assert(HeaderOffsets::kMetaSha256 + 32 == kHeaderSize);

// Byte offsets inside one directory entry.
struct DirectoryOffsets {
  static constexpr std::size_t kSeed = 0;                // u64
  static constexpr std::size_t kFingerprintOffset = 8;   // u64, bytes from fingerprints_offset
  static constexpr std::size_t kKeyCount = 16;           // u32: distinct keys in this partition
  static constexpr std::size_t kSegmentCount = 20;       // u32
  static constexpr std::size_t kSegmentLengthLog2 = 24;  // u8
  static constexpr std::size_t kReserved = 25;           // u8[7], zero
};

inline std::uint32_t LoadU32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t LoadU64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void StoreU32(unsigned char* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }
inline void StoreU64(unsigned char* p, std::uint64_t v) { std::memcpy(p, &v, sizeof v); }

// The key of an entry: the first 8 bytes of its SHA-1, read big-endian so that
// keys sort like the hex text and the top bits are the first hex digits. SHA-1
// output is uniform, so no further hashing is needed to pick a partition.
inline std::uint64_t KeyFromSha1(const std::uint8_t* sha1) {
  std::uint64_t v;
  std::memcpy(&v, sha1, sizeof v);
  return __builtin_bswap64(v);
}

// Partition of a key: its top `partition_bits` bits. Written as two shifts so that
// partition_bits == 0 needs no branch (a shift by 64 would be undefined).
inline std::uint32_t PartitionOf(std::uint64_t key, std::uint32_t partition_bits) {
  return static_cast<std::uint32_t>((key >> 1) >> (63 - partition_bits));
}

// The per-partition hash: the key offset by the partition's seed, then the
// MurmurHash3 64-bit finaliser. The finaliser is a bijection, so distinct keys
// give distinct hashes under any seed (duplicates are exactly equal hashes).
inline std::uint64_t Mix(std::uint64_t key, std::uint64_t seed) {
  std::uint64_t h = key + seed;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

inline std::uint16_t Fingerprint(std::uint64_t h) {
  return static_cast<std::uint16_t>(h ^ (h >> 32));
}

// The shape of one partition's fingerprint array (binary fuse, arity 3).
struct Layout {
  std::uint32_t segment_length_log2 = 0;
  std::uint32_t segment_count = 0;  // segments a key's first position can fall in
  std::uint32_t segment_length() const { return 1u << segment_length_log2; }
  std::uint32_t segment_mask() const { return segment_length() - 1; }
  // Range of the first position: [0, segment_count * segment_length).
  std::uint64_t segment_count_length() const {
    return static_cast<std::uint64_t>(segment_count) << segment_length_log2;
  }
  // A key's three positions lie in three consecutive segments, so the array has
  // arity - 1 segments more than the first position can reach.
  std::uint64_t array_length() const {
    return static_cast<std::uint64_t>(segment_count + kArity - 1) << segment_length_log2;
  }
};

// Layout for n distinct keys, from the parameter formulas of Graf & Lemire (2022)
// for 3-wise binary fuse filters: segment length 2^floor(log_3.33(n) + 2.25) and an
// array of max(1.125, 0.875 + 0.25 ln(10^6) / ln(n)) cells per key. Implemented in
// breach_filter.cpp.
Layout ComputeLayout(std::uint64_t n);

struct Positions {
  std::uint32_t p[3];
};

// A key's three cells. The first is spread over the first segment_count segments by
// a multiply-high (no division); the other two are in the next two segments, at
// offsets taken from independent bits of the hash.
inline Positions PositionsOf(std::uint64_t h, std::uint64_t segment_count_length,
                             std::uint32_t segment_length, std::uint32_t segment_mask) {
  __extension__ using U128 = unsigned __int128;
  const auto p0 = static_cast<std::uint32_t>((static_cast<U128>(h) * segment_count_length) >> 64);
  std::uint32_t p1 = p0 + segment_length;
  std::uint32_t p2 = p1 + segment_length;
  p1 ^= static_cast<std::uint32_t>(h >> 18) & segment_mask;
  p2 ^= static_cast<std::uint32_t>(h) & segment_mask;
  return Positions{{p0, p1, p2}};
}

// Seed of a partition for a construction attempt. Any distinct values would do;
// deriving them from the base seed makes the same input give the same file.
inline std::uint64_t PartitionSeed(std::uint64_t base_seed, std::uint32_t partition,
                                   std::uint32_t attempt) {
  std::uint64_t z = base_seed + 0x9e3779b97f4a7c15ULL *
                                    (1 + (static_cast<std::uint64_t>(partition) << 16) + attempt);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::uint64_t AlignUp(std::uint64_t v, std::uint64_t alignment) {
  return (v + alignment - 1) / alignment * alignment;
}

// SHA-256 (OpenSSL, so SHA-NI where the CPU has it), incremental. Implemented in
// breach_filter.cpp. Not copyable; one per thread.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(const void* data, std::size_t len);
  // Writes 32 bytes. The stream must not be used afterwards.
  void Final(unsigned char* out);

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so this header stays free of OpenSSL
};

}  // namespace latchkey::breach_format
