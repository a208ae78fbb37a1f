/* q8_weights_load: into a caller's buffer and into allocated memory, and
 * each failure's status. Usage: weights_main FILE (FILE holds 100 bytes). */
#include "q8_runtime.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  void *weights = NULL;
  q8_status status = q8_weights_load(argv[1], 100, NULL, &weights);
  printf("alloc: %s, aligned %d, first %d\n", q8_status_string(status),
         (int)((uintptr_t)weights % Q8_WEIGHTS_ALIGNMENT == 0),
         weights ? ((unsigned char *)weights)[0] : -1);
  q8_weights_free(weights);

  static alignas(64) unsigned char buffer[128];
  status = q8_weights_load(argv[1], 100, buffer, &weights);
  printf("buffer: %s, same %d, last %d\n", q8_status_string(status),
         (int)(weights == buffer), buffer[99]);
  printf("misaligned: %s\n",
         q8_status_string(q8_weights_load(argv[1], 100, buffer + 1, &weights)));
  printf("size: %s\n",
         q8_status_string(q8_weights_load(argv[1], 101, NULL, &weights)));
  printf("null after failure: %d\n", (int)(weights == NULL));
  printf("missing: %s\n", q8_status_string(q8_weights_load(
                              "/nonexistent/x.weights", 100, NULL, &weights)));
  printf("null path: %s\n",
         q8_status_string(q8_weights_load(NULL, 100, NULL, &weights)));
  return 0;
}
