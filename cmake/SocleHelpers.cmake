# socle_add_plugin(<name> SOURCES <files...>)
#
# Builds <name>.so, a loadable module. A plugin does not link libsocle: the
# host's symbols (the socle command, or a test binary) resolve it at dlopen
# time, so exactly one copy of the core is ever in a process. The object
# library socle_plugin_<name>_obj lets tests link the same code statically.
function(socle_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 P "" "" "SOURCES")
  add_library(socle_plugin_${name}_obj OBJECT ${P_SOURCES})
  if(TARGET socle_warnings)
    target_link_libraries(socle_plugin_${name}_obj PRIVATE socle_warnings)
  endif()
  if(TARGET socle_api)
    target_link_libraries(socle_plugin_${name}_obj PUBLIC socle_api)
  else()
    target_link_libraries(socle_plugin_${name}_obj PUBLIC Socle::api)
  endif()
  set_target_properties(socle_plugin_${name}_obj PROPERTIES
    POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  add_library(socle_plugin_${name} MODULE $<TARGET_OBJECTS:socle_plugin_${name}_obj>)
  set_target_properties(socle_plugin_${name} PROPERTIES PREFIX "" OUTPUT_NAME "${name}")
  if(SOCLE_INSTALL_PLUGINS)
    install(TARGETS socle_plugin_${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/socle/plugins)
  endif()
  if(DEFINED SOCLE_PLUGIN_OUTPUT_DIR)
    set_target_properties(socle_plugin_${name} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${SOCLE_PLUGIN_OUTPUT_DIR}")
  endif()
endfunction()
