//===- compile_model.cpp - q8's compile() API from another project --------===//
//
//   compile_model MODEL.onnx SAMPLES_DIR OUT_BASE
//
// Calibrates MODEL on the samples, quantizes it to W8A8 and writes
// OUT_BASE.o and OUT_BASE.h, as `q8c MODEL --calibrate SAMPLES_DIR
// --quantize w8a8 -o OUT_BASE` does; then prints what compile() reports.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compile.h"

#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    llvm::errs() << "usage: " << argv[0] << " MODEL.onnx SAMPLES_DIR OUT_BASE\n";
    return 1;
  }
  q8::CompileRequest request;
  request.modelPath = argv[1];
  request.calibration.samples = argv[2];
  request.quantization.w8a8 = true;
  request.output.kind = q8::OutputKind::Object;
  request.output.path = argv[3];

  // Diagnostics and q8c's progress lines go to the log (stderr here).
  q8::CompileResult result = q8::compile(request, llvm::errs(), llvm::outs());
  if (!result.succeeded)
    return 1;
  if (result.quantization)
    llvm::outs() << "compile_model: " << result.quantization->quantized
                 << " layers int8, " << result.quantization->keptFp32
                 << " kept fp32\n";
  for (const std::string &file : result.written)
    llvm::outs() << "compile_model: wrote " << file << "\n";
  return 0;
}
