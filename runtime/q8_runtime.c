/* q8_runtime.c - descriptor checks, status strings and cpuid detection. */
#include "q8_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define Q8_X86 1
#endif

const char *q8_status_string(q8_status status) {
  switch (status) {
  case Q8_OK:
    return "ok";
  case Q8_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case Q8_ERROR_ABI_MISMATCH:
    return "ABI version mismatch";
  case Q8_ERROR_SHAPE_MISMATCH:
    return "shape mismatch";
  case Q8_ERROR_DTYPE_MISMATCH:
    return "dtype mismatch";
  case Q8_ERROR_COUNT_MISMATCH:
    return "wrong number of tensors";
  case Q8_ERROR_UNSUPPORTED_CPU:
    return "CPU lacks required features";
  case Q8_ERROR_MISALIGNED:
    return "workspace misaligned";
  case Q8_ERROR_IO:
    return "cannot read file";
  case Q8_ERROR_SIZE_MISMATCH:
    return "weights file size mismatch";
  case Q8_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  }
  return "unknown status";
}

const char *q8_dtype_name(q8_dtype dtype) {
  switch (dtype) {
  case Q8_DTYPE_F32:
    return "f32";
  case Q8_DTYPE_I8:
    return "i8";
  case Q8_DTYPE_U8:
    return "u8";
  case Q8_DTYPE_I32:
    return "i32";
  case Q8_DTYPE_I64:
    return "i64";
  case Q8_DTYPE_F16:
    return "f16";
  case Q8_DTYPE_BF16:
    return "bf16";
  case Q8_DTYPE_F64:
    return "f64";
  case Q8_DTYPE_I16:
    return "i16";
  case Q8_DTYPE_U16:
    return "u16";
  case Q8_DTYPE_U32:
    return "u32";
  case Q8_DTYPE_U64:
    return "u64";
  case Q8_DTYPE_BOOL:
    return "bool";
  }
  return "unknown";
}

size_t q8_dtype_size(q8_dtype dtype) {
  switch (dtype) {
  case Q8_DTYPE_I8:
  case Q8_DTYPE_U8:
  case Q8_DTYPE_BOOL:
    return 1;
  case Q8_DTYPE_F16:
  case Q8_DTYPE_BF16:
  case Q8_DTYPE_I16:
  case Q8_DTYPE_U16:
    return 2;
  case Q8_DTYPE_F32:
  case Q8_DTYPE_I32:
  case Q8_DTYPE_U32:
    return 4;
  case Q8_DTYPE_F64:
  case Q8_DTYPE_I64:
  case Q8_DTYPE_U64:
    return 8;
  }
  return 0;
}

/* Whether `d`, a dim of a tensor of a model with `numDims` dynamic dims, is
 * static or names one of them. In 64 bits: Q8_DIM_SYMBOL's int32_t would
 * wrap for a dim below INT32_MIN. */
static bool dimIsValid(int64_t d, uint32_t numDims) {
  return d >= 0 || -1 - d < (int64_t)numDims;
}

static q8_status checkTensors(const q8_tensor_desc *tensors, uint32_t count,
                              uint32_t numDims) {
  if (count && !tensors)
    return Q8_ERROR_INVALID_ARGUMENT;
  for (uint32_t i = 0; i < count; ++i) {
    const q8_tensor_desc *t = &tensors[i];
    if (!t->name || t->rank < 0 || t->rank > Q8_MAX_RANK ||
        q8_dtype_size((q8_dtype)t->dtype) == 0)
      return Q8_ERROR_INVALID_ARGUMENT;
    for (int32_t k = 0; k < t->rank; ++k)
      if (!dimIsValid(t->dims[k], numDims))
        return Q8_ERROR_INVALID_ARGUMENT;
  }
  return Q8_OK;
}

/* The dynamic dims: named, 1 <= min <= max, and present exactly when the
 * flag says so. */
static q8_status checkDims(const q8_model_desc *desc) {
  if (!(desc->flags & Q8_MODEL_DYNAMIC))
    return desc->num_dims == 0 ? Q8_OK : Q8_ERROR_INVALID_ARGUMENT;
  if (desc->num_dims == 0 || !desc->dims)
    return Q8_ERROR_INVALID_ARGUMENT;
  for (uint32_t i = 0; i < desc->num_dims; ++i) {
    const q8_dim_desc *dim = &desc->dims[i];
    if (!dim->name || dim->min < 1 || dim->min > dim->max)
      return Q8_ERROR_INVALID_ARGUMENT;
  }
  return Q8_OK;
}

