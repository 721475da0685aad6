// Building a breach filter from a Pwned Passwords file (BuildBreachFilter).
//
// Two passes keep memory bounded whatever the input size:
//   1. Stream the input (plain or gzip), validate each line, take the key (first
//      64 bits of the SHA-1) and append it to one of 256 buckets by its top byte.
//      Buckets are buffered in 64 KiB blocks and spilled to one unlinked temporary
//      file. The input's SHA-256 is computed on the way.
//   2. For each partition (a run of 2^(8 - partition_bits) consecutive buckets),
//      read its keys back, hash them with the partition's seed, order them by
//      hash, build the binary fuse filter (dropping duplicates if it fails), check
//      every key against it, and append its fingerprints to the output. Peak
//      memory is one partition, about 37 bytes per key.
// The construction follows Graf & Lemire (2022): each key puts its hash into three
// cells (one per consecutive segment); cells holding exactly one key are peeled off
// repeatedly; if every key is peeled, fingerprints are assigned in reverse peeling
// order so that the three cells of every key XOR to its fingerprint.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "policy/breach_filter.hpp"
#include "policy/breach_filter_format.hpp"

namespace latchkey {
namespace {

namespace bf = breach_format;
using bf::DirectoryOffsets;
using bf::HeaderOffsets;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kInputBufferSize = std::size_t{4} << 20;
// The longest valid line: 40 hex digits, ':', 20 digits, CR, LF.
constexpr std::size_t kMaxLineLength = 63;
constexpr std::uint32_t kSpillBuckets = 1u << bf::kMaxPartitionBits;
constexpr std::size_t kSpillBlockKeys = 8192;  // 64 KiB per write
// Construction fails with a probability well under 1% per attempt at these sizes;
// running out of attempts means something else is wrong.
constexpr std::uint32_t kMaxAttempts = 64;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Errno(int err) { return std::strerror(err); }

Status Unavailable(std::string reason, std::string message) {
  return Status::Error(Errc::kUnavailable, std::move(reason), std::move(message));
}

// Writes all of `len` bytes, at `offset` when it is not negative.
bool WriteAll(int fd, const void* data, std::size_t len, off_t offset = -1) {
  const auto* p = static_cast<const char*>(data);
  while (len > 0) {
    const ssize_t n = offset < 0 ? ::write(fd, p, len) : ::pwrite(fd, p, len, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    len -= static_cast<std::size_t>(n);
    if (offset >= 0) offset += n;
  }
  return true;
}

bool ReadAllAt(int fd, void* data, std::size_t len, off_t offset) {
  auto* p = static_cast<char*>(data);
  while (len > 0) {
    const ssize_t n = ::pread(fd, p, len, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;  // the spill file is ours: it cannot be short
      return false;
    }
    p += n;
    len -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  int Close() {
    const int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// ---------------------------------------------------------------- input

// The input file as a byte stream: plain, or gzip when it starts with 1f 8b.
class Input {
 public:
  Input() = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() {
    if (gz_ != nullptr) gzclose(gz_);
  }

  Status Open(const std::string& path) {
    path_ = path;
    fd_.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd_.get() < 0) {
      return Status::InvalidArgument("breach_input_unreadable",
                                     path + ": cannot open: " + Errno(errno));
    }
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::InvalidArgument("breach_input_unreadable", path + ": not a regular file");
    }
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    unsigned char magic[2] = {0, 0};
    const ssize_t n = ::pread(fd_.get(), magic, 2, 0);
    if (n < 0) return ReadError(errno);
    gzip_ = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip_) {
      gz_ = gzdopen(fd_.get(), "rb");
      if (gz_ == nullptr) {
        return Unavailable("breach_input_unreadable", path + ": cannot start gzip reader");
      }
      fd_.release();  // gzclose closes it now
      gzbuffer(gz_, 1u << 20);
    }
    return Status::Ok();
  }

  bool gzip() const { return gzip_; }

  // Reads up to `len` bytes; 0 at the end of the text.
  Result<std::size_t> Read(char* buf, std::size_t len) {
    if (gzip_) {
      const int n = gzread(gz_, buf, static_cast<unsigned>(std::min<std::size_t>(len, INT_MAX)));
      int code = Z_OK;
      const char* what = gzerror(gz_, &code);
      if (n < 0 || (code != Z_OK && code != Z_STREAM_END)) {
        if (code == Z_ERRNO) return ReadError(errno);
        return Status::InvalidArgument(
            "breach_input_malformed",
            path_ + ": damaged gzip data (" + std::string(what ? what : "unknown error") + ")");
      }
      return static_cast<std::size_t>(n);
    }
    while (true) {
      const ssize_t n = ::read(fd_.get(), buf, len);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return ReadError(errno);
    }
  }

 private:
  Status ReadError(int err) const {
    return Unavailable("breach_input_unreadable", path_ + ": read failed: " + Errno(err));
  }

  std::string path_;
  Fd fd_;
  gzFile gz_ = nullptr;
  bool gzip_ = false;
};

// ---------------------------------------------------------------- line parsing

// kHexValue[c]: the digit's value, or 0xf0 for anything that is not a hex digit
// (OR-ing 40 entries and testing the high nibble checks a whole hash at once).
constexpr std::array<std::uint8_t, 256> kHexValue = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = 0xf0;
    if (c >= '0' && c <= '9') t[c] = static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') t[c] = static_cast<std::uint8_t>(c - 'A' + 10);
  }
  return t;
}();

bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Checks that the 40 bytes at u are hex digits and decodes the first 16 into k
// (the key), one byte at a time. For the last line of the input.
inline bool HexHashScalar(const unsigned char* u, std::uint64_t& k) {
  std::uint32_t bad = 0;
  std::uint64_t value = 0;
  for (int i = 0; i < 16; ++i) {
    const std::uint8_t v = kHexValue[u[i]];
    bad |= v;
    value = (value << 4) | (v & 15u);
  }
  for (int i = 16; i < 40; ++i) bad |= kHexValue[u[i]];
  k = value;
  return (bad & 0xf0u) == 0;
}

#if defined(__SSE2__)
// The same 16 bytes at a time (SSE2 is part of x86-64): the per-byte version was
// the largest cost of reading the input. Reads 48 bytes from u.
inline bool HexHash(const unsigned char* u, std::uint64_t& k) {
  const auto is_hex = [](__m128i x, __m128i* digit) {
    *digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                           _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));  // 'A'-'F' -> 'a'-'f'
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                         _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
    return _mm_movemask_epi8(_mm_or_si128(*digit, letter));
  };
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u + 16));
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u + 32));
  __m128i digit_a, unused;
  const int valid = is_hex(a, &digit_a) & is_hex(b, &unused) & (is_hex(c, &unused) | 0xff00);
  if (valid != 0xffff) return false;
  // Digit values of the first 16 characters, then pairs of them into bytes.
  const __m128i lower = _mm_or_si128(a, _mm_set1_epi8(0x20));
  const __m128i values =
      _mm_or_si128(_mm_and_si128(digit_a, _mm_sub_epi8(a, _mm_set1_epi8('0'))),
                   _mm_andnot_si128(digit_a, _mm_sub_epi8(lower, _mm_set1_epi8('a' - 10))));
  // In each 16-bit lane (first digit low): first << 4 | second in the low byte.
  const __m128i pairs = _mm_and_si128(
      _mm_or_si128(_mm_slli_epi16(values, 4), _mm_srli_epi16(values, 8)), _mm_set1_epi16(0xff));
  const __m128i bytes = _mm_packus_epi16(pairs, pairs);
  k = __builtin_bswap64(static_cast<std::uint64_t>(_mm_cvtsi128_si64(bytes)));
  return true;
}
#else
inline bool HexHash(const unsigned char* u, std::uint64_t& k) { return HexHashScalar(u, k); }
#endif

