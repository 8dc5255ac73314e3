/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers the TX and RX engines share (tx.c, rx.c). The entry points the
 * rest of the module calls are declared in qp.h.
 */
#ifndef _SIW_RX_H
#define _SIW_RX_H

#include <linux/types.h>

#include "qp.h"

/*
 * The enum siw_err_cause of the Terminate to send when siw_mem_check()
 * failed with @err for a tagged access of @len bytes at offset @to: DDP
 * tagged buffer codes for placement (Write, Read Response), RDMAP codes
 * for the source of a Read Request (@rdmap).
 */
int siw_mem_err_cause(int err, bool rdmap, u64 to, u64 len);

/*
 * DDP segment length to report in a Terminate for @hdr: the payload
 * length of the segment RX is parsing if @hdr is RX's copy of its
 * header, else 0.
 */
u16 siw_rx_term_seg_len(const struct siw_qp *qp, const void *hdr);

#endif /* _SIW_RX_H */