q8_status q8_model_check(const q8_model_desc *desc) {
  if (!desc)
    return Q8_ERROR_INVALID_ARGUMENT;
  if (desc->abi_version != Q8_ABI_VERSION)
    return Q8_ERROR_ABI_MISMATCH;
  if (!desc->name || !desc->run || !desc->run_packed)
    return Q8_ERROR_INVALID_ARGUMENT;
  if ((desc->flags & ~(Q8_MODEL_EXTERNAL_WEIGHTS | Q8_MODEL_DYNAMIC)) != 0 ||
      (desc->weights_size != 0 &&
       !(desc->flags & Q8_MODEL_EXTERNAL_WEIGHTS)) ||
      desc->reserved != 0)
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_status status = checkDims(desc);
  if (status != Q8_OK)
    return status;
  status = checkTensors(desc->inputs, desc->num_inputs, desc->num_dims);
  if (status != Q8_OK)
    return status;
  return checkTensors(desc->outputs, desc->num_outputs, desc->num_dims);
}

static const q8_tensor_desc *findTensor(const q8_tensor_desc *tensors,
                                        uint32_t count, const char *name) {
  if (!tensors || !name)
    return NULL;
  for (uint32_t i = 0; i < count; ++i)
    if (tensors[i].name && strcmp(tensors[i].name, name) == 0)
      return &tensors[i];
  return NULL;
}

const q8_tensor_desc *q8_model_find_input(const q8_model_desc *desc,
                                          const char *name) {
  return desc ? findTensor(desc->inputs, desc->num_inputs, name) : NULL;
}

const q8_tensor_desc *q8_model_find_output(const q8_model_desc *desc,
                                           const char *name) {
  return desc ? findTensor(desc->outputs, desc->num_outputs, name) : NULL;
}

q8_status q8_tensor_resolve_dims(const q8_model_desc *desc,
                                 const q8_tensor_desc *tensor,
                                 const int64_t *dims, int64_t *out) {
  if (!tensor || !out || tensor->rank < 0 || tensor->rank > Q8_MAX_RANK)
    return Q8_ERROR_INVALID_ARGUMENT;
  for (int32_t k = 0; k < tensor->rank; ++k) {
    int64_t d = tensor->dims[k];
    if (d < 0 && (!desc || !dims || !dimIsValid(d, desc->num_dims)))
      return Q8_ERROR_INVALID_ARGUMENT;
    out[k] = d >= 0 ? d : dims[-1 - d];
  }
  return Q8_OK;
}

/* The product of `rank` extents, or -1 for a negative one or overflow. */
static int64_t product(const int64_t *extents, int32_t rank) {
  int64_t count = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (extents[i] < 0 || (extents[i] && count > INT64_MAX / extents[i]))
      return -1;
    count *= extents[i];
  }
  return count;
}

int64_t q8_tensor_num_elements(const q8_tensor_desc *tensor) {
  if (!tensor)
    return 0;
  int32_t rank = tensor->rank < Q8_MAX_RANK ? tensor->rank : Q8_MAX_RANK;
  return product(tensor->dims, rank);
}

int64_t q8_tensor_num_elements_at(const q8_model_desc *desc,
                                  const q8_tensor_desc *tensor,
                                  const int64_t *dims) {
  if (!tensor)
    return 0;
  int64_t extents[Q8_MAX_RANK];
  if (q8_tensor_resolve_dims(desc, tensor, dims, extents) != Q8_OK)
    return -1;
  return product(extents, tensor->rank);
}

q8_status q8_tensor_check(const q8_tensor_desc *expected, q8_dtype dtype,
                          int32_t rank, const int64_t *dims) {
  if (!expected || (rank > 0 && !dims))
    return Q8_ERROR_INVALID_ARGUMENT;
  if (expected->dtype != (int32_t)dtype)
    return Q8_ERROR_DTYPE_MISMATCH;
  if (expected->rank != rank)
    return Q8_ERROR_SHAPE_MISMATCH;
  for (int32_t i = 0; i < rank; ++i) {
    bool dynamic = expected->dims[i] < 0;
    if (dynamic ? dims[i] < 1 : expected->dims[i] != dims[i])
      return Q8_ERROR_SHAPE_MISMATCH;
  }
  return Q8_OK;
}

