// Reading a breach filter: open, validate, look up. The builder is in
// breach_filter_build.cpp; the layout in breach_filter_format.hpp.

// SHA1_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but in
// OpenSSL 3.0 both the one-shot SHA1() and EVP_Digest* allocate and fetch the
// algorithm (taking a lock) on every call; the low-level functions do neither.
// MayContainPassword promises to be lock-free and allocation-free, so it uses them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "policy/breach_filter.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "policy/breach_filter_format.hpp"

namespace latchkey {

namespace breach_format {

Layout ComputeLayout(std::uint64_t n) {
  // The formulas need ln(n) > 0; tiny partitions get the n = 2 shape (12 cells).
  const double nd = static_cast<double>(std::max<std::uint64_t>(n, 2));
  const double log2_length = std::floor(std::log(nd) / std::log(3.33) + 2.25);
  Layout layout;
  layout.segment_length_log2 = static_cast<std::uint32_t>(
      std::clamp(log2_length, 1.0, static_cast<double>(kMaxSegmentLengthLog2)));
  const double size_factor = std::max(1.125, 0.875 + 0.25 * std::log(1e6) / std::log(nd));
  const auto capacity = static_cast<std::uint64_t>(std::ceil(nd * size_factor));
  const std::uint64_t length = layout.segment_length();
  const std::uint64_t segments = (capacity + length - 1) / length;
  layout.segment_count =
      static_cast<std::uint32_t>(segments > kArity ? segments - (kArity - 1) : 1);
  return layout;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr ||
      EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    // Only an out-of-memory OpenSSL fails here; continuing would give wrong digests.
    std::abort();
  }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::Update(const void* data, std::size_t len) {
  if (len > 0) EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, len);
}

void Sha256Stream::Final(unsigned char* out) {
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &len);
}

}  // namespace breach_format