// Parses one `SHA1:COUNT` line at p (which is below end). On success stores the
// key, moves p past the line terminator and returns true. On failure leaves p.
inline bool ParseLine(const char*& p, const char* end, std::uint64_t& key) {
  if (end - p < 42) return false;
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  std::uint64_t k = 0;
  const bool hex = end - p >= 48 ? HexHash(u, k) : HexHashScalar(u, k);
  if (!hex || p[40] != ':') return false;
  const char* digits = p + 41;
  const char* limit = std::min(end, digits + 20);
  const char* d = digits;
  while (d < limit && IsDigit(*d)) ++d;
  if (d == digits) return false;
  if (d == end) {  // the last line may lack its newline
    p = d;
  } else if (*d == '\n') {
    p = d + 1;
  } else if (*d == '\r' && (d + 1 == end || d[1] == '\n')) {
    p = d + 1 == end ? end : d + 2;
  } else {
    return false;
  }
  key = k;
  return true;
}

// Why the line at p is not valid (only called after ParseLine refused it). Never
// quotes the line: a wrong file could be a list of real passwords.
std::string DescribeBadLine(const char* p, const char* end) {
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
  std::size_t len = (nl ? nl : end) - p;
  if (len > 0 && p[len - 1] == '\r') --len;
  if (len == 0) return "empty line";
  std::size_t hex = 0;
  while (hex < len && kHexValue[static_cast<unsigned char>(p[hex])] < 16) ++hex;
  const std::string expected = "; expected 40 hex digits (a SHA-1), ':' and a count";
  if (hex < 40) {
    if (hex < len && p[hex] == ':') {
      std::string msg = "the hash has " + std::to_string(hex) + " hex digits, a SHA-1 has 40";
      if (hex == 32) msg += " (an NTLM list? import the SHA-1 list)";
      return msg;
    }
    if (hex == len) return "line ends after " + std::to_string(len) + " characters" + expected;
    return "character " + std::to_string(hex + 1) + " is not a hex digit" + expected;
  }
  if (hex > 40) return "the hash is longer than 40 hex digits" + expected;
  if (len == 40) return "no ':' and count after the hash";
  if (p[40] != ':') return "character 41 is not ':'" + expected;
  std::size_t digits = 0;
  while (41 + digits < len && IsDigit(p[41 + digits])) ++digits;
  if (digits == 0) {
    return len == 41 ? "the count after ':' is missing" : "the count is not a decimal number";
  }
  if (digits > 20) return "the count has more than 20 digits";
  return "unexpected character " + std::to_string(42 + digits) +
         " after the count (lines end with LF or CRLF)";
}