q8_status q8_model_check_dims(const q8_model_desc *desc, const int64_t *dims,
                              int32_t *bad_index) {
  if (bad_index)
    *bad_index = -1;
  if (!desc || (desc->num_dims && (!dims || !desc->dims)))
    return Q8_ERROR_INVALID_ARGUMENT;
  for (uint32_t i = 0; i < desc->num_dims; ++i)
    if (dims[i] < desc->dims[i].min || dims[i] > desc->dims[i].max) {
      if (bad_index)
        *bad_index = (int32_t)i;
      return Q8_ERROR_SHAPE_MISMATCH;
    }
  return Q8_OK;
}

/* The value that `given` has at the first dim, in order, of the first
 * `count` tensors whose `expected` dim is `symbol`; NULL if none is. */
static const int64_t *firstValueOf(const q8_tensor_desc *expected,
                                   const q8_tensor_desc *given,
                                   uint32_t count, int64_t symbol) {
  for (uint32_t i = 0; i < count; ++i)
    for (int32_t k = 0; k < expected[i].rank; ++k)
      if (expected[i].dims[k] == symbol)
        return &given[i].dims[k];
  return NULL;
}

q8_status q8_model_infer_dims(const q8_model_desc *desc,
                              const q8_tensor_desc *inputs,
                              uint32_t num_inputs, int64_t *dims,
                              int32_t *bad_index) {
  if (bad_index)
    *bad_index = -1;
  if (!desc || (desc->num_dims && !desc->dims))
    return Q8_ERROR_INVALID_ARGUMENT;
  if (num_inputs != desc->num_inputs)
    return Q8_ERROR_COUNT_MISMATCH;
  if (num_inputs && (!inputs || !desc->inputs))
    return Q8_ERROR_INVALID_ARGUMENT;
  for (uint32_t i = 0; i < num_inputs; ++i) {
    const q8_tensor_desc *want = &desc->inputs[i];
    q8_status status = q8_tensor_check(want, (q8_dtype)inputs[i].dtype,
                                       inputs[i].rank, inputs[i].dims);
    for (int32_t k = 0; status == Q8_OK && k < want->rank; ++k) {
      int64_t d = want->dims[k], value = inputs[i].dims[k];
      if (d >= 0)
        continue;
      if (!dimIsValid(d, desc->num_dims))
        return Q8_ERROR_INVALID_ARGUMENT;
      const q8_dim_desc *symbol = &desc->dims[-1 - d];
      /* The first dim to name the symbol: this one or an earlier one. */
      const int64_t *first = firstValueOf(desc->inputs, inputs, i + 1, d);
      if (value < symbol->min || value > symbol->max || *first != value)
        status = Q8_ERROR_SHAPE_MISMATCH;
    }
    if (status != Q8_OK) {
      if (bad_index && status != Q8_ERROR_INVALID_ARGUMENT)
        *bad_index = (int32_t)i;
      return status;
    }
  }
  /* Every symbol must have come from some input: an entry point needs them
   * all. */
  for (uint32_t s = 0; s < desc->num_dims; ++s) {
    const int64_t *value =
        firstValueOf(desc->inputs, inputs, num_inputs, Q8_DIM_OF_SYMBOL(s));
    if (!value)
      return Q8_ERROR_INVALID_ARGUMENT;
    if (dims)
      dims[s] = *value;
  }
  return Q8_OK;
}

q8_status q8_model_validate_inputs(const q8_model_desc *desc,
                                   const q8_tensor_desc *inputs,
                                   uint32_t num_inputs, const void *workspace,
                                   int32_t *bad_index) {
  if (bad_index)
    *bad_index = -1;
  q8_status status = q8_model_check(desc);
  if (status != Q8_OK)
    return status;
  status = q8_model_infer_dims(desc, inputs, num_inputs, NULL, bad_index);
  if (status != Q8_OK)
    return status;
  if (desc->workspace_size && !workspace)
    return Q8_ERROR_INVALID_ARGUMENT;
  if ((uintptr_t)workspace % Q8_WORKSPACE_ALIGNMENT)
    return Q8_ERROR_MISALIGNED;
  return Q8_OK;
}

/* How one tensor of a batched model is split into items (q8_run_batched):
 * its caller's array is [outer, n, inner] (inner in bytes). A tensor
 * without a batch dim is passed whole (batched false). */
