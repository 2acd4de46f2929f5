# `format` rewrites Touchpoint's sources with clang-format; `check-format` fails on any
# difference (.clang-format at the root).
find_program(CLANG_FORMAT_PROGRAM NAMES clang-format clang-format-14)
if(CLANG_FORMAT_PROGRAM)
  file(GLOB_RECURSE format_sources CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/include/*.hpp
    ${PROJECT_SOURCE_DIR}/sequencer/*.cpp ${PROJECT_SOURCE_DIR}/sequencer/*.hpp
    ${PROJECT_SOURCE_DIR}/connectors/*.cpp ${PROJECT_SOURCE_DIR}/connectors/*.hpp
    ${PROJECT_SOURCE_DIR}/tests/*.cpp ${PROJECT_SOURCE_DIR}/tests/*.hpp
    ${PROJECT_SOURCE_DIR}/bench/*.cpp ${PROJECT_SOURCE_DIR}/bench/*.hpp)
  add_custom_target(format COMMAND ${CLANG_FORMAT_PROGRAM} -i ${format_sources}
    COMMENT "clang-format: rewriting sources")
  add_custom_target(check-format COMMAND ${CLANG_FORMAT_PROGRAM} --dry-run --Werror ${format_sources}
    COMMENT "clang-format: checking sources")
endif()
