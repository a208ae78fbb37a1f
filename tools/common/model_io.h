/* model_io.h - descriptor-driven model I/O shared by q8's C drivers (C11).
 *
 * Loads a model's inputs from .npy files, checks them against its descriptor
 * (dtype and shape), allocates its outputs and workspace, calls the
 * type-erased entry point and writes the outputs as .npy. Used by
 * test/e2e/Inputs/run_model.c and bench/q8_bench.c, so the tests and the
 * benchmark drive the compiled code the same way. Needs npy.h
 * (examples/digits) and q8_runtime.h (runtime) on the include path.
 */
#ifndef Q8_MODEL_IO_H
#define Q8_MODEL_IO_H

#include "npy.h"
#include "q8_runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest inputs + outputs + workspace q8_io_call spells out. */
#define Q8_IO_MAX_ARGS 24

typedef void *q8_io_ptr;

typedef struct q8_io {
  int nin, nout;
  q8_io_ptr args[Q8_IO_MAX_ARGS]; /* inputs, outputs, workspace */
  npy_array inputs[Q8_IO_MAX_ARGS];
  void *workspace;
} q8_io;

/* True for the floating-point dtypes (compared with a tolerance; the
 * others compare exactly). */
static inline int q8_io_is_float(int32_t dtype) {
  return dtype == Q8_DTYPE_F32 || dtype == Q8_DTYPE_F64 ||
         dtype == Q8_DTYPE_F16 || dtype == Q8_DTYPE_BF16;
}

/* IEEE binary16 bits as a float (exact). */
static inline float q8_io_half_to_float(uint16_t h) {
  unsigned exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0x1f)
    magnitude = mantissa ? NAN : INFINITY;
  else if (exponent == 0)
    magnitude = ldexpf((float)mantissa, -24);
  else
    magnitude = ldexpf((float)(mantissa | 0x400), (int)exponent - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
}

/* bfloat16 bits as a float (exact: they are its upper half). */
static inline float q8_io_bf16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Element `i` of dense data of `dtype` as a double (64-bit integers beyond
 * 2^53 round; bool is 0 or 1 for any nonzero byte). */
static inline double q8_io_element(int32_t dtype, const void *data,
                                   int64_t i) {
  const char *p = (const char *)data + i * q8_dtype_size((q8_dtype)dtype);
  union {
    float f32;
    double f64;
    uint16_t u16;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
  } v;
  memcpy(&v, p, q8_dtype_size((q8_dtype)dtype));
  switch (dtype) {
  case Q8_DTYPE_F32: return v.f32;
  case Q8_DTYPE_F64: return v.f64;
  case Q8_DTYPE_F16: return q8_io_half_to_float(v.u16);
  case Q8_DTYPE_BF16: return q8_io_bf16_to_float(v.u16);
  case Q8_DTYPE_I8: return v.i8;
  case Q8_DTYPE_I16: return v.i16;
  case Q8_DTYPE_I32: return v.i32;
  case Q8_DTYPE_I64: return (double)v.i64;
  case Q8_DTYPE_U8: return v.u8;
  case Q8_DTYPE_U16: return v.u16;
  case Q8_DTYPE_U32: return v.u32;
  case Q8_DTYPE_U64: return (double)v.u64;
  case Q8_DTYPE_BOOL: return v.u8 != 0;
  }
  return 0;
}

/* Calls the type-erased entry point with its exact arity: every argument is
 * a pointer, so each case is the model's real prototype up to pointer types.
 * P<n> spells n pointer parameters, A<n> the first n arguments. */
