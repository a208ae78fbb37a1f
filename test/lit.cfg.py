# lit configuration for the q8 test suite.
import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "q8"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
# .onnxtxt: ONNX text-syntax models whose '#' comments carry RUN/CHECK lines.
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "node_modules"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.q8_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%q8_src", config.q8_src_root))
config.substitutions.append(("%onnx_data", config.onnx_testdata_dir))
# Debian's python3-onnx and python3-numpy live in the system interpreter only.
config.substitutions.append(("%python", "/usr/bin/python3"))
# ONNX Runtime (npm onnxruntime-node, installed by scripts/setup.sh): the oracle.
config.substitutions.append(
    ("%ort-run", "node " + os.path.join(config.q8_src_root, "test", "ort", "ort-run.js")))

# Compiled-model tests: a C compiler, and the runtime's headers and library.
config.substitutions.append(("%cc", os.path.join(config.llvm_tools_dir, "clang")))
config.substitutions.append(("%cxx", os.path.join(config.llvm_tools_dir, "clang++")))
# The build folder, for tests of `cmake --install` (test/examples/installed.test).
config.substitutions.append(("%q8_build", config.q8_obj_root))
config.substitutions.append(("%q8rt_include", os.path.join(config.q8_src_root, "runtime")))
# In a sanitized build libq8rt.a is instrumented: a link line that names it
# links the sanitizer runtimes too (%q8rt_archive is the bare path, for
# build systems; %sanitize_ldflags their link flags).
sanitize_ldflags = "-fsanitize=address,undefined" if config.q8_sanitize else ""
q8rt_archive = os.path.join(config.q8_obj_root, "lib", "libq8rt.a")
config.substitutions.append(("%q8rt_archive", q8rt_archive))
config.substitutions.append(("%sanitize_ldflags", sanitize_ldflags))
config.substitutions.append(("%q8rt", (q8rt_archive + " " + sanitize_ldflags).strip()))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.q8_tools_dir, config.llvm_tools_dir]
tools = ["q8-opt", "q8c", "q8-conformance", "q8-run", "q8-calib-test", "q8-quant-test", "q8-layer-error-test"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The host CPU's vector extensions, for tests that run code compiled for a
# named target (every machine q8 is tested on has AVX2; AVX-512 and the
# VNNI forms only some).
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                      if line.startswith("flags")), [])
except OSError:
    flags = []
for flag, feature in [("avx2", "cpu-avx2"), ("avx512bw", "cpu-avx512bw"),
                      ("avx512_vnni", "cpu-avx512vnni"), ("avx_vnni", "cpu-avxvnni")]:
    if flag in flags:
        config.available_features.add(feature)

# A sanitized build (Q8_SANITIZE, scripts/test-sanitized.sh): tools run
# under qemu-user cannot map ASan's shadow memory.
if config.q8_sanitize:
    config.available_features.add("asan")
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0:exitcode=90"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=91"

# ../shared/vnni-emu runs AVX-512-VNNI code on an emulated CPU (bochs), where
# the checkout has it and its packages are installed (scripts/setup.sh
# installs them when it finds it).
vnni_emu = os.path.normpath(os.path.join(config.q8_src_root, "..", "shared", "vnni-emu"))
if os.path.exists(os.path.join(vnni_emu, "run")) and shutil.which("bochs"):
    config.available_features.add("vnni-emu")
    config.substitutions.append(("%vnni_emu", vnni_emu))
