//===- Passes.td - the q8 emitters as a pass ---------------*- tablegen -*-===//
//
// The code-generation passes are in passes/codegen/Passes.td; this is the
// one pass above them, the emitters run from q8-opt for lit tests.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_PASSES_TD
#define Q8_COMPILER_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def EmitObject : Pass<"q8-emit-object", "::mlir::ModuleOp"> {
  let summary = "write the LLVM-dialect module as an object, LLVM IR or a C header";
  let description = [{
    For lit tests and debugging of the emitters: `q8c` calls `emitObject`,
    `emitLLVMIR` and `emitHeader` directly. Leaves the module unchanged.
  }];
  let options = [
    Option<"path", "path", "std::string", /*default=*/"\"-\"",
           "output file ('-' for stdout)">,
    Option<"format", "format", "std::string", /*default=*/"\"obj\"",
           "obj | ll | asm | header">,
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "host | avx2 | avx512 | avx512-vnni | avx-vnni | generic">,
    Option<"optLevel", "opt-level", "int", /*default=*/"3",
           "LLVM optimization level (0-3)">,
  ];
}

#endif // Q8_COMPILER_CODEGEN_PASSES_TD
