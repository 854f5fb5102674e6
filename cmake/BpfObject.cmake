# Compile a BPF C file with clang -target bpf and turn the object into a
# libbpf skeleton header (bpftool gen skeleton) that embeds it.
#   spoor_bpf_skeleton(<target> <source.bpf.c> <skeleton name>)
# creates INTERFACE library <target>_skel whose include path holds <name>.skel.h.
find_program(CLANG_BPF NAMES clang-14 clang REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

function(spoor_bpf_skeleton target source name)
  set(out_dir ${CMAKE_BINARY_DIR}/bpf)
  set(obj ${out_dir}/${target}.bpf.o)
  set(skel ${out_dir}/${name}.skel.h)
  file(GLOB_RECURSE bpf_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${CLANG_BPF} -g -O2 -target bpf -Wall -Werror
            -I${CMAKE_SOURCE_DIR}/bpf/include -I${CMAKE_SOURCE_DIR}/bpf
            -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
            -c ${source} -o ${obj}
    DEPENDS ${source} ${bpf_headers}
    COMMENT "BPF ${target}")
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}")
  add_custom_target(${target}_skel_gen DEPENDS ${skel})
  add_library(${target}_skel INTERFACE)
  add_dependencies(${target}_skel ${target}_skel_gen)
  target_include_directories(${target}_skel INTERFACE ${out_dir})
endfunction()
