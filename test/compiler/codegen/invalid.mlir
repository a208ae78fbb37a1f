// Every codegen diagnostic.
// RUN: split-file %s %t
// RUN: q8-opt %t/target.mlir -q8-tile-and-vectorize=target=arm -verify-diagnostics
// RUN: q8-opt %t/two.mlir -q8-prepare-entry=model-name=m -verify-diagnostics
// RUN: q8-opt %t/format.mlir -q8-emit-object=format=exe -verify-diagnostics
// RUN: q8-opt %t/header.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/dynamic.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/object-target.mlir -q8-emit-object=target=riscv -verify-diagnostics

//--- target.mlir
// expected-error @below {{unknown target 'arm' (expected one of host, avx2, avx-vnni, avx512, avx512-vnni, generic)}}
func.func @f() {
  return
}

//--- two.mlir
// expected-error @below {{model-name needs exactly one public function, found 2}}
module {
  func.func @a() {
    return
  }
  func.func @b() {
    return
  }
}

//--- format.mlir
// expected-error @below {{unknown format 'exe' (expected obj, asm, ll or header)}}
module {
}

//--- header.mlir
module {
  // expected-error @below {{missing q8.workspace_size: run q8-plan-arena}}
  func.func @f() attributes {q8.inputs = [], q8.outputs = []} {
    return
  }
}

//--- dynamic.mlir
module {
  // expected-error @below {{'x' has a dynamic shape}}
  func.func @f() attributes {q8.inputs = [{name = "x", type = tensor<?xf32>}], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- object-target.mlir
// expected-error @below {{unknown target 'riscv'}}
module {
}
