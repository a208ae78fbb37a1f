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

static q8_status checkTensors(const q8_tensor_desc *tensors, uint32_t count) {
  if (count && !tensors)
    return Q8_ERROR_INVALID_ARGUMENT;
  for (uint32_t i = 0; i < count; ++i) {
    if (!tensors[i].name || tensors[i].rank < 0 ||
        tensors[i].rank > Q8_MAX_RANK ||
        q8_dtype_size((q8_dtype)tensors[i].dtype) == 0)
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
  if ((desc->flags & ~Q8_MODEL_EXTERNAL_WEIGHTS) != 0 ||
      (desc->weights_size != 0 &&
       !(desc->flags & Q8_MODEL_EXTERNAL_WEIGHTS)))
    return Q8_ERROR_INVALID_ARGUMENT;
  q8_status status = checkTensors(desc->inputs, desc->num_inputs);
  if (status != Q8_OK)
    return status;
  return checkTensors(desc->outputs, desc->num_outputs);
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

int64_t q8_tensor_num_elements(const q8_tensor_desc *tensor) {
  if (!tensor)
    return 0;
  int64_t count = 1;
  for (int32_t i = 0; i < tensor->rank && i < Q8_MAX_RANK; ++i)
    count *= tensor->dims[i];
  return count;
}

q8_status q8_tensor_check(const q8_tensor_desc *expected, q8_dtype dtype,
                          int32_t rank, const int64_t *dims) {
  if (!expected || (rank > 0 && !dims))
    return Q8_ERROR_INVALID_ARGUMENT;
  if (expected->dtype != (int32_t)dtype)
    return Q8_ERROR_DTYPE_MISMATCH;
  if (expected->rank != rank)
    return Q8_ERROR_SHAPE_MISMATCH;
  for (int32_t i = 0; i < rank; ++i)
    if (expected->dims[i] != dims[i])
      return Q8_ERROR_SHAPE_MISMATCH;
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
  if (num_inputs != desc->num_inputs)
    return Q8_ERROR_COUNT_MISMATCH;
  if (num_inputs && !inputs)
    return Q8_ERROR_INVALID_ARGUMENT;
  for (uint32_t i = 0; i < num_inputs; ++i) {
    status = q8_tensor_check(&desc->inputs[i], (q8_dtype)inputs[i].dtype,
                             inputs[i].rank, inputs[i].dims);
    if (status != Q8_OK) {
      if (bad_index)
        *bad_index = (int32_t)i;
      return status;
    }
  }
  if (desc->workspace_size && !workspace)
    return Q8_ERROR_INVALID_ARGUMENT;
  if ((uintptr_t)workspace % Q8_WORKSPACE_ALIGNMENT)
    return Q8_ERROR_MISALIGNED;
  return Q8_OK;
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