// ---------------------------------------------------------------- spill file

struct SpillBlock {
  std::uint64_t offset;
  std::uint32_t count;
};

// Keys bucketed by their top byte, in 64 KiB blocks appended to one temporary
// file that is unlinked at once (nothing is left behind if the process dies).
class Spill {
 public:
  Status Create(const std::string& dir) {
    std::string tmpl = (dir.empty() ? std::string(".") : dir) + "/.latchkey-breach-spill-XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) {
      return Unavailable(
          "breach_spill_unwritable",
          "cannot create a temporary file in " + (dir.empty() ? "." : dir) + ": " + Errno(errno));
    }
    ::unlink(tmpl.c_str());
    fd_.Reset(fd);
    dir_ = dir.empty() ? "." : dir;
    // Not zeroed: only the filled part of each block is ever read.
    buffer_.reset(new std::uint64_t[kSpillBuckets * kSpillBlockKeys]);
    return Status::Ok();
  }

  // False after a write error (status() says which). One thread only.
  bool Add(std::uint64_t key) {
    const std::uint32_t b = static_cast<std::uint32_t>(key >> 56);
    buffer_[b * kSpillBlockKeys + fill_[b]] = key;
    if (++fill_[b] == kSpillBlockKeys) return Flush(b);
    return true;
  }

  // Writes the partial blocks and frees the buffers.
  bool Finish() {
    for (std::uint32_t b = 0; b < kSpillBuckets; ++b) {
      if (fill_[b] > 0 && !Flush(b)) return false;
    }
    buffer_.reset();
    return true;
  }

  std::uint64_t BucketKeys(std::uint32_t b) const { return bucket_keys_[b]; }

  // Writes bucket b's keys at out. Safe to call from several threads at once.
  Status ReadBucket(std::uint32_t b, std::uint64_t* out) const {
    for (const SpillBlock& block : blocks_[b]) {
      if (!ReadAllAt(fd_.get(), out, block.count * sizeof(std::uint64_t),
                     static_cast<off_t>(block.offset))) {
        return Unavailable("breach_spill_unreadable",
                           "reading the temporary file in " + dir_ + " failed: " + Errno(errno));
      }
      out += block.count;
    }
    return Status::Ok();
  }

  const Status& status() const { return status_; }

 private:
  bool Flush(std::uint32_t b) {
    const std::size_t bytes = fill_[b] * sizeof(std::uint64_t);
    if (!WriteAll(fd_.get(), &buffer_[b * kSpillBlockKeys], bytes)) {
      status_ = Unavailable("breach_spill_unwritable",
                            "writing the temporary file in " + dir_ + " failed: " + Errno(errno));
      return false;
    }
    blocks_[b].push_back(SpillBlock{end_, fill_[b]});
    bucket_keys_[b] += fill_[b];
    end_ += bytes;
    fill_[b] = 0;
    return true;
  }

  Fd fd_;
  std::string dir_;
  std::unique_ptr<std::uint64_t[]> buffer_;
  std::array<std::uint32_t, kSpillBuckets> fill_{};
  std::array<std::uint64_t, kSpillBuckets> bucket_keys_{};
  std::array<std::vector<SpillBlock>, kSpillBuckets> blocks_;
  std::uint64_t end_ = 0;
  Status status_;
};

// ---------------------------------------------------------------- construction

// Working memory for one partition, reused (grown, never shrunk) across partitions.
struct Scratch {
  std::vector<std::uint64_t> keys;
  std::vector<std::uint64_t> hashes;
  std::vector<std::uint32_t> histogram;
  // Per cell: how many keys it holds and the XOR of their hashes. Two arrays (9
  // bytes a cell) rather than one 16-byte struct: construction is bound by cache
  // capacity, and the smaller footprint measured faster.
  std::vector<std::uint8_t> counts;
  std::vector<std::uint64_t> xors;
  std::vector<std::uint32_t> order;  // cells in peeling order
  std::vector<std::uint32_t> queue;  // cells holding one key, not yet peeled
  std::vector<std::uint16_t> fingerprints;
};

