/* A shared object that is not a q8 model, and one whose descriptor comes
 * from another ABI version (-DOLD_ABI), for q8-run's error tests. */
#include "q8_abi.h"

int answer(void) { return 42; }

#ifdef OLD_ABI
static void run(void) {}
static const q8_tensor_desc outputs[] = {{"y", Q8_DTYPE_F32, 1, {1}}};
/* Version 1 had no weights_size; a future version may move anything. */
const q8_model_desc old_q8_desc = {Q8_ABI_VERSION + 7, 0, 1, 0, "old", NULL,
                                   outputs, 0, 0, (q8_run_fn)run};
#endif
