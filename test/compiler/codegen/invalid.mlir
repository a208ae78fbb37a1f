// Every codegen diagnostic.
// RUN: split-file %s %t
// RUN: q8-opt %t/target.mlir -q8-tile-and-vectorize=target=arm -verify-diagnostics
// RUN: q8-opt %t/two.mlir -q8-prepare-entry=model-name=m -verify-diagnostics
// RUN: q8-opt %t/format.mlir -q8-emit-object=format=exe -verify-diagnostics
// RUN: q8-opt %t/header.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/dynamic.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/object-target.mlir -q8-emit-object=target=riscv -verify-diagnostics
// RUN: q8-opt %t/extent-malformed.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-and-batch.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-count.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-bounds.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-static.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-unnamed.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-elements.mlir -q8-emit-object=format=header -verify-diagnostics
// RUN: q8-opt %t/extent-arity.mlir -q8-emit-object="format=ll target=avx2" -verify-diagnostics

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

//--- extent-malformed.mlir
// expected-error @below {{malformed q8.extent: {name = "seq"}}}
module attributes {q8.extent = {name = "seq"}} {
  func.func @f() attributes {q8.inputs = [], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-and-batch.mlir
// expected-error @below {{the module has both q8.batch and q8.extent; a model has one dynamic dim for now}}
module attributes {
    q8.batch = {name = "n", min = 1 : i64, max = 4 : i64, inputs = array<i64>, outputs = array<i64>},
    q8.extent = {name = "seq", min = 1 : i64, max = 4 : i64, inputs = array<i64>, outputs = array<i64>}} {
  func.func @f() attributes {q8.inputs = [], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-count.mlir
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 4 : i64, inputs = array<i64>, outputs = array<i64>}} {
  // expected-error @below {{q8.extent does not match the entry's tensors}}
  func.func @f() attributes {q8.inputs = [{name = "x", type = tensor<?xf32>}], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-bounds.mlir
module attributes {q8.extent = {name = "seq", min = 0 : i64, max = 4 : i64, inputs = array<i64: 0>, outputs = array<i64>}} {
  // expected-error @below {{q8.extent has bounds [0, 4], not 1 <= min <= max}}
  func.func @f() attributes {q8.inputs = [{name = "x", type = tensor<?xf32>}], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-static.mlir
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 4 : i64, inputs = array<i64: 1>, outputs = array<i64>}} {
  // expected-error @below {{q8.extent names dim 1 of 'x', which is not a dynamic dim of its type}}
  func.func @f() attributes {q8.inputs = [{name = "x", type = tensor<?x3xf32>}], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-unnamed.mlir
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 4 : i64, inputs = array<i64: 0>, outputs = array<i64: -1>}} {
  // expected-error @below {{'y' dim 1 is dynamic, but q8.extent does not name it}}
  func.func @f() attributes {q8.inputs = [{name = "x", type = tensor<?xf32>}], q8.outputs = [{name = "y", type = tensor<2x?xf32>}], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-elements.mlir
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 4611686018427387904 : i64, inputs = array<i64: 0>, outputs = array<i64>}} {
  // expected-error @below {{'x' has more than INT64_MAX elements at seq = 4611686018427387904}}
  func.func @f() attributes {q8.inputs = [{name = "x", type = tensor<?x2xf32>}], q8.outputs = [], q8.workspace_size = 0 : i64} {
    return
  }
}

//--- extent-arity.mlir
// The lowered entry function lacks the dims argument.
// expected-error @below {{the entry point @m_run of a q8.extent model takes 4 arguments, expected 5 (the dims first, then the inputs, outputs, workspace and pool)}}
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 4 : i64, inputs = array<i64: 0>, outputs = array<i64: 0>}} {
  llvm.func @m_run(%x: !llvm.ptr, %y: !llvm.ptr, %ws: !llvm.ptr, %pool: !llvm.ptr) attributes {
      q8.inputs = [{name = "x", type = tensor<?xf32>}], q8.outputs = [{name = "y", type = tensor<?xf32>}], q8.workspace_size = 0 : i64} {
    llvm.return
  }
}