typedef struct batchSplit {
  bool batched;
  bool staged;  /* outer > 1: copied through a workspace buffer */
  size_t outer; /* product of the dims before the batch dim */
  size_t inner; /* bytes of the dims after it */
} batchSplit;

/* Multiplies *value by `factor` unless that exceeds `limit`. */
static bool mulWithin(size_t *value, uint64_t factor, uint64_t limit) {
  if (factor && *value > limit / factor)
    return false;
  *value *= (size_t)factor;
  return true;
}

/* `t`'s split; false for a descriptor that q8_run_batched cannot run (two
 * batch dims, or a staging buffer whose bytes overflow size_t). Without a
 * batch dim, inner is the whole tensor. */
static bool splitOf(const q8_tensor_desc *t, batchSplit *split) {
  int32_t batchAt = -1;
  for (int32_t k = 0; k < t->rank; ++k)
    if (t->dims[k] < 0) {
      if (batchAt >= 0)
        return false;
      batchAt = k;
    }
  split->batched = batchAt >= 0;
  split->outer = 1;
  split->inner = q8_dtype_size((q8_dtype)t->dtype);
  for (int32_t k = 0; k < t->rank; ++k)
    if (k != batchAt &&
        !mulWithin(k < batchAt ? &split->outer : &split->inner,
                   (uint64_t)t->dims[k], SIZE_MAX))
      return false;
  split->staged = split->outer > 1;
  return split->inner == 0 || split->outer <= SIZE_MAX / split->inner;
}

static uint64_t alignUp(uint64_t offset) {
  return (offset + Q8_WORKSPACE_ALIGNMENT - 1) / Q8_WORKSPACE_ALIGNMENT *
         Q8_WORKSPACE_ALIGNMENT;
}

/* Walks the workspace layout: the offset of the staging buffer of the next
 * staged tensor, given where the previous one ended (*end), which it
 * advances past this one's `bytes`. */
static uint64_t nextBuffer(uint64_t *end, uint64_t bytes) {
  uint64_t start = alignUp(*end);
  *end = start + bytes;
  return start;
}

/* The workspace (and the weights, with Q8_MODEL_EXTERNAL_WEIGHTS) of a
 * dynamic model's packed call `args` (dims first): present when the model
 * needs them, and aligned. */
static q8_status checkWorkspaceAndWeights(const q8_model_desc *desc,
                                          void *const *args) {
  uint32_t count = desc->num_inputs + desc->num_outputs;
  const void *workspace = args[1 + count];
  if (desc->workspace_size && !workspace)
    return Q8_ERROR_INVALID_ARGUMENT;
  if ((uintptr_t)workspace % Q8_WORKSPACE_ALIGNMENT)
    return Q8_ERROR_MISALIGNED;
  if (desc->flags & Q8_MODEL_EXTERNAL_WEIGHTS) {
    const void *weights = args[2 + count];
    if (desc->weights_size && !weights)
      return Q8_ERROR_INVALID_ARGUMENT;
    if ((uintptr_t)weights % Q8_WEIGHTS_ALIGNMENT)
      return Q8_ERROR_MISALIGNED;
  }
  return Q8_OK;
}

/* Checks everything q8_run_batched reads before it runs anything. */
static q8_status checkBatchedCall(const q8_model_desc *desc,
                                  uint64_t itemWorkspaceSize,
                                  void *const *args) {
  /* A workspace beyond PTRDIFF_MAX cannot exist, and bounding it keeps the
   * layout's offsets below 2^63. */
  if (q8_model_check(desc) != Q8_OK || !(desc->flags & Q8_MODEL_DYNAMIC) ||
      desc->num_dims != 1 || desc->workspace_size > (uint64_t)PTRDIFF_MAX ||
      itemWorkspaceSize > desc->workspace_size)
    return Q8_ERROR_INVALID_ARGUMENT;
  const int64_t *dims = (const int64_t *)args[0];
  if (!dims)
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_status status = q8_model_check_dims(desc, dims, NULL);
  if (status != Q8_OK)
    return status;
  uint32_t count = desc->num_inputs + desc->num_outputs;
  uint64_t end = itemWorkspaceSize;
  for (uint32_t i = 0; i < count; ++i) {
    const q8_tensor_desc *t = i < desc->num_inputs
                                  ? &desc->inputs[i]
                                  : &desc->outputs[i - desc->num_inputs];
    batchSplit split;
    if (!splitOf(t, &split) || !args[1 + i])
      return Q8_ERROR_INVALID_ARGUMENT;
    /* The caller's tensor, outer * n * inner bytes, must be addressable. */
    size_t bytes = split.outer * split.inner;
    if (split.batched &&
        !mulWithin(&bytes, (uint64_t)dims[0], (uint64_t)PTRDIFF_MAX))
      return Q8_ERROR_SHAPE_MISMATCH;
    if (split.staged) {
      uint64_t start = alignUp(end), buffer = split.outer * split.inner;
      if (start > desc->workspace_size ||
          buffer > desc->workspace_size - start)
        return Q8_ERROR_INVALID_ARGUMENT;
      nextBuffer(&end, buffer);
    }
  }
  return checkWorkspaceAndWeights(desc, args);
}

