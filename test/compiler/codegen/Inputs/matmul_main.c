/* Harness for e2e-matmul.mlir: y = relu(a @ w + bias), printed row by row. */
#include "matmul.h"
#include "q8_runtime.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  static float a[6][20], w[20][24], bias[24], y[6][24];
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 20; ++k)
      a[i][k] = (float)(i - k % 7) * 0.25f;
  for (int k = 0; k < 20; ++k)
    for (int j = 0; j < 24; ++j)
      w[k][j] = (float)((k * 3 + j) % 7 - 3) * 0.5f;
  for (int j = 0; j < 24; ++j)
    bias[j] = (float)j * 0.25f - 2.0f;

  const q8_model_desc *desc = matmul_descriptor();
  q8_tensor_desc inputs[MATMUL_NUM_INPUTS];
  for (int i = 0; i < MATMUL_NUM_INPUTS; ++i)
    inputs[i] = desc->inputs[i];
  void *workspace = aligned_alloc(Q8_WORKSPACE_ALIGNMENT,
                                  MATMUL_WORKSPACE_SIZE + Q8_WORKSPACE_ALIGNMENT);
  printf("validate: %s\n",
         q8_status_string(q8_model_validate_inputs(
             desc, inputs, MATMUL_NUM_INPUTS, workspace, NULL)));

  matmul_run(&a[0][0], &w[0][0], bias, &y[0][0], workspace, NULL);
  for (int i = 0; i < MATMUL_Y_DIM0; ++i) {
    printf("row %d:", i);
    for (int j = 0; j < MATMUL_Y_DIM1; ++j)
      printf(" %g", y[i][j]);
    printf("\n");
  }
  free(workspace);
  return 0;
}
