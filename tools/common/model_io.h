/* model_io.h - descriptor-driven model I/O shared by q8's drivers (C11).
 *
 * Loads a model's inputs from .npy files, checks them against its descriptor
 * (dtype and shape; a dynamic model's dims come from the inputs' shapes),
 * allocates its outputs and workspace, calls the packed entry point
 * (q8_model_desc.run_packed) and writes the outputs as .npy; reads elements
 * of any dtype for comparisons, and says in words why inputs do not fit a
 * model. Used by q8-run, q8-conformance, test/e2e/Inputs/run_model.c and
 * bench/q8_bench.c, so the tools, the tests and the benchmark drive
 * compiled code the same way. Header-only; needs npy.h (beside it) and
 * q8_runtime.h (runtime/) on the include path, and is installed beside them.
 */
#ifndef Q8_TOOLS_MODEL_IO_H
#define Q8_TOOLS_MODEL_IO_H

#include "npy.h"
#include "q8_runtime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct q8_io {
  int nin, nout, nargs;
  /* The packed call's arguments: the dims (args[0], only with
     Q8_MODEL_DYNAMIC), inputs, outputs, workspace (then the weights, which
     the caller sets in args[nargs - 2], for a model with
     Q8_MODEL_EXTERNAL_WEIGHTS), then the pool (NULL unless the caller sets
     args[nargs - 1]). */
  void **args;
  npy_array *inputs; /* nin of them */
  void *workspace;
  int first;         /* the index of the first input in args: 1 or 0 */
  int64_t *dims;     /* a dynamic model's dims (desc->num_dims of them, what
                        args[0] points to) as the inputs give them; else
                        NULL */
  q8_tensor_desc *outputs; /* nout: the model's outputs, dims resolved */
  const char *tool;        /* prefixes errors */
} q8_io;

/* The index of the first input in a packed call's arguments: 1 when the
 * dims come first (Q8_MODEL_DYNAMIC), else 0. Outputs follow the inputs,
 * then the workspace. */
static inline int q8_io_first_input(const q8_model_desc *desc) {
  return (desc->flags & Q8_MODEL_DYNAMIC) ? 1 : 0;
}

/* Output `i`'s buffer, shaped as io->outputs[i]. */
static inline void *q8_io_output(const q8_io *io, int i) {
  return io->args[io->first + io->nin + i];
}

/* Appends printf-formatted text to the string in buf (size bytes),
 * truncating. */
static inline void q8_io_append(char *buf, size_t size, const char *format,
                                ...) {
  size_t used = strlen(buf);
  if (used + 1 >= size)
    return;
  va_list ap;
  va_start(ap, format);
  vsnprintf(buf + used, size - used, format, ap);
  va_end(ap);
}

/* "f32 [4, 10]": `dtype` and `rank` dims; a dynamic dim (negative) as the
 * name of `desc`'s dim it names ("f32 [batch, 10]"). */
static inline void q8_io_shape_string(const q8_model_desc *desc,
                                      int32_t dtype, int32_t rank,
                                      const int64_t *dims, char *buf,
                                      size_t size) {
  if (!size)
    return;
  buf[0] = 0;
  q8_io_append(buf, size, "%s [", q8_dtype_name((q8_dtype)dtype));
  for (int32_t k = 0; k < rank; ++k) {
    int64_t symbol = -1 - dims[k];
    if (dims[k] < 0 && desc && symbol < (int64_t)desc->num_dims)
      q8_io_append(buf, size, "%s%s", k ? ", " : "", desc->dims[symbol].name);
    else
      q8_io_append(buf, size, "%s%lld", k ? ", " : "", (long long)dims[k]);
  }
  q8_io_append(buf, size, "]");
}

/* The first dim of desc's inputs that names the dynamic dim `d`, looking
 * at the inputs before `input` and then at input's dims before `dim`:
 * *at_input and *at_dim; 0 if none does. */
static inline int q8_io_first_use(const q8_model_desc *desc, int32_t input,
                                  int32_t dim, int64_t d, int32_t *at_input,
                                  int32_t *at_dim) {
  for (int32_t i = 0; i <= input; ++i)
    for (int32_t j = 0; j < (i < input ? desc->inputs[i].rank : dim); ++j)
      if (desc->inputs[i].dims[j] == d) {
        *at_input = i;
        *at_dim = j;
        return 1;
      }
  return 0;
}

/* Says why the caller's input tensors `given` (dtype, rank, dims; one per
 * model input) do not fit `desc`, as q8_model_infer_dims or
 * q8_model_validate_inputs found (`status`, with the offending input
 * `bad`, or -1): a phrase for an error message, such as "input 'x' dim 0
 * is 70, above the model's bound 64 for 'batch'", written to buf. */