/* Points item b's tensors into the caller's (or their staging buffers) and
 * stages its inputs in (toItem) or its outputs out (!toItem). */
static void mapItem(const q8_model_desc *desc, void *const *args,
                    uint64_t itemWorkspaceSize, size_t n, size_t b,
                    void **itemArgs, bool toItem) {
  uint32_t count = desc->num_inputs + desc->num_outputs;
  char *workspace = (char *)args[1 + count];
  uint64_t end = itemWorkspaceSize;
  for (uint32_t i = 0; i < count; ++i) {
    bool isInput = i < desc->num_inputs;
    const q8_tensor_desc *t =
        isInput ? &desc->inputs[i] : &desc->outputs[i - desc->num_inputs];
    batchSplit split;
    splitOf(t, &split); /* checked by checkBatchedCall */
    char *caller = (char *)args[1 + i];
    if (!split.batched) {
      itemArgs[i] = caller;
    } else if (!split.staged) {
      itemArgs[i] = caller + b * split.inner;
    } else {
      char *stage = workspace + nextBuffer(&end, split.outer * split.inner);
      itemArgs[i] = stage;
      if (isInput != toItem)
        continue;
      for (size_t o = 0; o < split.outer; ++o) {
        char *whole = caller + (o * n + b) * split.inner;
        char *part = stage + o * split.inner;
        if (toItem)
          memcpy(part, whole, split.inner);
        else
          memcpy(whole, part, split.inner);
      }
    }
  }
}

q8_status q8_run_batched(const q8_model_desc *desc, q8_run_packed_fn item,
                         uint64_t item_workspace_size, void *const *args) {
  if (!desc || !item || !args)
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_status status = checkBatchedCall(desc, item_workspace_size, args);
  if (status != Q8_OK)
    return status;
  /* The item's arguments: the model's without the dims, tensors remapped
   * per item (inputs, outputs, workspace, [weights], pool). */
  size_t numArgs = Q8_MODEL_NUM_ARGS(desc) - 1;
  void *stackArgs[Q8_BATCHED_STACK_ARGS];
  void **itemArgs = stackArgs;
  if (numArgs > Q8_BATCHED_STACK_ARGS &&
      !(itemArgs = (void **)malloc(numArgs * sizeof *itemArgs)))
    return Q8_ERROR_OUT_OF_MEMORY;
  memcpy(itemArgs, args + 1, numArgs * sizeof *itemArgs);
  size_t n = (size_t)((const int64_t *)args[0])[0];
  for (size_t b = 0; b < n && status == Q8_OK; ++b) {
    mapItem(desc, args, item_workspace_size, n, b, itemArgs, true);
    status = (q8_status)item(itemArgs);
    if (status == Q8_OK)
      mapItem(desc, args, item_workspace_size, n, b, itemArgs, false);
  }
  if (itemArgs != stackArgs)
    free(itemArgs);
  return status;
}

/* Checks everything q8_run_extents reads before it calls the model: what
 * checkBatchedCall checks that is not about the items' layout. */
static q8_status checkExtentsCall(const q8_model_desc *desc,
                                  void *const *args) {
  if (q8_model_check(desc) != Q8_OK || !(desc->flags & Q8_MODEL_DYNAMIC) ||
      desc->workspace_size > (uint64_t)PTRDIFF_MAX)
    return Q8_ERROR_INVALID_ARGUMENT;
  const int64_t *dims = (const int64_t *)args[0];
  if (!dims)
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_status status = q8_model_check_dims(desc, dims, NULL);
  if (status != Q8_OK)
    return status;
  uint32_t count = desc->num_inputs + desc->num_outputs;
  for (uint32_t i = 0; i < count; ++i) {
    const q8_tensor_desc *t = i < desc->num_inputs
                                  ? &desc->inputs[i]
                                  : &desc->outputs[i - desc->num_inputs];
    if (!args[1 + i])
      return Q8_ERROR_INVALID_ARGUMENT;
    /* The caller's tensor at these dims must be addressable. */
    int64_t elements = q8_tensor_num_elements_at(desc, t, dims);
    int64_t size = (int64_t)q8_dtype_size((q8_dtype)t->dtype);
    if (elements < 0 || elements > (int64_t)(PTRDIFF_MAX / size))
      return Q8_ERROR_SHAPE_MISMATCH;
  }
  return checkWorkspaceAndWeights(desc, args);
}

