#include "policy/banned_terms.hpp"

#include <unicode/uchar.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "policy/banned_terms_data.hpp"
#include "policy/match_text.hpp"
#include "text/unicode.hpp"

namespace latchkey {
namespace {

constexpr std::uint8_t kGlobal = 1;  // a global term ends at this node
constexpr std::uint8_t kCustom = 2;  // a custom term ends at this node

constexpr std::string_view kBannedTermsField = "password.banned_terms";

bool LengthInRange(std::size_t length) {
  return length >= static_cast<std::size_t>(BannedTerms::kMinTermLength) &&
         length <= static_cast<std::size_t>(BannedTerms::kMaxTermLength);
}

}  // namespace

// Every term in one trie over normalised code points, stored as flat arrays.
struct BannedTermTrie {
  static constexpr std::uint32_t kRoot = 0;
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // Children of node v: edges [edge_begin[v], edge_begin[v + 1]), sorted by label.
  std::vector<std::uint32_t> edge_begin;
  std::vector<char32_t> edge_label;
  std::vector<std::uint32_t> edge_target;
  // Grandchildren of node v: [grand_begin[v], grand_begin[v + 1]), sorted by grand_label
  // (the grandchild's own character); grand_via is the child's character in between.
  // Fuzzy matching looks a grandchild up by the password character that must follow an
  // edit, so it never tries a branch that cannot continue.
  std::vector<std::uint32_t> grand_begin;
  std::vector<char32_t> grand_label;
  std::vector<char32_t> grand_via;
  std::vector<std::uint32_t> grand_target;
  std::vector<std::uint8_t> flags;  // kGlobal | kCustom: which lists have a term ending here
  std::vector<std::uint8_t> depth;  // = length of the term ending here
  std::size_t global_terms = 0;
  std::size_t custom_terms = 0;

  std::uint32_t Child(std::uint32_t v, char32_t c) const {
    const char32_t* first = edge_label.data() + edge_begin[v];
    const char32_t* last = edge_label.data() + edge_begin[v + 1];
    const char32_t* it = first;
    if (last - first <= 8) {
      while (it != last && *it < c) ++it;
    } else {
      it = std::lower_bound(first, last, c);
    }
    if (it == last || *it != c) return kNone;
    return edge_target[static_cast<std::size_t>(it - edge_label.data())];
  }

  // The grandchildren of v whose own character is c: indices [first, last).
  std::pair<std::uint32_t, std::uint32_t> Grandchildren(std::uint32_t v, char32_t c) const {
    const char32_t* base = grand_label.data();
    const auto range = std::equal_range(base + grand_begin[v], base + grand_begin[v + 1], c);
    return {static_cast<std::uint32_t>(range.first - base),
            static_cast<std::uint32_t>(range.second - base)};
  }
};

namespace {

using Trie = BannedTermTrie;

// Builds the flat trie: insert into per-node child lists, then sort and flatten.
class TrieBuilder {
 public:
  TrieBuilder() { NewNode(0); }

  void Add(std::u32string_view term, std::uint8_t list) {
    std::uint32_t v = Trie::kRoot;
    for (const char32_t c : term) {
      std::uint32_t next = Trie::kNone;
      for (const auto& [label, target] : kids_[v]) {
        if (label == c) {
          next = target;
          break;
        }
      }
      if (next == Trie::kNone) {
        next = NewNode(static_cast<std::uint8_t>(depth_[v] + 1));
        kids_[v].emplace_back(c, next);
      }
      v = next;
    }
    if ((flags_[v] & list) == 0) {
      flags_[v] |= list;
      ++(list == kGlobal ? global_terms_ : custom_terms_);
    }
  }

