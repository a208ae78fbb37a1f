/* Calls the digits CNN through its header's prototype on a fixed image and
 * prints the logits; with -DWEIGHTS=FILE it loads the external weights
 * with q8_weights_load and passes them as the last argument. */
#include "model.h"
#include "q8_runtime.h"

#include <stdalign.h>
#include <stdio.h>

#define STR2(x) #x
#define STR(x) STR2(x)

int main(void) {
  float image[MODEL_IMAGE_ELEMENTS], logits[MODEL_LOGITS_ELEMENTS];
  for (int i = 0; i < MODEL_IMAGE_ELEMENTS; ++i)
    image[i] = (float)((i * 7) % 17) / 16.0f;
  static alignas(Q8_WORKSPACE_ALIGNMENT) unsigned char
      workspace[MODEL_WORKSPACE_SIZE + 1];
#ifdef WEIGHTS
  void *weights;
  q8_status status = q8_weights_load(STR(WEIGHTS), MODEL_WEIGHTS_SIZE, NULL,
                                     &weights);
  if (status != Q8_OK) {
    fprintf(stderr, "q8_weights_load: %s\n", q8_status_string(status));
    return 1;
  }
  model_run(image, logits, workspace, weights, NULL);
  q8_weights_free(weights);
#else
  model_run(image, logits, workspace, NULL);
#endif
  for (int i = 0; i < MODEL_LOGITS_ELEMENTS; ++i)
    printf("%.9g\n", logits[i]);
  return 0;
}
