// Umbrella header: the whole public API of fheq.
#pragma once

#include "fheq/error.h"
#include "fheq/tensor.h"
