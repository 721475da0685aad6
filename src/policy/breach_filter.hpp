// BreachFilter: an offline membership test for the Pwned Passwords corpus, so the
// password policy can refuse breached passwords without the password, or its hash,
// ever leaving the machine.
//
// The filter is a binary fuse filter (Graf & Lemire, "Binary Fuse Filters: Fast and
// Smaller Than Xor Filters", 2022) with 16-bit fingerprints: about 2.25 bytes per
// breached password, no false negatives, and a false-positive rate of about 2^-16
// (one password in 65,536 that was never breached is refused anyway). The file is
// built once by BuildBreachFilter (`latchkey breach import`) and then only read,
// through a read-only memory map. docs/breach-filter.md describes the format.
//
// Thread safety: an open BreachFilter is immutable; any number of threads may call
// its const members at once without locks. BuildBreachFilter may run on any thread;
// it shares nothing with other calls.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace latchkey {

class BreachFilter {
 public:
  // Maps `path` read-only and checks it before any lookup can trust it: magic,
  // format version, header and directory checksum, sizes against the file size,
  // every partition's bounds, and the SHA-256 of the whole fingerprint region (this
  // reads the file once: 0.14 s for 226 MB in the page cache, 0.24 s from disk on
  // the machine in docs/performance.md).
  // Errors:
  //   kNotFound         no file at `path`;
  //   kInvalidArgument  not a breach filter, an unsupported format version, a
  //                     truncated file or one whose checksums do not match; the
  //                     message names the file and the problem;
  //   kUnavailable      the file exists but cannot be opened, read or mapped.
  // The file must not be changed in place while it is open (a mapped file that
  // shrinks faults the process); BuildBreachFilter replaces files atomically.
  static Result<BreachFilter> Open(const std::string& path);

  BreachFilter(BreachFilter&& other) noexcept;
  BreachFilter& operator=(BreachFilter&& other) noexcept;
  BreachFilter(const BreachFilter&) = delete;
  BreachFilter& operator=(const BreachFilter&) = delete;
  ~BreachFilter();

  // True when the SHA-1 (20 raw bytes) is in the corpus, or for about one absent
  // hash in 65,536. Never false for an imported hash. Lock-free, allocation-free.
  bool MayContainSha1(const std::uint8_t sha1[20]) const;
  // MayContainSha1 of the SHA-1 of exactly these bytes. Pwned Passwords hashes the
  // password as typed, in UTF-8; no normalisation happens here (a caller that wants
  // the NFKC form checked too asks twice). Lock-free, allocation-free.
  bool MayContainPassword(std::string_view utf8_password) const;

  // Distinct hashes stored.
  std::uint64_t entry_count() const { return entry_count_; }
  // Entry lines of the input it was built from (entry_count plus duplicates).
  std::uint64_t source_lines() const { return source_lines_; }
  std::uint64_t file_size() const { return map_size_; }
  std::uint32_t partition_count() const { return static_cast<std::uint32_t>(parts_.size()); }
  // SHA-256 of the input text (after gunzip), as lower-case hex: `sha256sum` of a
  // plain input file, `zcat FILE | sha256sum` of a gzip one.
  std::string source_sha256_hex() const;

 private:
  // One partition as the lookup needs it; `fingerprints` points into the map.
  struct Part {
    const std::uint16_t* fingerprints;
    std::uint64_t seed;
    std::uint64_t segment_count_length;
    std::uint32_t segment_length;
    std::uint32_t segment_mask;
  };

  BreachFilter() = default;
  void Reset();

  const void* map_ = nullptr;
  std::uint64_t map_size_ = 0;
  std::uint32_t partition_bits_ = 0;
  std::vector<Part> parts_;
  std::uint64_t entry_count_ = 0;
  std::uint64_t source_lines_ = 0;
  std::array<std::uint8_t, 32> source_sha256_{};
};

struct BreachBuildOptions {
  // Where the temporary key spill file goes (8 bytes per input line; 7.5 GB for
  // the full corpus). Empty: the directory of the output file.
  std::string temp_dir;
  // Keys per partition before the input is split further; peak memory is about
  // 37 bytes per key of the largest partition. Partitions of at least ~10^6 keys
  // keep the size at 2.25 bytes per entry; smaller ones cost more space.
  std::uint64_t max_partition_entries = std::uint64_t{1} << 21;
  // Partitions built at once, on that many threads; each needs its own memory
  // (above). 1 gives the smallest footprint. The result does not depend on it.
  std::uint32_t threads = 2;
  // Base of the hash seeds. 0: derived from the input's SHA-256, so the same input
  // text always gives the same file (gzip or not).
  std::uint64_t seed = 0;
};

struct BreachBuildStats {
  std::uint64_t lines = 0;        // entry lines read
  std::uint64_t entries = 0;      // distinct hashes stored
  std::uint64_t duplicates = 0;   // lines whose hash (first 64 bits) was already seen
  std::uint64_t input_bytes = 0;  // text bytes read (after gunzip)
  bool gzip = false;
  std::uint64_t file_bytes = 0;  // size of the filter file written
  double bytes_per_entry = 0;    // file_bytes / entries
  std::uint32_t partitions = 0;
  std::uint32_t attempts = 0;           // construction attempts over all partitions (>= partitions)
  std::uint64_t largest_partition = 0;  // keys, before removing duplicates
  double read_seconds = 0;              // pass 1: read, parse, hash the input, spill keys
  double build_seconds = 0;             // pass 2: build partitions, write, fsync, rename
  double seconds = 0;
  std::string source_sha256_hex;
};

// Builds a filter from a Pwned Passwords file and writes it to `output_path`.
//
// Input: one `SHA1:COUNT` per line: 40 hex digits (either case), ':', a decimal
// count of 1 to 20 digits, then LF or CRLF (the last line may lack it). Plain text
// or gzip, told apart by the gzip magic bytes. The input is streamed (never held in
// memory); memory stays bounded by partitioning (see BreachBuildOptions).
// Duplicate hashes are stored once and counted.
//
// Malformed input fails the whole import at the first bad line: a filter missing
// lines would let breached passwords through, and a bad line usually means a
// truncated download or a different file (an NTLM list, a plain password list).
// The message names the file, the line number and what is wrong, never the line's
// text. An input with no entries is refused too (it would disable the check).
//
// The output is written to a temporary file beside it, fsynced and renamed over
// `output_path`, so readers see the old file or the new one, never a partial one;
// on any error `output_path` is untouched and no temporary file remains.
// Errors:
//   kInvalidArgument  the input cannot be opened, is malformed, is a damaged gzip
//                     stream, or has no entries;
//   kUnavailable      reading the input fails midway, or the spill or output file
//                     cannot be created, written, synced or renamed;
//   kInternal         construction failed for every seed tried (not expected).
Result<BreachBuildStats> BuildBreachFilter(const std::string& input_path,
                                           const std::string& output_path,
                                           const BreachBuildOptions& options = {});

}  // namespace latchkey