template <class T>
T* Grow(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Hashes the keys with `seed` into scratch.hashes, ordered by their top bits, and
// returns how many there are. The order is what makes construction cache-friendly:
// a key's first cell grows with its hash, so consecutive keys touch nearby cells.
// With `dedupe`, each bucket is also sorted, so the array is fully sorted, and
// duplicates are dropped (the count returned is then the distinct keys).
std::size_t HashAndOrder(const std::uint64_t* keys, std::size_t n, std::uint64_t seed, bool dedupe,
                         Scratch& s) {
  std::uint64_t* hashes = Grow(s.hashes, n);
  // One counting-sort pass on the top bits, about 16 keys per bucket.
  const auto width = static_cast<unsigned>(std::bit_width(n));
  const unsigned bits = std::clamp<unsigned>(width > 4 ? width - 4 : 1, 1u, 16u);
  const unsigned shift = 64 - bits;
  const std::size_t buckets = std::size_t{1} << bits;
  s.histogram.assign(buckets + 1, 0);
  std::uint32_t* hist = s.histogram.data();
  for (std::size_t i = 0; i < n; ++i) ++hist[(bf::Mix(keys[i], seed) >> shift) + 1];
  for (std::size_t b = 1; b <= buckets; ++b) hist[b] += hist[b - 1];
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = bf::Mix(keys[i], seed);
    hashes[hist[h >> shift]++] = h;
  }
  if (!dedupe) return n;
  // hist[b] is now the end of bucket b (and the start of bucket b + 1).
  std::size_t begin = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t end = hist[b];
    if (end - begin > 1) std::sort(hashes + begin, hashes + end);
    begin = end;
  }
  return static_cast<std::size_t>(std::unique(hashes, hashes + n) - hashes);
}

constexpr std::uint64_t kChunk = 256;  // cells scanned per round of peeling

// Builds the fingerprints of n hashes into s.fingerprints. Returns false when the
// peeling stalls, which happens for an unlucky seed (rarely) and always when a hash
// occurs twice: both copies share all three cells, so none of those cells ever
// holds a single key. The caller then removes duplicates and tries another seed.
bool Construct(const std::uint64_t* hashes, std::size_t n, const bf::Layout& layout, Scratch& s) {
  const std::uint64_t cell_count = layout.array_length();
  const std::uint64_t scl = layout.segment_count_length();
  const std::uint32_t length = layout.segment_length();
  const std::uint32_t mask = layout.segment_mask();
  std::uint8_t* counts = Grow(s.counts, cell_count);
  std::uint64_t* xors = Grow(s.xors, cell_count);
  std::uint32_t* order = Grow(s.order, n);
  // Queue of cells holding one key. It restarts empty for every chunk of the scan;
  // a chunk adds at most kChunk cells and every cell is added at most once more,
  // when it drops to one key; +1 for the slot written ahead of the tail (below).
  std::uint32_t* queue = Grow(s.queue, cell_count + kChunk + 1);
  std::memset(counts, 0, cell_count);
  std::memset(xors, 0, cell_count * sizeof(std::uint64_t));

  // Each key adds itself to its three cells. With distinct keys a count cannot
  // pass 255 short of an absurdly bad seed, but a wrapped count would corrupt the
  // peeling, so it is detected (the attempt then fails).
  std::uint32_t wrapped = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = hashes[i];
    const bf::Positions pos = bf::PositionsOf(h, scl, length, mask);
    for (std::uint32_t p : pos.p) {
      xors[p] ^= h;
      const auto c = static_cast<std::uint8_t>(counts[p] + 1);
      counts[p] = c;
      wrapped |= c == 0;
    }
  }
  if (wrapped != 0) return false;

  // Peel cells that hold exactly one key. The cells are scanned in chunks, left to
  // right; each chunk's single-key cells are queued and peeled, and so are the
  // cells each peel leaves with one key (close by, so this stays in cache). First
  // in, first out: the next cell to peel does not depend on the one just peeled, so
  // the processor overlaps their memory accesses (measured 1.5x faster than
  // depth-first). Whether a cell holds one key is unpredictable, so appends are
  // branch-free: the slot after the tail is always written and the tail advances
  // only when the cell qualifies.
  std::size_t peeled = 0;
  for (std::uint64_t chunk = 0; chunk < cell_count; chunk += kChunk) {
    std::size_t tail = 0;
    const std::uint64_t chunk_end = std::min(cell_count, chunk + kChunk);
    for (std::uint64_t c = chunk; c < chunk_end; ++c) {
      queue[tail] = static_cast<std::uint32_t>(c);
      tail += counts[c] == 1;
    }
    for (std::size_t head = 0; head < tail; ++head) {
      const std::uint32_t cell = queue[head];
      if (counts[cell] != 1) continue;  // emptied meanwhile through another cell
      const std::uint64_t h = xors[cell];
      const bf::Positions pos = bf::PositionsOf(h, scl, length, mask);
      // Cannot fail while the cells are consistent; cheap enough to make sure.
      if ((pos.p[0] != cell && pos.p[1] != cell && pos.p[2] != cell) || peeled == n) {
        return false;
      }
      order[peeled++] = cell;
      // Removing the key from all three cells, its own included, avoids a branch
      // on which of the three it is; its own cell drops to zero and gets the hash
      // back, for the assignment below.
      for (std::uint32_t p : pos.p) {
        xors[p] ^= h;
        const auto c = static_cast<std::uint8_t>(counts[p] - 1);
        counts[p] = c;
        queue[tail] = p;
        tail += c == 1;
      }
      xors[cell] = h;
    }
  }
  if (peeled != n) return false;

  // Assign in reverse: when a key's cell is set, its other two cells are final.
  std::uint16_t* f = Grow(s.fingerprints, cell_count);
  std::memset(f, 0, cell_count * sizeof(std::uint16_t));
  for (std::size_t i = peeled; i-- > 0;) {
    const std::uint32_t cell = order[i];
    const std::uint64_t h = xors[cell];
    const bf::Positions pos = bf::PositionsOf(h, scl, length, mask);
    f[cell] =
        static_cast<std::uint16_t>(bf::Fingerprint(h) ^ f[pos.p[0]] ^ f[pos.p[1]] ^ f[pos.p[2]]);
  }
  return true;
}