  std::shared_ptr<Trie> Finish() {
    auto t = std::make_shared<Trie>();
    const std::size_t nodes = kids_.size();
    for (auto& k : kids_) std::sort(k.begin(), k.end());
    t->edge_begin.reserve(nodes + 1);
    for (const auto& k : kids_) {
      t->edge_begin.push_back(static_cast<std::uint32_t>(t->edge_label.size()));
      for (const auto& [label, target] : k) {
        t->edge_label.push_back(label);
        t->edge_target.push_back(target);
      }
    }
    t->edge_begin.push_back(static_cast<std::uint32_t>(t->edge_label.size()));

    std::vector<std::tuple<char32_t, char32_t, std::uint32_t>> grand;
    t->grand_begin.reserve(nodes + 1);
    for (const auto& k : kids_) {
      t->grand_begin.push_back(static_cast<std::uint32_t>(t->grand_label.size()));
      grand.clear();
      for (const auto& [via, child] : k) {
        for (const auto& [label, target] : kids_[child]) grand.emplace_back(label, via, target);
      }
      std::sort(grand.begin(), grand.end());
      for (const auto& [label, via, target] : grand) {
        t->grand_label.push_back(label);
        t->grand_via.push_back(via);
        t->grand_target.push_back(target);
      }
    }
    t->grand_begin.push_back(static_cast<std::uint32_t>(t->grand_label.size()));
    t->flags = std::move(flags_);
    t->depth = std::move(depth_);
    t->global_terms = global_terms_;
    t->custom_terms = custom_terms_;
    kids_.clear();
    return t;
  }

 private:
  std::uint32_t NewNode(std::uint8_t depth) {
    kids_.emplace_back();
    flags_.push_back(0);
    depth_.push_back(depth);
    return static_cast<std::uint32_t>(kids_.size() - 1);
  }

