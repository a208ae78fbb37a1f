/* npy.h - a tiny reader and writer for NumPy .npy files (C11, header-only).
 *
 * Enough for model inputs and outputs: format versions 1 and 2, C order,
 * little-endian f4/i8/i4/i1/u1 as q8 dtypes (runtime/q8_abi.h). Errors go to
 * stderr with the file name; functions return 0 on success.
 */
#ifndef Q8_TOOLS_NPY_H
#define Q8_TOOLS_NPY_H

#include "q8_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct npy_array {
  int32_t dtype; /* a q8_dtype */
  int32_t rank;
  int64_t dims[Q8_MAX_RANK];
  int64_t count; /* elements */
  void *data;    /* malloc'd; the caller frees it */
} npy_array;

static const struct {
  const char *descr;
  int32_t dtype;
  size_t size;
} npy_types[] = {{"<f4", Q8_DTYPE_F32, 4}, {"<i8", Q8_DTYPE_I64, 8},
                 {"<i4", Q8_DTYPE_I32, 4}, {"|i1", Q8_DTYPE_I8, 1},
                 {"|u1", Q8_DTYPE_U8, 1},  {"<f2", Q8_DTYPE_F16, 2},
                 {"<f8", Q8_DTYPE_F64, 8}, {"<i2", Q8_DTYPE_I16, 2},
                 {"|b1", Q8_DTYPE_BOOL, 1},
                 /* numpy has no bfloat16: written as its raw bits. Both
                    loops below take the last match, so "<u2" reads back
                    as u16. */
                 {"<u2", Q8_DTYPE_BF16, 2}, {"<u2", Q8_DTYPE_U16, 2},
                 {"<u4", Q8_DTYPE_U32, 4}, {"<u8", Q8_DTYPE_U64, 8}};

static inline int npy_fail(const char *path, const char *what) {
  fprintf(stderr, "npy: %s: %s\n", path, what);
  return 1;
}

static inline int npy_read(const char *path, npy_array *out) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return npy_fail(path, "cannot open");
  unsigned char magic[10];
  if (fread(magic, 1, 10, f) != 10 || memcmp(magic, "\x93NUMPY", 6) != 0) {
    fclose(f);
    return npy_fail(path, "not a .npy file");
  }
  size_t len = magic[8] | (size_t)magic[9] << 8;
  if (magic[6] >= 2) { /* v2+: a 4-byte length, two bytes of which we read */
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2) {
      fclose(f);
      return npy_fail(path, "truncated header");
    }
    len |= (size_t)more[0] << 16 | (size_t)more[1] << 24;
  }
  char *header = (char *)calloc(len + 1, 1);
  if (!header || fread(header, 1, len, f) != len) {
    free(header);
    fclose(f);
    return npy_fail(path, "truncated header");
  }
  const char *descr = strstr(header, "'descr': '");
  const char *shape = strstr(header, "'shape': (");
  int ok = descr && shape && !strstr(header, "'fortran_order': True");
  size_t elemSize = 0;
  if (ok) {
    descr += 10;
    ok = 0;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; ++i)
      if (strncmp(descr, npy_types[i].descr, 3) == 0 && descr[3] == '\'') {
        out->dtype = npy_types[i].dtype;
        elemSize = npy_types[i].size;
        ok = 1;
      }
  }
  out->rank = 0;
  out->count = 1;
  for (const char *p = shape ? shape + 10 : ""; ok && *p && *p != ')';) {
    char *end;
    long long d = strtoll(p, &end, 10);
    if (end == p) { /* ", " between dims, or the trailing comma of (n,) */
      ++p;
      continue;
    }
    if (out->rank == Q8_MAX_RANK || d < 0) {
      ok = 0;
      break;
    }
    out->dims[out->rank++] = d;
    out->count *= d;
    p = end;
  }
  free(header);
  if (!ok) {
    fclose(f);
    return npy_fail(path, "unsupported header (dtype, order or rank)");
  }
  size_t bytes = (size_t)out->count * elemSize;
  out->data = malloc(bytes ? bytes : 1);
  int short_read = fread(out->data, 1, bytes, f) != bytes;
  fclose(f);
  if (short_read) {
    free(out->data);
    return npy_fail(path, "fewer bytes than its shape needs");
  }
  return 0;
}

/* Writes `data`, shaped and typed as `desc`, to `path`. */
static inline int npy_write(const char *path, const q8_tensor_desc *desc,
                            const void *data) {
  const char *descr = NULL;
  size_t elemSize = 0;
  for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; ++i)
    if (npy_types[i].dtype == desc->dtype) {
      descr = npy_types[i].descr;
      elemSize = npy_types[i].size;
    }
  if (!descr)
    return npy_fail(path, "dtype has no .npy spelling");
  char shape[256] = "";
  size_t count = 1;
  for (int i = 0; i < desc->rank; ++i) {
    size_t used = strlen(shape);
    snprintf(shape + used, sizeof shape - used, "%lld,%s",
             (long long)desc->dims[i], i + 1 < desc->rank ? " " : "");
    count *= (size_t)desc->dims[i];
  }
  char header[512];
  int n = snprintf(header, sizeof header,
                   "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                   descr, shape);
  /* Pad with spaces so that the data starts at a multiple of 64 bytes. */
  while ((10 + n + 1) % 64 != 0)
    header[n++] = ' ';
  header[n++] = '\n';
  unsigned char magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(n & 0xff),
                             (unsigned char)(n >> 8)};
  FILE *f = fopen(path, "wb");
  if (!f)
    return npy_fail(path, "cannot create");
  int bad = fwrite(magic, 1, 10, f) != 10 ||
            fwrite(header, 1, (size_t)n, f) != (size_t)n ||
            fwrite(data, elemSize, count, f) != count;
  bad |= fclose(f) != 0;
  return bad ? npy_fail(path, "write failed") : 0;
}

#endif /* Q8_TOOLS_NPY_H */