// Every key must be found: a false negative would let a breached password through,
// so the builder checks rather than trusts its construction.
bool VerifyAll(const std::uint64_t* hashes, std::size_t n, const bf::Layout& layout,
               const std::uint16_t* f) {
  const std::uint64_t scl = layout.segment_count_length();
  std::uint32_t mismatches = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bf::Positions pos =
        bf::PositionsOf(hashes[i], scl, layout.segment_length(), layout.segment_mask());
    mismatches |= static_cast<std::uint16_t>(f[pos.p[0]] ^ f[pos.p[1]] ^ f[pos.p[2]]) !=
                  bf::Fingerprint(hashes[i]);
  }
  return mismatches == 0;
}

// One partition's sub-filter, built in its own Scratch (fingerprints in
// scratch.fingerprints), so that several partitions can be built at once.
struct PartitionResult {
  Status status;
  std::uint64_t keys = 0;  // before removing duplicates
  std::uint64_t seed = 0;
  std::size_t unique = 0;
  bf::Layout layout;
  std::uint32_t attempts = 0;
};

void BuildPartition(const Spill& spill, const std::string& input_path, std::uint32_t part,
                    std::uint32_t buckets_per_partition, std::uint64_t base_seed, Scratch& scratch,
                    PartitionResult& r) {
  const std::uint32_t first_bucket = part * buckets_per_partition;
  std::uint64_t n = 0;
  for (std::uint32_t b = 0; b < buckets_per_partition; ++b) n += spill.BucketKeys(first_bucket + b);
  r.keys = n;
  // The directory stores per-partition counts and cell indices as 32 bits; with at
  // most 256 partitions, only an input of over 5 * 10^11 lines gets here.
  if (n > 0xffffffffu / 2) {
    r.status = Status::InvalidArgument("breach_input_too_large",
                                       input_path + ": too many lines for one filter file");
    return;
  }
  std::uint64_t* keys = Grow(scratch.keys, n);
  for (std::uint32_t b = 0; b < buckets_per_partition; ++b) {
    r.status = spill.ReadBucket(first_bucket + b, keys);
    if (!r.status.ok()) return;
    keys += spill.BucketKeys(first_bucket + b);
  }
  keys = scratch.keys.data();

  bool built = false;
  while (!built && r.attempts < kMaxAttempts) {
    r.seed = bf::PartitionSeed(base_seed, part, r.attempts);
    // Duplicates are rare in real corpora and make the first attempt fail, so
    // only later attempts pay for removing them.
    r.unique = HashAndOrder(keys, n, r.seed, /*dedupe=*/r.attempts > 0, scratch);
    r.layout = bf::ComputeLayout(r.unique);
    ++r.attempts;
    built = Construct(scratch.hashes.data(), r.unique, r.layout, scratch);
  }
  if (!built) {
    r.status =
        Status::Internal("breach filter construction failed for partition " + std::to_string(part) +
                         " after " + std::to_string(kMaxAttempts) + " seeds");
    return;
  }
  if (!VerifyAll(scratch.hashes.data(), r.unique, r.layout, scratch.fingerprints.data())) {
    r.status =
        Status::Internal("breach filter self-check failed for partition " + std::to_string(part));
  }
}

