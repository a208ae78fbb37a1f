/* model_io.h - descriptor-driven model I/O shared by q8's drivers (C11).
 *
 * Loads a model's inputs from .npy files, checks them against its descriptor
 * (dtype and shape), allocates its outputs and workspace, calls the packed
 * entry point (q8_model_desc.run_packed) and writes the outputs as .npy;
 * reads elements of any dtype for comparisons. Used by q8-run,
 * q8-conformance, test/e2e/Inputs/run_model.c and bench/q8_bench.c, so the
 * tools, the tests and the benchmark drive compiled code the same way.
 * Header-only; needs npy.h (beside it) and q8_runtime.h (runtime/) on the
 * include path, and is installed beside them.
 */
#ifndef Q8_TOOLS_MODEL_IO_H
#define Q8_TOOLS_MODEL_IO_H

#include "npy.h"
#include "q8_runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct q8_io {
  int nin, nout, nargs;
  /* The packed call's arguments: inputs, outputs, workspace (then the
     weights, which the caller sets in args[nargs - 2], for a model with
     Q8_MODEL_EXTERNAL_WEIGHTS), then the pool (NULL unless the caller sets
     args[nargs - 1]). */
  void **args;
  npy_array *inputs; /* nin of them */
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
  io->nargs = (int)Q8_MODEL_NUM_ARGS(desc);
  io->args = (void **)calloc((size_t)io->nargs, sizeof *io->args);
  io->inputs = (npy_array *)calloc(io->nin ? (size_t)io->nin : 1,
                                   sizeof *io->inputs);
  q8_tensor_desc *given = (q8_tensor_desc *)calloc(
      io->nin ? (size_t)io->nin : 1, sizeof *given);
  if (!io->args || !io->inputs || !given) {
    free(given);
    fprintf(stderr, "%s: out of memory\n", tool);
    return 1;
  }
  for (int i = 0; i < io->nin; ++i) {
    if (npy_read(paths[i], &io->inputs[i]) != 0) {
      free(given);
      return 1;
    }
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
  free(given);
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
  desc->run_packed(io->args);
  return 0;
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
  for (int i = 0; io->args && i < io->nout; ++i)
    free(io->args[io->nin + i]);
  for (int i = 0; io->inputs && i < io->nin; ++i)
    free(io->inputs[i].data);
  free(io->args);
  free(io->inputs);
  free(io->workspace);
  memset(io, 0, sizeof *io);
}

#endif /* Q8_TOOLS_MODEL_IO_H */
