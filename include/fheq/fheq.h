// Umbrella header: the whole public API of fheq.
#pragma once

#include "fheq/error.h"
#include "fheq/tensor.h"
#include "fheq/model.h"
#include "fheq/quantizer.h"
#include "fheq/calibration.h"
#include "fheq/data.h"
#include "fheq/quantized_model.h"
#include "fheq/evaluation.h"
#include "fheq/tfhe.h"
#include "fheq/runtime.h"
#include "fheq/client.h"
#include "fheq/server.h"
#include "fheq/serve.h"
#include "fheq/mpi.h"
#include "fheq/compiler.h"