// ---------------------------------------------------------------- output file

// A temporary file beside the target, renamed over it by Commit(); removed if the
// build does not get that far.
class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (!temp_path_.empty()) {
      fd_.Close();
      ::unlink(temp_path_.c_str());
    }
  }

  Status Create(const std::string& path) {
    path_ = path;
    std::string tmpl = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return Fail("cannot create " + tmpl, errno);
    fd_.Reset(fd);
    temp_path_ = tmpl;
    // The filter is derived from a public corpus: readable by the service user
    // whoever ran the import.
    if (::fchmod(fd, 0644) != 0) return Fail("cannot set permissions on " + temp_path_, errno);
    return Status::Ok();
  }

  Status Append(const void* data, std::size_t len) {
    if (!WriteAll(fd_.get(), data, len)) return Fail("cannot write " + temp_path_, errno);
    size_ += len;
    return Status::Ok();
  }

  Status WriteAt(const void* data, std::size_t len, std::uint64_t offset) {
    if (!WriteAll(fd_.get(), data, len, static_cast<off_t>(offset))) {
      return Fail("cannot write " + temp_path_, errno);
    }
    return Status::Ok();
  }

  std::uint64_t size() const { return size_; }

  // fsync, rename over the target, fsync the directory: after a crash the target
  // is the old file or the complete new one.
  Status Commit() {
    if (::fsync(fd_.get()) != 0) return Fail("cannot sync " + temp_path_, errno);
    if (fd_.Close() != 0) return Fail("cannot close " + temp_path_, errno);
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      return Fail("cannot rename " + temp_path_ + " to " + path_, errno);
    }
    temp_path_.clear();
    std::string dir = std::filesystem::path(path_).parent_path().string();
    if (dir.empty()) dir = ".";
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
      return Fail("cannot sync directory " + dir, errno);
    }
    return Status::Ok();
  }

 private:
  static Status Fail(const std::string& what, int err) {
    return Unavailable("breach_output_unwritable", what + ": " + Errno(err));
  }

  std::string path_;
  std::string temp_path_;
  Fd fd_;
  std::uint64_t size_ = 0;
};

// ---------------------------------------------------------------- the passes

struct Pass1 {
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;
  bool gzip = false;
  unsigned char sha256[32] = {};
};

// SHA-256 of the input on a helper thread, so that hashing (about 1.8 GB/s with
// SHA-NI) overlaps parsing instead of adding to it. Chunks are hashed in the order
// posted; the caller must keep each chunk's bytes unchanged until WaitFor(its id)
// returns. Without a thread (creation failed) it hashes inline.
class BackgroundSha256 {
 public:
  BackgroundSha256() {
    try {
      thread_ = std::thread([this] { Loop(); });
    } catch (const std::system_error&) {
      // No thread: Post() hashes on the caller's thread instead.
    }
  }
  BackgroundSha256(const BackgroundSha256&) = delete;
  BackgroundSha256& operator=(const BackgroundSha256&) = delete;
  ~BackgroundSha256() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    thread_.join();
  }

  std::uint64_t Post(const char* data, std::size_t len) {
    if (!thread_.joinable()) {
      sha_.Update(data, len);
      return ++posted_;
    }
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(Job{data, len});
    work_cv_.notify_one();
    return ++posted_;
  }

  void WaitFor(std::uint64_t id) {
    if (!thread_.joinable()) return;
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return completed_ >= id; });
  }

  void Final(unsigned char* out) {
    WaitFor(posted_);
    sha_.Final(out);
  }

 private:
  struct Job {
    const char* data;
    std::size_t len;
  };

  void Loop() {
    while (true) {
      Job job{};
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        job = jobs_.front();
        jobs_.pop_front();
      }
      sha_.Update(job.data, job.len);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++completed_;
      }
      done_cv_.notify_all();
    }
  }

  bf::Sha256Stream sha_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Job> jobs_;
  std::uint64_t posted_ = 0;     // caller's thread only
  std::uint64_t completed_ = 0;  // guarded by mu_
  bool stop_ = false;            // guarded by mu_
  std::thread thread_;           // last: starts after the members it uses exist
};

