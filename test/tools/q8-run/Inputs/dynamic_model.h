/* A hand-written dynamic model for the drivers' tests (dynamic_model.c). */
#ifndef DYNAMIC_MODEL_H
#define DYNAMIC_MODEL_H

#include "q8_abi.h"

const q8_model_desc *fake_descriptor(void);

#endif
