# bosun_warnings: linked PRIVATE by bosun's own targets only, never by third-party code.
add_library(bosun_warnings INTERFACE)
target_compile_options(bosun_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference -Wformat=2
  -Wimplicit-fallthrough)
if(BOSUN_WERROR)
  target_compile_options(bosun_warnings INTERFACE -Werror)
endif()