static inline void q8_io_explain(const q8_model_desc *desc,
                                 const q8_tensor_desc *given, int32_t bad,
                                 q8_status status, char *buf, size_t size) {
  if (!size)
    return;
  buf[0] = 0;
  if (bad < 0 || (uint32_t)bad >= desc->num_inputs) {
    q8_io_append(buf, size, "%s", q8_status_string(status));
    return;
  }
  const q8_tensor_desc *want = &desc->inputs[bad], *got = &given[bad];
  char wantShape[256], gotShape[256];
  q8_io_shape_string(desc, want->dtype, want->rank, want->dims, wantShape,
                     sizeof wantShape);
  q8_io_shape_string(desc, got->dtype, got->rank, got->dims, gotShape,
                     sizeof gotShape);
  q8_io_append(buf, size, "input '%s' ", want->name);
  if (got->dtype != want->dtype || got->rank != want->rank) {
    q8_io_append(buf, size, "is %s, the model takes %s", gotShape, wantShape);
    return;
  }
  for (int32_t k = 0; k < want->rank; ++k) {
    int64_t d = want->dims[k], value = got->dims[k];
    if (d >= 0) {
      if (value != d) {
        q8_io_append(buf, size, "dim %d is %lld, the model takes %lld", k,
                     (long long)value, (long long)d);
        return;
      }
      continue;
    }
    if (-1 - d >= (int64_t)desc->num_dims)
      break;
    const q8_dim_desc *dim = &desc->dims[-1 - d];
    if (value < dim->min || value > dim->max) {
      int above = value > dim->max;
      q8_io_append(buf, size, "dim %d is %lld, %s the model's bound %lld for "
                   "'%s'", k, (long long)value, above ? "above" : "below",
                   (long long)(above ? dim->max : dim->min), dim->name);
      return;
    }
    /* Within bounds: then it disagrees with the first dim naming it. */
    int32_t input, at;
    if (q8_io_first_use(desc, bad, k, d, &input, &at) &&
        given[input].dims[at] != value) {
      q8_io_append(buf, size, "dim %d is %lld, but input '%s' dim %d made "
                   "'%s' %lld", k, (long long)value, desc->inputs[input].name,
                   at, dim->name, (long long)given[input].dims[at]);
      return;
    }
  }
  q8_io_append(buf, size, "is %s, the model takes %s (%s)", gotShape,
               wantShape, q8_status_string(status));
}

/* The call's dims (desc->num_dims of them; NULL when there are none) from
 * the caller's input tensors `given` (one per model input), as
 * q8_model_infer_dims finds them; on failure, q8_io_explain's phrase in
 * `why`. */
static inline q8_status q8_io_infer_dims(const q8_model_desc *desc,
                                         const q8_tensor_desc *given,
                                         int64_t *dims, char *why,
                                         size_t size) {
  int32_t bad = -1;
  q8_status status =
      q8_model_infer_dims(desc, given, desc->num_inputs, dims, &bad);
  if (status != Q8_OK)
    q8_io_explain(desc, given, bad, status, why, size);
  return status;
}

/* Output `i` of `desc` at the call's `dims`: its descriptor with every
 * dynamic dim resolved, into `out`. Returns its size in bytes, or -1 if its
 * element count overflows. */
static inline int64_t q8_io_resolve_output(const q8_model_desc *desc,
                                           uint32_t i, const int64_t *dims,
                                           q8_tensor_desc *out) {
  *out = desc->outputs[i];
  q8_tensor_resolve_dims(desc, &desc->outputs[i], dims, out->dims);
  int64_t count = q8_tensor_num_elements(out);
  return count < 0 ? -1
                   : count * (int64_t)q8_dtype_size((q8_dtype)out->dtype);
}

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

