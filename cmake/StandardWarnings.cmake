# Warnings for Touchpoint's own code only: linked PRIVATE, never into third-party code.
add_library(touchpoint_warnings INTERFACE)
add_library(touchpoint::warnings ALIAS touchpoint_warnings)
target_compile_options(touchpoint_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion)
if(TOUCHPOINT_WERROR)
  target_compile_options(touchpoint_warnings INTERFACE -Werror)
endif()