#define Q8_IO_P2 q8_io_ptr, q8_io_ptr
#define Q8_IO_A2 a[0], a[1]
#define Q8_IO_P3 Q8_IO_P2, q8_io_ptr
#define Q8_IO_A3 Q8_IO_A2, a[2]
#define Q8_IO_P4 Q8_IO_P3, q8_io_ptr
#define Q8_IO_A4 Q8_IO_A3, a[3]
#define Q8_IO_P5 Q8_IO_P4, q8_io_ptr
#define Q8_IO_A5 Q8_IO_A4, a[4]
#define Q8_IO_P6 Q8_IO_P5, q8_io_ptr
#define Q8_IO_A6 Q8_IO_A5, a[5]
#define Q8_IO_P7 Q8_IO_P6, q8_io_ptr
#define Q8_IO_A7 Q8_IO_A6, a[6]
#define Q8_IO_P8 Q8_IO_P7, q8_io_ptr
#define Q8_IO_A8 Q8_IO_A7, a[7]
#define Q8_IO_P9 Q8_IO_P8, q8_io_ptr
#define Q8_IO_A9 Q8_IO_A8, a[8]
#define Q8_IO_P10 Q8_IO_P9, q8_io_ptr
#define Q8_IO_A10 Q8_IO_A9, a[9]
#define Q8_IO_P11 Q8_IO_P10, q8_io_ptr
#define Q8_IO_A11 Q8_IO_A10, a[10]
#define Q8_IO_P12 Q8_IO_P11, q8_io_ptr
#define Q8_IO_A12 Q8_IO_A11, a[11]
#define Q8_IO_P13 Q8_IO_P12, q8_io_ptr
#define Q8_IO_A13 Q8_IO_A12, a[12]
#define Q8_IO_P14 Q8_IO_P13, q8_io_ptr
#define Q8_IO_A14 Q8_IO_A13, a[13]
#define Q8_IO_P15 Q8_IO_P14, q8_io_ptr
#define Q8_IO_A15 Q8_IO_A14, a[14]
#define Q8_IO_P16 Q8_IO_P15, q8_io_ptr
#define Q8_IO_A16 Q8_IO_A15, a[15]
#define Q8_IO_P17 Q8_IO_P16, q8_io_ptr
#define Q8_IO_A17 Q8_IO_A16, a[16]
#define Q8_IO_P18 Q8_IO_P17, q8_io_ptr
#define Q8_IO_A18 Q8_IO_A17, a[17]
#define Q8_IO_P19 Q8_IO_P18, q8_io_ptr
#define Q8_IO_A19 Q8_IO_A18, a[18]
#define Q8_IO_P20 Q8_IO_P19, q8_io_ptr
#define Q8_IO_A20 Q8_IO_A19, a[19]
#define Q8_IO_P21 Q8_IO_P20, q8_io_ptr
#define Q8_IO_A21 Q8_IO_A20, a[20]
#define Q8_IO_P22 Q8_IO_P21, q8_io_ptr
#define Q8_IO_A22 Q8_IO_A21, a[21]
#define Q8_IO_P23 Q8_IO_P22, q8_io_ptr
#define Q8_IO_A23 Q8_IO_A22, a[22]
#define Q8_IO_P24 Q8_IO_P23, q8_io_ptr
#define Q8_IO_A24 Q8_IO_A23, a[23]
static inline int q8_io_call(q8_run_fn run, int n, q8_io_ptr *a) {
  switch (n) {
#define Q8_IO_CASE(n)                                                          \
  case n:                                                                      \
    ((void (*)(Q8_IO_P##n))run)(Q8_IO_A##n);                                   \
    return 0;
    Q8_IO_CASE(2) Q8_IO_CASE(3) Q8_IO_CASE(4) Q8_IO_CASE(5) Q8_IO_CASE(6) Q8_IO_CASE(7) Q8_IO_CASE(8) Q8_IO_CASE(9) Q8_IO_CASE(10) Q8_IO_CASE(11) Q8_IO_CASE(12) Q8_IO_CASE(13) Q8_IO_CASE(14) Q8_IO_CASE(15) Q8_IO_CASE(16) Q8_IO_CASE(17) Q8_IO_CASE(18) Q8_IO_CASE(19) Q8_IO_CASE(20) Q8_IO_CASE(21) Q8_IO_CASE(22) Q8_IO_CASE(23) Q8_IO_CASE(24)
#undef Q8_IO_CASE
  default:
    return 1;
  }
}

/* Reads desc's inputs from `paths` (in the model's input order), validates
 * them, allocates zeroed outputs and the workspace. `tool` prefixes errors. */
static inline int q8_io_load(const q8_model_desc *desc, const char *const *paths,
                             q8_io *io, const char *tool) {
  memset(io, 0, sizeof *io);
  if (q8_model_check(desc) != Q8_OK) {
    fprintf(stderr, "%s: bad descriptor\n", tool);
    return 1;
  }
  io->nin = (int)desc->num_inputs;
  io->nout = (int)desc->num_outputs;
  if (io->nin + io->nout + 1 > Q8_IO_MAX_ARGS) {
    fprintf(stderr, "%s: %d inputs and %d outputs are too many\n", tool,
            io->nin, io->nout);
    return 1;
  }
  q8_tensor_desc given[Q8_IO_MAX_ARGS];
  for (int i = 0; i < io->nin; ++i) {
    if (npy_read(paths[i], &io->inputs[i]) != 0)
      return 1;
    given[i] = desc->inputs[i];
    given[i].dtype = io->inputs[i].dtype;
    given[i].rank = io->inputs[i].rank;
    memcpy(given[i].dims, io->inputs[i].dims, sizeof given[i].dims);
    io->args[i] = io->inputs[i].data;
  }
  if (desc->workspace_size)
    io->workspace = aligned_alloc(Q8_WORKSPACE_ALIGNMENT, desc->workspace_size);
  int32_t bad = -1;
  q8_status status = q8_model_validate_inputs(desc, given, (uint32_t)io->nin,
                                              io->workspace, &bad);
  if (status != Q8_OK) {
    fprintf(stderr, "%s: %s%s: %s\n", tool, bad >= 0 ? "input " : "",
            bad >= 0 ? desc->inputs[bad].name : "workspace",
            q8_status_string(status));
    return 1;
  }
  for (int i = 0; i < io->nout; ++i) {
    const q8_tensor_desc *out = &desc->outputs[i];
    size_t bytes = (size_t)q8_tensor_num_elements(out) *
                   q8_dtype_size((q8_dtype)out->dtype);
    io->args[io->nin + i] = calloc(bytes ? bytes : 1, 1);
  }
  io->args[io->nin + io->nout] = io->workspace;
  return 0;
}

/* One call of the model on io's buffers. */
static inline int q8_io_run(const q8_model_desc *desc, q8_io *io) {
  return q8_io_call(desc->run, io->nin + io->nout + 1, io->args);
}

/* Writes each output to DIR/<name>.npy (DIR must exist). */
static inline int q8_io_write_outputs(const q8_model_desc *desc,
                                      const q8_io *io, const char *dir) {
  for (int i = 0; i < io->nout; ++i) {
    const q8_tensor_desc *out = &desc->outputs[i];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", dir, out->name);
    if (npy_write(path, out, io->args[io->nin + i]) != 0)
      return 1;
  }
  return 0;
}

static inline void q8_io_free(q8_io *io) {
  for (int i = 0; i < io->nout; ++i)
    free(io->args[io->nin + i]);
  for (int i = 0; i < io->nin; ++i)
    free(io->inputs[i].data);
  free(io->workspace);
  memset(io, 0, sizeof *io);
}

#endif /* Q8_MODEL_IO_H */