Status ReadInput(const std::string& input_path, Spill& spill, Pass1& out) {
  Input input;
  LK_RETURN_IF_ERROR(input.Open(input_path));
  out.gzip = input.gzip();
  // A ring of buffers: the parser works on one while the hasher catches up on the
  // previous ones. Declared before the hasher, so they outlive its thread.
  constexpr std::size_t kBuffers = 4;
  std::array<std::unique_ptr<char[]>, kBuffers> buffers;
  std::array<std::uint64_t, kBuffers> last_job{};  // hasher job that last read each buffer
  for (auto& b : buffers) b.reset(new char[kInputBufferSize]);
  BackgroundSha256 sha;
  std::size_t current = 0;
  std::size_t have = 0;  // bytes in the current buffer not yet parsed, from its start
  bool at_end = false;
  std::uint64_t lines = 0;
  while (true) {
    char* const buf = buffers[current].get();
    // Refill whenever less than one full line is buffered, so a line never
    // straddles the end of the buffer unless the input ends there.
    while (!at_end && have < kMaxLineLength) {
      Result<std::size_t> n = input.Read(buf + have, kInputBufferSize - have);
      if (!n.ok()) return n.status();
      if (*n == 0) {
        at_end = true;
        break;
      }
      last_job[current] = sha.Post(buf + have, *n);
      out.bytes += *n;
      have += *n;
    }
    if (have == 0) break;
    const char* p = buf;
    const char* const end = buf + have;
    // At the end of the input every remaining byte may be parsed; otherwise stop
    // while a complete line is still guaranteed to be buffered.
    const char* const safe = at_end ? end : end - (kMaxLineLength - 1);
    std::uint64_t key = 0;
    while (p < safe) {
      if (!ParseLine(p, end, key)) {
        return Status::InvalidArgument(
            "breach_input_malformed",
            input_path + ": line " + std::to_string(lines + 1) + ": " + DescribeBadLine(p, end));
      }
      ++lines;
      if (!spill.Add(key)) return spill.status();
    }
    // Carry the unparsed tail (less than a line) to the next buffer, once the
    // hasher is done with that buffer's previous contents.
    have = static_cast<std::size_t>(end - p);
    const std::size_t next = (current + 1) % kBuffers;
    sha.WaitFor(last_job[next]);
    std::memcpy(buffers[next].get(), p, have);
    current = next;
  }
  if (!spill.Finish()) return spill.status();
  sha.Final(out.sha256);
  out.lines = lines;
  return Status::Ok();
}

std::string Hex(const unsigned char* data, std::size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < len; ++i) {
    s.push_back(kDigits[data[i] >> 4]);
    s.push_back(kDigits[data[i] & 15]);
  }
  return s;
}

}  // namespace

