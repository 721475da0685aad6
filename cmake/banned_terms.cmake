# The global banned-terms list, built from a pinned word list at build time.
#
# Source: the common-password dictionary (src/passwords.json) of the npm package
# @zxcvbn-ts/language-common, pinned to an exact version by tools/wordlist/package.json
# and package-lock.json (MIT licence; see docs/password-policy.md). Nothing of it is
# committed: the build fetches it and generates a C++ source from it.
#
# This file has two roles:
#  - included by the top-level CMakeLists.txt (after add_library(latchkey_lib ...)), it
#    declares the two build steps and adds the generated source to latchkey_lib;
#  - run as a script (cmake -DMODE=fetch|generate ... -P banned_terms.cmake), it is
#    those steps.
#
# Step 1, fetch (skipped when LATCHKEY_BANNED_TERMS_JSON names a file): `npm ci` into
# <build>/wordlist from the committed lock file, preferring npm's local cache, so it is
# reproducible, runs once per build tree and lock-file change, and works offline once the
# package is in the cache. It fails with a message saying what to do.
# Step 2, generate: keep the terms of 4-16 characters after the documented normalisation
# (lower case; 0->o 1->l $->s @->a), drop duplicates (first, i.e. most common, wins) and
# write them, one per line, into <build>/generated/banned_terms_gen.cpp.
# The C++ side (src/policy/banned_terms.cpp) normalises and filters again with ICU, so
# this step only has to be right for ASCII (the list is ASCII; a non-ASCII term is kept
# as is and judged at run time).

set(LATCHKEY_WORDLIST_PACKAGE "@zxcvbn-ts/language-common")
set(LATCHKEY_WORDLIST_VERSION "4.1.3")