q8_status q8_run_extents(const q8_model_desc *desc, q8_run_packed_fn run,
                         void *const *args) {
  if (!desc || !run || !args)
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_status status = checkExtentsCall(desc, args);
  return status != Q8_OK ? status : (q8_status)run(args);
}

#ifdef Q8_X86
/* XCR0 bits: the OS saves SSE+AVX (1, 2) and the AVX-512 state (5, 6, 7). */
static uint64_t readXcr0(void) {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((uint64_t)edx << 32) | eax;
}
#endif

q8_status q8_cpu_features_detect(q8_cpu_features *features) {
  if (!features)
    return Q8_ERROR_INVALID_ARGUMENT;
  memset(features, 0, sizeof(*features));
#ifdef Q8_X86
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
    return Q8_OK;
  bool osxsave = ecx & (1u << 27);
  bool fma = ecx & (1u << 12);
  bool avx = ecx & (1u << 28);
  if (!osxsave || !avx)
    return Q8_OK;
  uint64_t xcr0 = readXcr0();
  bool ymmSaved = (xcr0 & 0x6) == 0x6;
  bool zmmSaved = ymmSaved && (xcr0 & 0xe0) == 0xe0;
  if (!ymmSaved)
    return Q8_OK;
  features->fma = fma;
  if (__get_cpuid_max(0, NULL) < 7)
    return Q8_OK;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  features->avx2 = ebx & (1u << 5);
  if (zmmSaved) {
    features->avx512f = ebx & (1u << 16);
    features->avx512bw = ebx & (1u << 30);
    features->avx512vl = ebx & (1u << 31);
    features->avx512vnni = ecx & (1u << 11);
  }
  unsigned maxSub = eax;
  if (maxSub >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    features->avxvnni = eax & (1u << 4);
  }
#endif
  return Q8_OK;
}

q8_status q8_weights_load(const char *path, uint64_t size, void *buffer,
                          void **weights) {
  if (!path || !weights)
    return Q8_ERROR_INVALID_ARGUMENT;
  *weights = NULL;
  if (buffer && ((uintptr_t)buffer % Q8_WEIGHTS_ALIGNMENT) != 0)
    return Q8_ERROR_MISALIGNED;
  FILE *file = fopen(path, "rb");
  if (!file)
    return Q8_ERROR_IO;
  /* The file must hold exactly `size` bytes: a shorter or longer one
   * belongs to another model (or another compile of this one). */
  if (fseek(file, 0, SEEK_END) != 0) {
    fclose(file);
    return Q8_ERROR_IO;
  }
  long length = ftell(file);
  if (length < 0 || fseek(file, 0, SEEK_SET) != 0) {
    fclose(file);
    return Q8_ERROR_IO;
  }
  if ((uint64_t)length != size) {
    fclose(file);
    return Q8_ERROR_SIZE_MISMATCH;
  }
  void *memory = buffer;
  if (!memory && size) {
    /* aligned_alloc wants a multiple of the alignment. */
    uint64_t rounded = (size + Q8_WEIGHTS_ALIGNMENT - 1) /
                       Q8_WEIGHTS_ALIGNMENT * Q8_WEIGHTS_ALIGNMENT;
    if (rounded > (uint64_t)SIZE_MAX ||
        !(memory = aligned_alloc(Q8_WEIGHTS_ALIGNMENT, (size_t)rounded))) {
      fclose(file);
      return Q8_ERROR_OUT_OF_MEMORY;
    }
  }
  if (size && fread(memory, 1, (size_t)size, file) != (size_t)size) {
    if (memory != buffer)
      free(memory);
    fclose(file);
    return Q8_ERROR_IO;
  }
  fclose(file);
  *weights = memory;
  return Q8_OK;
}

void q8_weights_free(void *weights) { free(weights); }
