// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one place the siw tracepoints are instantiated (trace.h). */
#define CREATE_TRACE_POINTS
#include "trace.h"
