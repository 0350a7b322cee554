# socle_add_plugin(<name> SOURCES <files...>)
#
# Builds <name>.so, a loadable module. A plugin does not link libsocle: the
# host's symbols (the socle command, or a test binary) resolve it at dlopen
# time, so exactly one copy of the core is ever in a process. The object
# library socle_plugin_<name>_obj lets tests link the same code statically.
#
# A plugin owns its files: scripts/ (its default rule pack) and web/ (its
# pages, served under /{service}/<name>/) beside its CMakeLists.txt. The host
# looks for them in the folder <name>/ beside <name>.so: in a build tree that
# folder links to the sources (an edited script needs no rebuild), and
# installing puts them in lib/socle/plugins/<name>/, beside the .so.
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
  if(DEFINED SOCLE_PLUGIN_OUTPUT_DIR)
    set_target_properties(socle_plugin_${name} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${SOCLE_PLUGIN_OUTPUT_DIR}")
    set(assets_out "${SOCLE_PLUGIN_OUTPUT_DIR}/${name}")
  else()
    set(assets_out "${CMAKE_CURRENT_BINARY_DIR}/${name}")
  endif()
  foreach(asset scripts web)
    if(IS_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${asset}")
      file(MAKE_DIRECTORY "${assets_out}")
      file(CREATE_LINK "${CMAKE_CURRENT_SOURCE_DIR}/${asset}" "${assets_out}/${asset}" SYMBOLIC)
      if(SOCLE_INSTALL_PLUGINS)
        install(DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${asset}/"
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/socle/plugins/${name}/${asset})
      endif()
    endif()
  endforeach()
  if(SOCLE_INSTALL_PLUGINS)
    install(TARGETS socle_plugin_${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/socle/plugins)
  endif()
endfunction()