  std::vector<std::vector<std::pair<char32_t, std::uint32_t>>> kids_;
  std::vector<std::uint8_t> flags_;
  std::vector<std::uint8_t> depth_;
  std::size_t global_terms_ = 0;
  std::size_t custom_terms_ = 0;
};

// Calls visit(end, flags) for every term match that starts at p[i] and ends before p[end]:
// exact matches of any term, and fuzzy matches whose one edit is inside the term (the
// term's first and last characters stay in place) for terms of >= min_fuzzy characters.
template <class Visit>
void MatchesFrom(const Trie& t, std::u32string_view p, std::size_t i, int min_fuzzy,
                 Visit&& visit) {
  const std::size_t n = p.size();
  const bool fuzzy = min_fuzzy <= BannedTerms::kMaxTermLength;
  // Follows p[j...] exactly from node v, reporting long-enough term ends on the way.
  auto walk = [&](std::uint32_t v, std::size_t j, bool report_v) {
    if (report_v && t.flags[v] != 0 && t.depth[v] >= min_fuzzy) visit(j, t.flags[v]);
    while (j < n) {
      v = t.Child(v, p[j]);
      if (v == Trie::kNone) return;
      ++j;
      if (t.flags[v] != 0 && t.depth[v] >= min_fuzzy) visit(j, t.flags[v]);
    }
  };
  std::uint32_t v = Trie::kRoot;
  // v matches p[i, j) exactly; d = j - i term characters precede a possible edit.
  for (std::size_t j = i;; ++j) {
    if (j > i) {
      if (t.flags[v] != 0) visit(j, t.flags[v]);
      if (fuzzy) {
        // Insertion: p[j] is an extra character, the term goes on after it.
        if (j < n) walk(v, j + 1, false);
        // Substitution: the term has some other character where p[j] is; p[j + 1] goes on.
        if (j + 1 < n) {
          const auto [first, last] = t.Grandchildren(v, p[j + 1]);
          for (std::uint32_t g = first; g < last; ++g) {
            if (t.grand_via[g] != p[j]) walk(t.grand_target[g], j + 2, true);
          }
        }
        // Deletion: the term has one character more before p[j].
        if (j < n) {
          const auto [first, last] = t.Grandchildren(v, p[j]);
          for (std::uint32_t g = first; g < last; ++g) walk(t.grand_target[g], j + 1, true);
        }
      }
    }
    if (j >= n) break;
    v = t.Child(v, p[j]);
    if (v == Trie::kNone) break;
  }
}

// Whether the whole of p[j...] is within one edit (anywhere) of a term below node v;
// ORs the lists of every such term into `found`.
void WholeMatches(const Trie& t, std::u32string_view p, std::uint32_t v, std::size_t j,
                  bool edit_left, std::uint8_t& found) {
  if (j == p.size()) {
    found |= t.flags[v];
    if (edit_left) {  // the password lacks the term's last character
      for (std::uint32_t e = t.edge_begin[v]; e < t.edge_begin[v + 1]; ++e) {
        found |= t.flags[t.edge_target[e]];
      }
    }
    return;
  }
  if (const std::uint32_t c = t.Child(v, p[j]); c != Trie::kNone) {
    WholeMatches(t, p, c, j + 1, edit_left, found);
  }
  if (!edit_left) return;
  WholeMatches(t, p, v, j + 1, false, found);  // p[j] is extra
  for (std::uint32_t e = t.edge_begin[v]; e < t.edge_begin[v + 1]; ++e) {
    const std::uint32_t c = t.edge_target[e];
    if (t.edge_label[e] != p[j]) WholeMatches(t, p, c, j + 1, false, found);  // substituted
    WholeMatches(t, p, c, j, false, found);  // the term has a character more here
  }
}

// The name forms matched as substrings: each name field whole, each of its words, and
// its words run together; only forms of >= kMinNameLength characters.
std::vector<std::u32string> NameKeys(const PersonalInfo& person) {
  std::vector<std::u32string> keys;
  auto add = [&keys](std::u32string key) {
    if (key.size() < static_cast<std::size_t>(BannedTerms::kMinNameLength)) return;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  };
  for (const std::string* field : {&person.first_name, &person.last_name, &person.organisation}) {
    if (field->empty()) continue;
    add(MatchKey(*field));
    const std::vector<std::string> words = SplitWords(*field);
    std::string joined;
    for (const std::string& w : words) {
      add(MatchKey(w));
      joined += w;
    }
    if (words.size() > 1) add(MatchKey(joined));
  }
  return keys;
}

}  // namespace

Result<BannedTerms> BannedTerms::Create(std::span<const std::string_view> global_terms,
                                        std::span<const std::string> custom_terms,
                                        BannedTermsOptions options) {
  if (options.min_score < 1 || options.min_score > 256) {
    return Status::InvalidArgument("invalid_banned_terms_score",
                                   "The banned-terms score threshold must be from 1 to 256.",
                                   "password.banned_terms_min_score");
  }
  if (options.min_fuzzy_term_length < kMinTermLength ||
      options.min_fuzzy_term_length > kMaxTermLength + 1) {
    return Status::InvalidArgument("invalid_banned_terms_fuzzy_length",
                                   "The fuzzy-match term length must be from 4 to 17.");
  }
  for (std::size_t k = 0; k < custom_terms.size(); ++k) {
    Status s = ValidateCustomBannedTerm(custom_terms[k]);
    if (!s.ok()) return std::move(s).WithDetail("custom banned term #" + std::to_string(k + 1));
  }
  TrieBuilder builder;
  for (const std::string_view term : global_terms) {
    const std::u32string key = MatchKey(term);
    if (LengthInRange(key.size())) builder.Add(key, kGlobal);
  }
  for (const std::string& term : custom_terms) builder.Add(MatchKey(term), kCustom);
  return BannedTerms(builder.Finish(), options);
}

Result<BannedTerms> BannedTerms::WithGlobalList(std::span<const std::string> custom_terms,
                                                BannedTermsOptions options) {
  return Create(GlobalBannedTerms(), custom_terms, options);
}

std::size_t BannedTerms::global_term_count() const { return trie_->global_terms; }
std::size_t BannedTerms::custom_term_count() const { return trie_->custom_terms; }

BannedTermsVerdict BannedTerms::Check(std::string_view password, const PersonalInfo& person) const {
  const BannedTermTrie& t = *trie_;
  std::u32string p = MatchKey(password);
  const std::size_t n = p.size();
  const std::vector<std::u32string> names = NameKeys(person);

  // best[i]: the best scoring of p[i, n). Smaller score first; among equal scores, more
  // custom terms (so the administrator's message applies), then more names.
  struct Cell {
    int score = 0;
    int terms = 0;
    int custom = 0;
    int names = 0;
  };
  auto better = [](const Cell& a, const Cell& b) {
    if (a.score != b.score) return a.score < b.score;
    if (a.custom != b.custom) return a.custom > b.custom;
    return a.names > b.names;
  };
  enum class Kind { kGlobal, kCustom, kName };
  std::vector<Cell> best(n + 1);
  bool name_found = false;

  std::uint8_t whole = 0;
  if (n + 1 >= static_cast<std::size_t>(kMinTermLength) &&
      n <= static_cast<std::size_t>(kMaxTermLength) + 1) {
    WholeMatches(t, p, Trie::kRoot, 0, true, whole);
  }

  for (std::size_t i = n; i-- > 0;) {
    Cell cell = best[i + 1];
    cell.score += 1;
    auto consider = [&](std::size_t end, Kind kind) {
      Cell c = best[end];
      c.score += 1;
      c.terms += 1;
      if (kind == Kind::kCustom) c.custom += 1;
      if (kind == Kind::kName) c.names += 1;
      if (better(c, cell)) cell = c;
    };
    auto kind_of = [](std::uint8_t flags) {
      return (flags & kCustom) != 0 ? Kind::kCustom : Kind::kGlobal;
    };
    MatchesFrom(t, p, i, options_.min_fuzzy_term_length,
                [&](std::size_t end, std::uint8_t flags) { consider(end, kind_of(flags)); });
    for (const std::u32string& name : names) {
      if (p.compare(i, name.size(), name) == 0) {
        name_found = true;
        consider(i + name.size(), Kind::kName);
      }
    }
    if (i == 0 && whole != 0) consider(n, kind_of(whole));
    best[i] = cell;
  }
  WipeBuffer(p);

  BannedTermsVerdict verdict;
  verdict.score = best[0].score;
  verdict.terms_found = best[0].terms;
  verdict.custom_term = best[0].custom > 0;
  verdict.name_found = name_found;
  verdict.accepted = verdict.score >= options_.min_score && !name_found;
  return verdict;
}

std::optional<Violation> BannedTermsViolation(const BannedTermsVerdict& verdict) {
  if (verdict.accepted) return std::nullopt;
  if (verdict.name_found) {
    return Violation{std::string(kBannedNameRule),
                     "Choose a password that's harder for people to guess. Don't use your "
                     "name or your organisation's name in it."};
  }
  if (verdict.custom_term) {
    return Violation{std::string(kBannedByAdminRule),
                     "Choose a password that's harder for people to guess. It contains a word "
                     "or phrase that has been blocked by your administrator."};
  }
  return Violation{std::string(kBannedPasswordRule),
                   "Choose a password that's harder for people to guess. It contains a word, "
                   "phrase or pattern that makes it easy to guess."};
}

Status ValidateCustomBannedTerm(std::string_view term) {
  const std::string field(kBannedTermsField);
  if (!IsValidUtf8(term)) {
    return Status::InvalidArgument(
        "invalid_banned_term", "A banned term contains characters that are not valid text.", field);
  }
  const std::u32string key = MatchKey(term);
  for (const char32_t c : key) {
    if (u_iscntrl(static_cast<UChar32>(c))) {
      return Status::InvalidArgument("invalid_banned_term",
                                     "A banned term cannot contain control characters.", field);
    }
  }
  if (!LengthInRange(key.size())) {
    return Status::InvalidArgument("invalid_banned_term",
                                   "Each banned term must be 4 to 16 characters long.", field);
  }
  return Status::Ok();
}

const std::vector<std::string_view>& GlobalBannedTerms() {
  static const std::vector<std::string_view> terms = [] {
    const EmbeddedTermList list = EmbeddedGlobalBannedTerms();
    std::vector<std::string_view> out;
    out.reserve(list.count);
    for (const std::string_view chunk : list.chunks) {
      std::size_t start = 0;
      while (start < chunk.size()) {
        std::size_t end = chunk.find('\n', start);
        if (end == std::string_view::npos) end = chunk.size();
        if (end > start) out.push_back(chunk.substr(start, end - start));
        start = end + 1;
      }
    }
    return out;
  }();
  return terms;
}

std::string_view GlobalBannedTermsSource() { return EmbeddedGlobalBannedTerms().source; }

}  // namespace latchkey