namespace {

namespace bf = breach_format;
using bf::DirectoryOffsets;
using bf::HeaderOffsets;

Status Corrupt(const std::string& path, const std::string& problem) {
  return Status::InvalidArgument("breach_filter_invalid", path + ": " + problem);
}

std::string Hex(const std::uint8_t* data, std::size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

}  // namespace

Result<BreachFilter> BreachFilter::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Status::NotFound("breach_filter_missing",
                              path +
                                  ": no breach filter file (build one with "
                                  "`latchkey breach import`)");
    }
    return Status::Error(Errc::kUnavailable, "breach_filter_unreadable",
                         path + ": cannot open: " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::Error(Errc::kUnavailable, "breach_filter_unreadable",
                         path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Corrupt(path, "not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < bf::kHeaderSize) {
    ::close(fd);
    return Corrupt(path, "truncated: " + std::to_string(size) + " bytes, shorter than the " +
                             std::to_string(bf::kHeaderSize) + "-byte header");
  }
  // MAP_POPULATE: the checksum below reads every page anyway, and populating the
  // whole map in one call is faster than taking a fault per page.
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  const int map_err = errno;
  ::close(fd);  // the mapping keeps the file referenced
  if (map == MAP_FAILED) {
    return Status::Error(Errc::kUnavailable, "breach_filter_unreadable",
                         path + ": cannot map: " + std::strerror(map_err));
  }

  BreachFilter filter;
  filter.map_ = map;
  filter.map_size_ = size;
  const auto* bytes = static_cast<const unsigned char*>(map);

  if (std::memcmp(bytes + HeaderOffsets::kMagic, bf::kMagic, sizeof bf::kMagic) != 0) {
    return Corrupt(path, "not a breach filter file (bad magic)");
  }
  const std::uint32_t version = bf::LoadU32(bytes + HeaderOffsets::kVersion);
  if (version != bf::kVersion) {
    return Corrupt(path, "unsupported format version " + std::to_string(version) +
                             " (this build reads version " + std::to_string(bf::kVersion) +
                             "; rebuild it with `latchkey breach import`)");
  }
  if (bf::LoadU32(bytes + HeaderOffsets::kHeaderSize) != bf::kHeaderSize) {
    return Corrupt(path, "corrupt header (wrong header size)");
  }

  // Every offset must be checked against the real size before anything is read
  // through it, checksums included: a corrupt header must not send us off the map.
  const std::uint64_t recorded_size = bf::LoadU64(bytes + HeaderOffsets::kFileSize);
  const std::uint64_t fp_offset = bf::LoadU64(bytes + HeaderOffsets::kFingerprintsOffset);
  const std::uint64_t fp_size = bf::LoadU64(bytes + HeaderOffsets::kFingerprintsSize);
  const std::uint64_t dir_offset = bf::LoadU64(bytes + HeaderOffsets::kDirectoryOffset);
  const std::uint64_t dir_size = bf::LoadU64(bytes + HeaderOffsets::kDirectorySize);
  if (fp_offset < bf::kHeaderSize || fp_offset > size) {
    return Corrupt(path, "corrupt header (fingerprint offset out of range)");
  }
  {
    bf::Sha256Stream meta;
    meta.Update(bytes, HeaderOffsets::kMetaSha256);
    meta.Update(bytes + bf::kHeaderSize, fp_offset - bf::kHeaderSize);
    unsigned char digest[32];
    meta.Final(digest);
    if (std::memcmp(digest, bytes + HeaderOffsets::kMetaSha256, 32) != 0) {
      return Corrupt(path, "header or directory checksum mismatch (the file is corrupt)");
    }
  }
  if (recorded_size != size) {
    return Corrupt(path, (size < recorded_size ? "truncated: " : "wrong size: ") +
                             std::to_string(size) + " bytes, the header records " +
                             std::to_string(recorded_size));
  }

  const std::uint32_t partition_bits = bf::LoadU32(bytes + HeaderOffsets::kPartitionBits);
  if (bf::LoadU32(bytes + HeaderOffsets::kFingerprintBits) != bf::kFingerprintBits ||
      bf::LoadU32(bytes + HeaderOffsets::kArity) != bf::kArity ||
      partition_bits > bf::kMaxPartitionBits) {
    return Corrupt(path, "unsupported filter parameters");
  }
  const std::uint64_t partitions = std::uint64_t{1} << partition_bits;
  if (dir_offset != bf::kHeaderSize || dir_size != partitions * bf::kDirectoryEntrySize ||
      fp_offset != bf::AlignUp(dir_offset + dir_size, bf::kFingerprintAlignment) ||
      fp_size != size - fp_offset) {
    return Corrupt(path, "inconsistent header (region sizes do not add up)");
  }

  {
    // Reading the fingerprints sequentially once; lookups then read at random,
    // where read-ahead after an eviction would only waste I/O.
    ::madvise(map, size, MADV_SEQUENTIAL);
    bf::Sha256Stream body;
    body.Update(bytes + fp_offset, fp_size);
    unsigned char digest[32];
    body.Final(digest);
    ::madvise(map, size, MADV_RANDOM);
    if (std::memcmp(digest, bytes + HeaderOffsets::kFingerprintsSha256, 32) != 0) {
      return Corrupt(path, "fingerprint checksum mismatch (the file is corrupt)");
    }
  }

  // The checksums say the file is as written; these checks make sure that what was
  // written cannot make a lookup read outside the map, whoever wrote it.
  filter.parts_.reserve(partitions);
  std::uint64_t expected_offset = 0;
  std::uint64_t key_total = 0;
  for (std::uint64_t i = 0; i < partitions; ++i) {
    const unsigned char* e = bytes + dir_offset + i * bf::kDirectoryEntrySize;
    bf::Layout layout;
    layout.segment_length_log2 = e[DirectoryOffsets::kSegmentLengthLog2];
    layout.segment_count = bf::LoadU32(e + DirectoryOffsets::kSegmentCount);
    const std::uint64_t offset = bf::LoadU64(e + DirectoryOffsets::kFingerprintOffset);
    const std::uint64_t cells = layout.array_length();
    if (layout.segment_length_log2 < 1 || layout.segment_length_log2 > bf::kMaxSegmentLengthLog2 ||
        layout.segment_count == 0 || cells > std::uint64_t{0xffffffff} ||
        offset != expected_offset || offset + 2 * cells > fp_size) {
      return Corrupt(path, "inconsistent directory entry for partition " + std::to_string(i));
    }
    expected_offset = bf::AlignUp(offset + 2 * cells, bf::kFingerprintAlignment);
    key_total += bf::LoadU32(e + DirectoryOffsets::kKeyCount);
    filter.parts_.push_back(Part{reinterpret_cast<const std::uint16_t*>(bytes + fp_offset + offset),
                                 bf::LoadU64(e + DirectoryOffsets::kSeed),
                                 layout.segment_count_length(), layout.segment_length(),
                                 layout.segment_mask()});
  }
  filter.entry_count_ = bf::LoadU64(bytes + HeaderOffsets::kEntryCount);
  if (key_total != filter.entry_count_ || expected_offset != fp_size) {
    return Corrupt(path, "inconsistent directory (partition sizes do not add up)");
  }
  filter.partition_bits_ = partition_bits;
  filter.source_lines_ = bf::LoadU64(bytes + HeaderOffsets::kSourceLines);
  std::memcpy(filter.source_sha256_.data(), bytes + HeaderOffsets::kSourceSha256, 32);
  return filter;
}

BreachFilter::BreachFilter(BreachFilter&& other) noexcept
    : map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      partition_bits_(other.partition_bits_),
      parts_(std::move(other.parts_)),
      entry_count_(other.entry_count_),
      source_lines_(other.source_lines_),
      source_sha256_(other.source_sha256_) {
  other.parts_.clear();
}

BreachFilter& BreachFilter::operator=(BreachFilter&& other) noexcept {
  if (this != &other) {
    Reset();
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
    partition_bits_ = other.partition_bits_;
    parts_ = std::move(other.parts_);
    other.parts_.clear();
    entry_count_ = other.entry_count_;
    source_lines_ = other.source_lines_;
    source_sha256_ = other.source_sha256_;
  }
  return *this;
}

BreachFilter::~BreachFilter() { Reset(); }

void BreachFilter::Reset() {
  if (map_ != nullptr) ::munmap(const_cast<void*>(map_), map_size_);
  map_ = nullptr;
  map_size_ = 0;
  parts_.clear();
}

bool BreachFilter::MayContainSha1(const std::uint8_t sha1[20]) const {
  // A moved-from filter has no partitions and contains nothing.
  if (parts_.empty()) return false;
  const std::uint64_t key = bf::KeyFromSha1(sha1);
  const Part& part = parts_[bf::PartitionOf(key, partition_bits_)];
  const std::uint64_t h = bf::Mix(key, part.seed);
  const bf::Positions pos =
      bf::PositionsOf(h, part.segment_count_length, part.segment_length, part.segment_mask);
  const std::uint16_t* f = part.fingerprints;
  return static_cast<std::uint16_t>(f[pos.p[0]] ^ f[pos.p[1]] ^ f[pos.p[2]]) == bf::Fingerprint(h);
}

bool BreachFilter::MayContainPassword(std::string_view utf8_password) const {
  SHA_CTX ctx;
  std::uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, utf8_password.data(), utf8_password.size());
  SHA1_Final(digest, &ctx);
  const bool found = MayContainSha1(digest);
  // The digest identifies the password as well as the password itself does.
  OPENSSL_cleanse(&ctx, sizeof ctx);
  OPENSSL_cleanse(digest, sizeof digest);
  return found;
}

std::string BreachFilter::source_sha256_hex() const {
  return Hex(source_sha256_.data(), source_sha256_.size());
}

}  // namespace latchkey
