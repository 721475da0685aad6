// The built-in directory: passwords as Argon2id hashes in Latchkey's own store.
#pragma once

#include <memory>

#include "directory/directory.hpp"

namespace latchkey {

class Clock;
class PasswordHasher;
class Store;

// `store`, `hasher` and `clock` must outlive the directory.
std::unique_ptr<Directory> MakeBuiltinDirectory(Store& store, const PasswordHasher& hasher,
                                                const Clock& clock);

}  // namespace latchkey
