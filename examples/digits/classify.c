/* classify.c - runs the compiled digits CNN on the held-out test split.
 *
 *   q8c digits_cnn.onnx -o build/demo/digits_cnn
 *   clang-22 -std=c11 -O2 -Ibuild/demo -Iruntime -Itools/common classify.c \
 *       build/demo/digits_cnn.o build/lib/libq8rt.a -o classify
 *   ./classify test_images.npy test_labels.npy
 *
 * Prints the accuracy (argmax of the logits against the labels) and the
 * median wall time of one call, over every image.
 */
#define _POSIX_C_SOURCE 200809L
#include "digits_cnn.h"
#include "npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s test_images.npy test_labels.npy\n", argv[0]);
    return 1;
  }
  npy_array images, labels;
  if (npy_read(argv[1], &images) != 0 || npy_read(argv[2], &labels) != 0)
    return 1;
  int64_t n = labels.count;
  if (images.dtype != Q8_DTYPE_F32 || labels.dtype != Q8_DTYPE_I64 ||
      images.count != n * DIGITS_CNN_IMAGE_ELEMENTS) {
    fprintf(stderr, "classify: expected f32 [N,1,8,8] images and i64 [N] "
                    "labels\n");
    return 1;
  }

  void *workspace = NULL;
  if (DIGITS_CNN_WORKSPACE_SIZE)
    workspace = aligned_alloc(Q8_WORKSPACE_ALIGNMENT, DIGITS_CNN_WORKSPACE_SIZE);
  double *times = malloc((size_t)n * sizeof *times);
  const float *pixels = images.data;
  const int64_t *truth = labels.data;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    float logits[DIGITS_CNN_LOGITS_ELEMENTS];
    double start = now_us();
    /* NULL pool: the calling thread (q8_pool_create gives threads). */
    digits_cnn_run(pixels + i * DIGITS_CNN_IMAGE_ELEMENTS, logits, workspace,
                   NULL);
    times[i] = now_us() - start;
    int best = 0;
    for (int c = 1; c < DIGITS_CNN_LOGITS_ELEMENTS; ++c)
      if (logits[c] > logits[best])
        best = c;
    correct += best == truth[i];
  }
  qsort(times, (size_t)n, sizeof *times, compare_doubles);
  printf("accuracy: %lld/%lld (%.2f%%)\n", (long long)correct, (long long)n,
         100.0 * (double)correct / (double)n);
  printf("median time per image: %.1f us\n", times[n / 2]);
  free(times);
  free(workspace);
  free(images.data);
  free(labels.data);
  return 0;
}
