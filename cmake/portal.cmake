# The web portal (web/): `npm ci` + `vite build` at build time, and the result
# compiled into latchkey_lib (cmake/embed_portal.cmake, src/http/portal_assets.hpp).
# Included by the top-level CMakeLists.txt after add_library(latchkey_lib ...).
#
# Without Node.js and npm (or with -DLATCHKEY_PORTAL=OFF) the binary builds with an
# empty portal and `/` says how to get one. npm installs into web/node_modules (only
# when it is missing or older than the lock file); Vite writes into the build tree,
# so several build trees share one web/ without stepping on each other's output.
option(LATCHKEY_PORTAL "Build the web portal (web/) with npm and embed it in the binary" ON)

find_program(NODE_EXECUTABLE node)
find_program(NPM_EXECUTABLE npm)
set(_portal_gen ${CMAKE_BINARY_DIR}/generated/portal_assets_gen.cpp)
set(_portal_script ${CMAKE_SOURCE_DIR}/cmake/embed_portal.cmake)
set(_web ${CMAKE_SOURCE_DIR}/web)

if(LATCHKEY_PORTAL AND NODE_EXECUTABLE AND NPM_EXECUTABLE)
  set(_portal_dist ${CMAKE_BINARY_DIR}/portal)
  set(_portal_installed ${_web}/node_modules/.package-lock.json)
  file(GLOB_RECURSE _portal_sources CONFIGURE_DEPENDS ${_web}/src/* ${_web}/public/*)
  add_custom_command(
    OUTPUT ${_portal_installed}
    COMMAND ${NPM_EXECUTABLE} ci --prefer-offline --no-audit --no-fund --loglevel=error
    WORKING_DIRECTORY ${_web}
    DEPENDS ${_web}/package.json ${_web}/package-lock.json
    COMMENT "Installing the portal's npm packages (npm ci in web/)"
    VERBATIM)
  # tsc type-checks, Vite bundles into ${_portal_dist}, bundle-size.mjs prints the
  # gzipped sizes and fails above the budget.
  add_custom_command(
    OUTPUT ${_portal_dist}/index.html
    COMMAND ${CMAKE_COMMAND} -E env LATCHKEY_PORTAL_OUT=${_portal_dist}
            ${NPM_EXECUTABLE} run --silent build
    WORKING_DIRECTORY ${_web}
    DEPENDS ${_portal_installed} ${_portal_sources} ${_web}/index.html ${_web}/vite.config.ts
            ${_web}/tsconfig.json ${_web}/scripts/bundle-size.mjs
    COMMENT "Building the portal (tsc + vite build)"
    VERBATIM)
  add_custom_command(
    OUTPUT ${_portal_gen}
    COMMAND ${CMAKE_COMMAND} -DDIST=${_portal_dist} -DOUT=${_portal_gen} -P ${_portal_script}
    DEPENDS ${_portal_dist}/index.html ${_portal_script}
    COMMENT "Embedding the portal"
    VERBATIM)
  message(STATUS "portal: built from web/ with ${NPM_EXECUTABLE}")
else()
  add_custom_command(
    OUTPUT ${_portal_gen}
    COMMAND ${CMAKE_COMMAND} -DDIST= -DOUT=${_portal_gen} -P ${_portal_script}
    DEPENDS ${_portal_script}
    COMMENT "Embedding an empty portal (no Node.js or LATCHKEY_PORTAL=OFF)"
    VERBATIM)
  message(STATUS "portal: not built (needs node and npm, scripts/install-deps.sh installs them)")
endif()
target_sources(latchkey_lib PRIVATE ${_portal_gen})