if(CMAKE_SCRIPT_MODE_FILE)
  # ------------------------------------------------------------ script mode
  if(MODE STREQUAL "fetch")
    # -DNPM=... -DSRC=<dir with package.json + lock> -DDEST=<dir> -DSTAMP=<file>
    set(pkg_json "${DEST}/node_modules/${LATCHKEY_WORDLIST_PACKAGE}/package.json")
    if(NOT NPM)
      message(FATAL_ERROR
        "banned terms: npm is needed once to fetch ${LATCHKEY_WORDLIST_PACKAGE} "
        "${LATCHKEY_WORDLIST_VERSION} (run scripts/install-deps.sh), or configure with "
        "-DLATCHKEY_BANNED_TERMS_JSON=/path/to/passwords.json")
    endif()
    file(MAKE_DIRECTORY "${DEST}")
    file(COPY_FILE "${SRC}/package.json" "${DEST}/package.json" ONLY_IF_DIFFERENT)
    file(COPY_FILE "${SRC}/package-lock.json" "${DEST}/package-lock.json" ONLY_IF_DIFFERENT)
    execute_process(
      COMMAND "${NPM}" ci --prefer-offline --ignore-scripts --no-audit --no-fund
              --loglevel=error
      WORKING_DIRECTORY "${DEST}"
      RESULT_VARIABLE rc
      OUTPUT_VARIABLE out
      ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT EXISTS "${pkg_json}")
      message(FATAL_ERROR
        "banned terms: could not install ${LATCHKEY_WORDLIST_PACKAGE} "
        "${LATCHKEY_WORDLIST_VERSION} with `npm ci` in ${DEST}.\n"
        "It is neither in npm's cache nor reachable in the npm registry. Connect once (the "
        "package is then cached for offline builds), or configure with "
        "-DLATCHKEY_BANNED_TERMS_JSON=/path/to/passwords.json taken from that package.\n"
        "npm said:\n${out}${err}")
    endif()
    file(READ "${pkg_json}" meta)
    string(JSON got GET "${meta}" version)
    if(NOT got STREQUAL LATCHKEY_WORDLIST_VERSION)
      message(FATAL_ERROR "banned terms: npm installed ${LATCHKEY_WORDLIST_PACKAGE} ${got}, "
                          "expected ${LATCHKEY_WORDLIST_VERSION} (tools/wordlist out of sync)")
    endif()
    # npm keeps the archive's fixed timestamps, so the build tracks this stamp instead.
    file(WRITE "${STAMP}" "${LATCHKEY_WORDLIST_PACKAGE}@${got}\n")

  elseif(MODE STREQUAL "generate")
    # -DJSON=<passwords.json> -DOUT=<file.cpp> -DSOURCE_NAME=<text for provenance>
    if(NOT EXISTS "${JSON}")
      message(FATAL_ERROR "banned terms: ${JSON} does not exist")
    endif()
    file(READ "${JSON}" text)
    string(STRIP "${text}" text)
    # The file is one JSON array of plain strings. Refuse anything else rather than
    # half-parse it: no escapes, no non-string values.
    if(NOT text MATCHES "^\\[\".*\"\\]$")
      message(FATAL_ERROR "banned terms: ${JSON} is not a JSON array of strings")
    endif()
    string(FIND "${text}" "\\" backslash)
    if(NOT backslash EQUAL -1)
      message(FATAL_ERROR "banned terms: ${JSON} holds escape sequences, which this generator "
                          "does not decode; check the new version of the source")
    endif()
    string(LENGTH "${text}" len)
    math(EXPR inner "${len} - 4")
    string(SUBSTRING "${text}" 2 ${inner} text)
    # CMake lists split on ';' and treat brackets specially: park those characters on
    # control bytes the list cannot contain, split on the "," between strings, and put
    # them back when writing.
    string(ASCII 1 semi)
    string(ASCII 2 lbr)
    string(ASCII 3 rbr)
    string(REPLACE ";" "${semi}" text "${text}")
    string(REPLACE "[" "${lbr}" text "${text}")
    string(REPLACE "]" "${rbr}" text "${text}")
    string(REPLACE "\",\"" ";" raw "${text}")
    list(LENGTH raw raw_count)

    set(kept "")
    foreach(term IN LISTS raw)
      string(TOLOWER "${term}" term)
      string(REPLACE "0" "o" term "${term}")
      string(REPLACE "1" "l" term "${term}")
      string(REPLACE "$" "s" term "${term}")
      string(REPLACE "@" "a" term "${term}")
      string(LENGTH "${term}" n)
      if(n GREATER_EQUAL 4 AND n LESS_EQUAL 16)
        list(APPEND kept "${term}")
      endif()
    endforeach()
    list(REMOVE_DUPLICATES kept)
    list(LENGTH kept count)
    string(FIND "${kept}" ")LKTERMS" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "banned terms: a term contains the raw-string delimiter )LKTERMS")
    endif()
    # SOURCE_NAME goes into a C++ string literal.
    string(REPLACE "\\" "\\\\" source_literal "${SOURCE_NAME}")
    string(REPLACE "\"" "\\\"" source_literal "${source_literal}")

    # Raw string literals of at most ~60000 bytes each (ISO C++ only promises 65536).
    set(out "// Generated by cmake/banned_terms.cmake from ${SOURCE_NAME}. Do not edit.\n")
    string(APPEND out "// ${raw_count} entries read, ${count} kept (4-16 characters after "
                      "normalisation, duplicates dropped).\n")
    string(APPEND out "#include \"policy/banned_terms_data.hpp\"\n\nnamespace latchkey {\n")
    string(APPEND out "namespace {\n\nconstexpr std::string_view kChunks[] = {\n")
    set(chunk "")
    set(chunk_len 0)
    foreach(term IN LISTS kept)
      string(LENGTH "${term}" n)
      math(EXPR chunk_len "${chunk_len} + ${n} + 1")
      string(APPEND chunk "${term}\n")
      if(chunk_len GREATER 60000)
        string(APPEND out "    R\"LKTERMS(${chunk})LKTERMS\",\n")
        set(chunk "")
        set(chunk_len 0)
      endif()
    endforeach()
    if(NOT chunk STREQUAL "")
      string(APPEND out "    R\"LKTERMS(${chunk})LKTERMS\",\n")
    endif()
    string(APPEND out "};\n\n}  // namespace\n\n")
    string(APPEND out "EmbeddedTermList EmbeddedGlobalBannedTerms() {\n")
    string(APPEND out "  return {kChunks, ${count}, \"${source_literal}\"};\n}\n\n")
    string(APPEND out "}  // namespace latchkey\n")
    string(REPLACE "${semi}" ";" out "${out}")
    string(REPLACE "${lbr}" "[" out "${out}")
    string(REPLACE "${rbr}" "]" out "${out}")
    file(WRITE "${OUT}.tmp" "${out}")
    file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
    file(REMOVE "${OUT}.tmp")
    message(STATUS "banned terms: ${count} of ${raw_count} entries kept")
  else()
    message(FATAL_ERROR "banned_terms.cmake: unknown MODE '${MODE}'")
  endif()
  return()
