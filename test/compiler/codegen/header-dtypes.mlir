// RUN: q8-opt %s -q8-emit-object=format=header -o /dev/null | FileCheck %s
// The header is valid C11 and C++ on its own (bool from q8_abi.h).
// RUN: q8-opt %s -q8-emit-object=format=header -o /dev/null > %t.h
// RUN: %cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%q8rt_include -include %t.h -x c /dev/null
// RUN: %cc -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%q8rt_include -include %t.h -x c++ /dev/null

// Every element type the ABI describes, with its C type in the prototype:
// signless and signed integers are the signed dtypes, i1 is bool (one byte
// per element), the half types travel as their 16 bits.
// CHECK:      /* a: f16[2] */
// CHECK:      /* k: bool[2x3] */
// CHECK:      void dt_run(const uint16_t *a, const uint16_t *b, const double *c, const int16_t *d, const int8_t *e, const uint8_t *f, const uint16_t *g, const uint32_t *h, const uint64_t *i, const int32_t *j, bool *k, int64_t *l, float *m, void *workspace, q8_pool *pool);
// CHECK:      {"a", Q8_DTYPE_F16, 1, {2}},
// CHECK-NEXT: {"b", Q8_DTYPE_BF16, 1, {2}},
// CHECK-NEXT: {"c", Q8_DTYPE_F64, 1, {2}},
// CHECK-NEXT: {"d", Q8_DTYPE_I16, 1, {2}},
// CHECK-NEXT: {"e", Q8_DTYPE_I8, 1, {2}},
// CHECK-NEXT: {"f", Q8_DTYPE_U8, 1, {2}},
// CHECK-NEXT: {"g", Q8_DTYPE_U16, 1, {2}},
// CHECK-NEXT: {"h", Q8_DTYPE_U32, 1, {2}},
// CHECK-NEXT: {"i", Q8_DTYPE_U64, 1, {2}},
// CHECK-NEXT: {"j", Q8_DTYPE_I32, 1, {2}},
// CHECK:      {"k", Q8_DTYPE_BOOL, 2, {2, 3}},
// CHECK-NEXT: {"l", Q8_DTYPE_I64, 1, {2}},
// CHECK-NEXT: {"m", Q8_DTYPE_F32, 1, {2}},
module {
  llvm.func @dt_run() attributes {
    q8.inputs = [{name = "a", type = tensor<2xf16>}, {name = "b", type = tensor<2xbf16>},
                 {name = "c", type = tensor<2xf64>}, {name = "d", type = tensor<2xi16>},
                 {name = "e", type = tensor<2xsi8>}, {name = "f", type = tensor<2xui8>},
                 {name = "g", type = tensor<2xui16>}, {name = "h", type = tensor<2xui32>},
                 {name = "i", type = tensor<2xui64>}, {name = "j", type = tensor<2xi32>}],
    q8.outputs = [{name = "k", type = tensor<2x3xi1>}, {name = "l", type = tensor<2xi64>},
                  {name = "m", type = tensor<2xf32>}],
    q8.workspace_size = 0 : i64} {
    llvm.return
  }
}
