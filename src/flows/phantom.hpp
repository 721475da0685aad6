// Decoys for phantom flows: what an unknown username's flow shows instead of real
// contact hints. Derived from the username under a secret key, so asking twice
// gives the same answer (a random decoy would change between requests and give
// the game away) while nobody without the key can tell it from a real hint.
#pragma once

#include <string>
#include <string_view>

namespace latchkey {

class KeyRing;

// A masked email hint such as "mi*****@g****.com".
std::string PhantomEmailHint(const KeyRing& keys, std::string_view username_key);

}  // namespace latchkey