endif()

# -------------------------------------------------------------- build mode
if(NOT TARGET latchkey_lib)
  message(FATAL_ERROR "include cmake/banned_terms.cmake after add_library(latchkey_lib ...)")
endif()

set(LATCHKEY_BANNED_TERMS_JSON "" CACHE FILEPATH
    "passwords.json of ${LATCHKEY_WORDLIST_PACKAGE} ${LATCHKEY_WORDLIST_VERSION} to build the \
global banned-terms list from; empty: fetch that version with npm")

set(_bt_script ${CMAKE_CURRENT_LIST_FILE})
set(_bt_out ${CMAKE_BINARY_DIR}/generated/banned_terms_gen.cpp)
if(LATCHKEY_BANNED_TERMS_JSON)
  set(_bt_json ${LATCHKEY_BANNED_TERMS_JSON})
  set(_bt_json_dep ${LATCHKEY_BANNED_TERMS_JSON})
  set(_bt_source_name "${LATCHKEY_BANNED_TERMS_JSON}")
else()
  find_program(NPM_EXECUTABLE npm)
  if(NOT NPM_EXECUTABLE)
    message(FATAL_ERROR
      "npm not found. The global banned-terms list is built from the npm package "
      "${LATCHKEY_WORDLIST_PACKAGE} ${LATCHKEY_WORDLIST_VERSION}: run scripts/install-deps.sh "
      "(installs Node.js and npm), or configure with "
      "-DLATCHKEY_BANNED_TERMS_JSON=/path/to/passwords.json from that package.")
  endif()
  set(_bt_wordlist_src ${CMAKE_SOURCE_DIR}/tools/wordlist)
  set(_bt_npm_dir ${CMAKE_BINARY_DIR}/wordlist)
  set(_bt_json ${_bt_npm_dir}/node_modules/${LATCHKEY_WORDLIST_PACKAGE}/src/passwords.json)
  set(_bt_json_dep ${_bt_npm_dir}/wordlist.stamp)
  set(_bt_source_name
      "${LATCHKEY_WORDLIST_PACKAGE} ${LATCHKEY_WORDLIST_VERSION} src/passwords.json (MIT)")
  add_custom_command(
    OUTPUT ${_bt_json_dep}
    BYPRODUCTS ${_bt_json}
    COMMAND ${CMAKE_COMMAND} -DMODE=fetch -DNPM=${NPM_EXECUTABLE} -DSRC=${_bt_wordlist_src}
            -DDEST=${_bt_npm_dir} -DSTAMP=${_bt_json_dep} -P ${_bt_script}
    DEPENDS ${_bt_wordlist_src}/package.json ${_bt_wordlist_src}/package-lock.json ${_bt_script}
    COMMENT "Fetching ${LATCHKEY_WORDLIST_PACKAGE} ${LATCHKEY_WORDLIST_VERSION} (npm ci, cached)"
    VERBATIM)
endif()

add_custom_command(
  OUTPUT ${_bt_out}
  COMMAND ${CMAKE_COMMAND} -DMODE=generate -DJSON=${_bt_json} -DOUT=${_bt_out}
          "-DSOURCE_NAME=${_bt_source_name}" -P ${_bt_script}
  DEPENDS ${_bt_json_dep} ${_bt_script}
  COMMENT "Generating the global banned-terms list"
  VERBATIM)
target_sources(latchkey_lib PRIVATE ${_bt_out})