Result<BreachBuildStats> BuildBreachFilter(const std::string& input_path,
                                           const std::string& output_path,
                                           const BreachBuildOptions& options) {
  const Clock::time_point t0 = Clock::now();
  BreachBuildStats stats;
  std::string temp_dir = options.temp_dir;
  if (temp_dir.empty()) temp_dir = std::filesystem::path(output_path).parent_path().string();

  // Pass 1.
  Pass1 pass1;
  {
    Spill spill;
    LK_RETURN_IF_ERROR(spill.Create(temp_dir));
    LK_RETURN_IF_ERROR(ReadInput(input_path, spill, pass1));
    if (pass1.lines == 0) {
      return Status::InvalidArgument("breach_input_empty",
                                     input_path +
                                         ": no entries (an empty filter would let "
                                         "every breached password through)");
    }
    const Clock::time_point t1 = Clock::now();
    stats.read_seconds = Seconds(t1 - t0);

    // Pass 2.
    std::uint32_t partition_bits = 0;
    const std::uint64_t max_keys = std::max<std::uint64_t>(options.max_partition_entries, 1);
    while (partition_bits < bf::kMaxPartitionBits && (pass1.lines >> partition_bits) > max_keys) {
      ++partition_bits;
    }
    const std::uint32_t partitions = 1u << partition_bits;
    const std::uint32_t buckets_per_partition = kSpillBuckets >> partition_bits;
    const std::uint64_t base_seed = options.seed != 0 ? options.seed : bf::LoadU64(pass1.sha256);

    OutputFile out;
    LK_RETURN_IF_ERROR(out.Create(output_path));
    const std::uint64_t directory_size = std::uint64_t{partitions} * bf::kDirectoryEntrySize;
    const std::uint64_t fp_offset =
        bf::AlignUp(bf::kHeaderSize + directory_size, bf::kFingerprintAlignment);
    std::vector<unsigned char> meta(fp_offset, 0);  // header + directory + padding
    LK_RETURN_IF_ERROR(out.Append(meta.data(), meta.size()));

    bf::Sha256Stream fp_sha;
    static constexpr unsigned char kZeros[bf::kFingerprintAlignment] = {};
    // Partitions are built `threads` at a time, each in its own scratch memory,
    // and written in order.
    const std::uint32_t threads = std::clamp<std::uint32_t>(options.threads, 1, partitions);
    std::vector<Scratch> scratch(threads);
    std::vector<PartitionResult> results(threads);
    std::uint64_t fp_bytes = 0;
    for (std::uint32_t first = 0; first < partitions; first += threads) {
      const std::uint32_t group = std::min(threads, partitions - first);
      std::vector<std::thread> workers;
      for (std::uint32_t g = 0; g < group; ++g) {
        results[g] = PartitionResult();
        auto job = [&, g] {
          BuildPartition(spill, input_path, first + g, buckets_per_partition, base_seed, scratch[g],
                         results[g]);
        };
        if (g + 1 == group) {
          job();  // the last one on this thread
          continue;
        }
        try {
          workers.emplace_back(job);
        } catch (const std::system_error&) {
          job();  // no thread to spare: build it here
        }
      }
      for (std::thread& w : workers) w.join();

      for (std::uint32_t g = 0; g < group; ++g) {
        const PartitionResult& r = results[g];
        LK_RETURN_IF_ERROR(r.status);
        const std::uint32_t part = first + g;
        stats.largest_partition = std::max(stats.largest_partition, r.keys);
        stats.attempts += r.attempts;
        stats.entries += r.unique;
        unsigned char* e = meta.data() + bf::kHeaderSize + part * bf::kDirectoryEntrySize;
        bf::StoreU64(e + DirectoryOffsets::kSeed, r.seed);
        bf::StoreU64(e + DirectoryOffsets::kFingerprintOffset, fp_bytes);
        bf::StoreU32(e + DirectoryOffsets::kKeyCount, static_cast<std::uint32_t>(r.unique));
        bf::StoreU32(e + DirectoryOffsets::kSegmentCount, r.layout.segment_count);
        e[DirectoryOffsets::kSegmentLengthLog2] =
            static_cast<unsigned char>(r.layout.segment_length_log2);

        const std::size_t bytes = r.layout.array_length() * sizeof(std::uint16_t);
        const std::size_t padding = bf::AlignUp(bytes, bf::kFingerprintAlignment) - bytes;
        const std::uint16_t* fingerprints = scratch[g].fingerprints.data();
        fp_sha.Update(fingerprints, bytes);
        fp_sha.Update(kZeros, padding);
        LK_RETURN_IF_ERROR(out.Append(fingerprints, bytes));
        LK_RETURN_IF_ERROR(out.Append(kZeros, padding));
        fp_bytes += bytes + padding;
      }
    }
    scratch.clear();  // release before the final sync

    unsigned char* h = meta.data();
    std::memcpy(h + HeaderOffsets::kMagic, bf::kMagic, sizeof bf::kMagic);
    bf::StoreU32(h + HeaderOffsets::kVersion, bf::kVersion);
    bf::StoreU32(h + HeaderOffsets::kHeaderSize, bf::kHeaderSize);
    bf::StoreU64(h + HeaderOffsets::kFileSize, fp_offset + fp_bytes);
    bf::StoreU64(h + HeaderOffsets::kEntryCount, stats.entries);
    bf::StoreU64(h + HeaderOffsets::kSourceLines, pass1.lines);
    bf::StoreU32(h + HeaderOffsets::kFingerprintBits, bf::kFingerprintBits);
    bf::StoreU32(h + HeaderOffsets::kArity, bf::kArity);
    bf::StoreU32(h + HeaderOffsets::kPartitionBits, partition_bits);
    bf::StoreU64(h + HeaderOffsets::kDirectoryOffset, bf::kHeaderSize);
    bf::StoreU64(h + HeaderOffsets::kDirectorySize, directory_size);
    bf::StoreU64(h + HeaderOffsets::kFingerprintsOffset, fp_offset);
    bf::StoreU64(h + HeaderOffsets::kFingerprintsSize, fp_bytes);
    bf::StoreU64(h + HeaderOffsets::kBaseSeed, base_seed);
    std::memcpy(h + HeaderOffsets::kSourceSha256, pass1.sha256, 32);
    fp_sha.Final(h + HeaderOffsets::kFingerprintsSha256);
    bf::Sha256Stream meta_sha;
    meta_sha.Update(h, HeaderOffsets::kMetaSha256);
    meta_sha.Update(h + bf::kHeaderSize, fp_offset - bf::kHeaderSize);
    meta_sha.Final(h + HeaderOffsets::kMetaSha256);
    LK_RETURN_IF_ERROR(out.WriteAt(meta.data(), meta.size(), 0));
    LK_RETURN_IF_ERROR(out.Commit());

    stats.partitions = partitions;
    stats.file_bytes = out.size();
    stats.build_seconds = Seconds(Clock::now() - t1);
  }
  stats.lines = pass1.lines;
  stats.duplicates = pass1.lines - stats.entries;
  stats.input_bytes = pass1.bytes;
  stats.gzip = pass1.gzip;
  stats.bytes_per_entry =
      static_cast<double>(stats.file_bytes) / static_cast<double>(stats.entries);
  stats.seconds = Seconds(Clock::now() - t0);
  stats.source_sha256_hex = Hex(pass1.sha256, 32);
  return stats;
}

}  // namespace latchkey