/* q8_io_load's work, which leaves what it allocated in io on failure. */
static inline int q8_io_load_into(const q8_model_desc *desc,
                                  const char *const *paths, q8_io *io,
                                  const char *tool) {
  if (q8_model_check(desc) != Q8_OK) {
    fprintf(stderr, "%s: bad descriptor\n", tool);
    return 1;
  }
  int dynamic = (desc->flags & Q8_MODEL_DYNAMIC) != 0;
  io->nin = (int)desc->num_inputs;
  io->nout = (int)desc->num_outputs;
  io->nargs = (int)Q8_MODEL_NUM_ARGS(desc);
  io->first = q8_io_first_input(desc);
  io->args = (void **)calloc((size_t)io->nargs, sizeof *io->args);
  io->inputs = (npy_array *)calloc(io->nin ? (size_t)io->nin : 1,
                                   sizeof *io->inputs);
  io->outputs = (q8_tensor_desc *)calloc(io->nout ? (size_t)io->nout : 1,
                                         sizeof *io->outputs);
  if (dynamic)
    io->dims = (int64_t *)calloc(desc->num_dims, sizeof *io->dims);
  if (desc->workspace_size) {
    /* aligned_alloc wants a multiple of the alignment. */
    uint64_t rounded = (desc->workspace_size + Q8_WORKSPACE_ALIGNMENT - 1) /
                       Q8_WORKSPACE_ALIGNMENT * Q8_WORKSPACE_ALIGNMENT;
    io->workspace = aligned_alloc(Q8_WORKSPACE_ALIGNMENT, (size_t)rounded);
  }
  if (!io->args || !io->inputs || !io->outputs || (dynamic && !io->dims) ||
      (desc->workspace_size && !io->workspace)) {
    fprintf(stderr, "%s: out of memory\n", tool);
    return 1;
  }
  for (int i = 0; i < io->nin; ++i) {
    if (npy_read(paths[i], &io->inputs[i]) != 0) {
      io->inputs[i].data = NULL; /* npy_read freed what it had */
      return 1;
    }
    io->args[io->first + i] = io->inputs[i].data;
  }

  /* The inputs' shapes as descriptors, for the checks. */
  q8_tensor_desc *given = (q8_tensor_desc *)calloc(
      io->nin ? (size_t)io->nin : 1, sizeof *given);
  if (!given) {
    fprintf(stderr, "%s: out of memory\n", tool);
    return 1;
  }
  for (int i = 0; i < io->nin; ++i) {
    given[i] = desc->inputs[i];
    given[i].dtype = io->inputs[i].dtype;
    given[i].rank = io->inputs[i].rank;
    memcpy(given[i].dims, io->inputs[i].dims, sizeof given[i].dims);
  }
  int32_t bad = -1;
  char why[512];
  q8_status status = q8_model_validate_inputs(desc, given, (uint32_t)io->nin,
                                              io->workspace, &bad);
  if (status != Q8_OK)
    q8_io_explain(desc, given, bad, status, why, sizeof why);
  else
    status = q8_io_infer_dims(desc, given, io->dims, why, sizeof why);
  if (status != Q8_OK)
    fprintf(stderr, "%s: %s\n", tool, why);
  free(given);
  if (status != Q8_OK)
    return 1;

  for (int i = 0; i < io->nout; ++i) {
    q8_tensor_desc *out = &io->outputs[i];
    int64_t bytes = q8_io_resolve_output(desc, (uint32_t)i, io->dims, out);
    void *data = bytes >= 0 ? calloc(bytes ? (size_t)bytes : 1, 1) : NULL;
    if (!data) {
      fprintf(stderr, "%s: output %s: out of memory\n", tool, out->name);
      return 1;
    }
    io->args[io->first + io->nin + i] = data;
  }
  io->args[io->first + io->nin + io->nout] = io->workspace;
  if (dynamic)
    io->args[0] = io->dims;
  return 0;
}

static inline void q8_io_free(q8_io *io);

/* Reads desc's inputs from `paths` (in the model's input order), validates
 * them, derives a dynamic model's dims from their shapes (io->dims,
 * args[0]), allocates zeroed outputs shaped by those dims (io->outputs) and
 * the workspace. `tool` prefixes errors. Returns 0, or 1 after printing
 * why (and freeing what it allocated). */
static inline int q8_io_load(const q8_model_desc *desc, const char *const *paths,
                             q8_io *io, const char *tool) {
  memset(io, 0, sizeof *io);
  io->tool = tool;
  if (q8_io_load_into(desc, paths, io, tool) == 0)
    return 0;
  q8_io_free(io);
  return 1;
}

/* One call of the model on io's buffers. Returns the packed entry point's
 * status (Q8_OK, 0, or a q8_status a dynamic model returns), printed to
 * stderr when it is not Q8_OK. */
static inline int32_t q8_io_run(const q8_model_desc *desc, q8_io *io) {
  int32_t status = desc->run_packed(io->args);
  if (status != Q8_OK)
    fprintf(stderr, "%s: %s returned %s\n", io->tool ? io->tool : "q8",
            desc->name, q8_status_string((q8_status)status));
  return status;
}

/* Writes each output to DIR/<name>.npy (DIR must exist). */
static inline int q8_io_write_outputs(const q8_model_desc *desc,
                                      const q8_io *io, const char *dir) {
  (void)desc;
  for (int i = 0; i < io->nout; ++i) {
    const q8_tensor_desc *out = &io->outputs[i];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", dir, out->name);
    if (npy_write(path, out, q8_io_output(io, i)) != 0)
      return 1;
  }
  return 0;
}

static inline void q8_io_free(q8_io *io) {
  for (int i = 0; io->args && i < io->nout; ++i)
    free(q8_io_output(io, i));
  for (int i = 0; io->inputs && i < io->nin; ++i)
    free(io->inputs[i].data);
  free(io->args);
  free(io->inputs);
  free(io->outputs);
  free(io->dims);
  free(io->workspace);
  memset(io, 0, sizeof *io);
}

#endif /* Q8_TOOLS_MODEL_IO_H */
