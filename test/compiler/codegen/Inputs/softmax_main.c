/* Harness for e2e-softmax.mlir: softmax rows of x, row sums of v. */
#include "softmax.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  static float x[3][40], v[5][37], probs[3][40], sums[5];
  /* Rows differ by a constant shift, which softmax cancels. */
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 40; ++j)
      x[i][j] = (float)(j % 5) * 0.5f - (float)i;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 37; ++j)
      v[i][j] = (float)(i * 37 + j) * 0.25f - 20.0f;
  void *workspace = aligned_alloc(Q8_WORKSPACE_ALIGNMENT,
                                  SOFTMAX_WORKSPACE_SIZE + Q8_WORKSPACE_ALIGNMENT);
  printf("workspace: %d\n", SOFTMAX_WORKSPACE_SIZE);
  softmax_run(&x[0][0], &v[0][0], &probs[0][0], sums, workspace, NULL);
  for (int i = 0; i < 3; ++i) {
    printf("probs %d:", i);
    for (int j = 0; j < 8; ++j)
      printf(" %.5f", probs[i][j]);
    printf("\n");
  }
  printf("row sums:");
  for (int i = 0; i < 3; ++i) {
    double total = 0;
    for (int j = 0; j < 40; ++j)
      total += probs[i][j];
    printf(" %.5f", total);
  }
  printf("\nsums:");
  for (int i = 0; i < 5; ++i)
    printf(" %g", sums[i]);
  printf("\n");
  free(workspace);
  return 0;
}
