#include "cli/breach_command.hpp"

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <system_error>

#include "cli/exit_code.hpp"
#include "policy/breach_filter.hpp"

namespace latchkey {
namespace {

int Fail(std::ostream& err, const Status& status) {
  err << "latchkey: breach import: " << status.message();
  if (!status.detail().empty()) err << " (" << status.detail() << ")";
  err << "\n";
  return ExitCodeFor(status);
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace

int CmdBreachImport(const std::string& file, const std::string& output, std::ostream& out,
                    std::ostream& err) {
  const std::string path = output.empty() ? std::string(kDefaultBreachFilterPath) : output;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Fail(err,
                  Status::Error(Errc::kUnavailable, "breach_output_unwritable",
                                "cannot create directory " + dir.string() + ": " + ec.message()));
    }
  }
  Result<BreachBuildStats> stats = BuildBreachFilter(file, path);
  if (!stats.ok()) return Fail(err, stats.status());
  out << "output: " << path << "\n"
      << "format: " << (stats->gzip ? "gzip" : "text") << "\n"
      << "lines: " << stats->lines << "\n"
      << "entries: " << stats->entries << "\n"
      << "duplicates: " << stats->duplicates << "\n"
      << "bytes: " << stats->file_bytes << "\n"
      << "bytes per entry: " << Fixed(stats->bytes_per_entry, 3) << "\n"
      << "partitions: " << stats->partitions << "\n"
      << "seconds: " << Fixed(stats->seconds, 2) << "\n"
      << "source sha256: " << stats->source_sha256_hex << "\n";
  return kExitOk;
}

}  // namespace latchkey
