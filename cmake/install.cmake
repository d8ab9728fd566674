# Installing vflow: the `vflow` command, the static libraries with their public headers under
# include/vflow/, and a CMake package so that an outside project writes
#   find_package(vflow 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE vflow::runtime)
# (tests/install/find_package_test.sh builds examples/embed that way from a temporary prefix).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(vflow_include ${CMAKE_INSTALL_INCLUDEDIR}/vflow)
set_target_properties(vflow_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(vflow_dsl PROPERTIES EXPORT_NAME dsl)
set_target_properties(vflow_runtime PROPERTIES EXPORT_NAME runtime)
foreach(target vflow_engine vflow_dsl vflow_runtime)
  target_include_directories(${target} INTERFACE $<INSTALL_INTERFACE:${vflow_include}>)
endforeach()

install(TARGETS vflow_engine vflow_dsl vflow_runtime EXPORT vflowTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS vflow RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The public headers: the embedding API and what it names. The store's, the parser's and the
# runtime's private headers stay out (only they include SQLite, PEGTL or nlohmann-json).
install(DIRECTORY engine/ DESTINATION ${vflow_include}/engine FILES_MATCHING PATTERN "*.hpp")
install(FILES dsl/ast.hpp dsl/diagnostic.hpp dsl/compiler.hpp dsl/parser.hpp dsl/printer.hpp
        DESTINATION ${vflow_include}/dsl)
install(FILES runtime/runtime.hpp runtime/decisions.hpp runtime/store.hpp runtime/lifecycle.hpp
        DESTINATION ${vflow_include}/runtime)

set(vflow_cmake ${CMAKE_INSTALL_LIBDIR}/cmake/vflow)
install(EXPORT vflowTargets NAMESPACE vflow:: DESTINATION ${vflow_cmake})
configure_package_config_file(cmake/vflowConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/vflowConfig.cmake
                              INSTALL_DESTINATION ${vflow_cmake})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vflowConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vflowConfig.cmake ${PROJECT_BINARY_DIR}/vflowConfigVersion.cmake
        DESTINATION ${vflow_cmake})
