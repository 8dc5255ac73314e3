// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Names of the family's enum values, spelled as in the YNL spec; those
 * are also the words siwctl accepts (case does not matter).
 */
#include <ctype.h>
#include <strings.h>

#include "siwctl.h"

static const char *const qp_states[] = {
	[SIW_NL_QP_STATE_IDLE] = "idle",
	[SIW_NL_QP_STATE_RTR] = "rtr",
	[SIW_NL_QP_STATE_RTS] = "rts",
	[SIW_NL_QP_STATE_CLOSING] = "closing",
	[SIW_NL_QP_STATE_TERMINATE] = "terminate",
	[SIW_NL_QP_STATE_ERROR] = "error",
};

static const char *const port_states[] = {
	[SIW_PORT_STATE_DOWN] = "down",
	[SIW_PORT_STATE_INIT] = "init",
	[SIW_PORT_STATE_ARMED] = "armed",
	[SIW_PORT_STATE_ACTIVE] = "active",
	[SIW_PORT_STATE_ACTIVE_DEFER] = "active-defer",
};

static const char *const opcodes[] = {
	[SIW_NL_OPCODE_WRITE] = "write",
	[SIW_NL_OPCODE_READ_REQUEST] = "read-request",
	[SIW_NL_OPCODE_READ_RESPONSE] = "read-response",
	[SIW_NL_OPCODE_SEND] = "send",
	[SIW_NL_OPCODE_SEND_INVAL] = "send-inval",
	[SIW_NL_OPCODE_SEND_SE] = "send-se",
	[SIW_NL_OPCODE_SEND_SE_INVAL] = "send-se-inval",
	[SIW_NL_OPCODE_TERMINATE] = "terminate",
	[SIW_NL_OPCODE_IMM_DATA] = "imm-data",
	[SIW_NL_OPCODE_IMM_DATA_SE] = "imm-data-se",
	[SIW_NL_OPCODE_ATOMIC_REQUEST] = "atomic-request",
	[SIW_NL_OPCODE_ATOMIC_RESPONSE] = "atomic-response",
};

static const char *const fault_types[] = {
	[SIW_FAULT_TYPE_DROP] = "drop",
	[SIW_FAULT_TYPE_CORRUPT] = "corrupt",
	[SIW_FAULT_TYPE_TRUNCATE] = "truncate",
	[SIW_FAULT_TYPE_DELAY] = "delay",
	[SIW_FAULT_TYPE_RESET] = "reset",
	[SIW_FAULT_TYPE_ALLOC_FAIL] = "alloc-fail",
	[SIW_FAULT_TYPE_CORRUPT_PLACED] = "corrupt-placed",
};

static const char *const term_dirs[] = {
	[SIW_TERM_DIR_SENT] = "sent",
	[SIW_TERM_DIR_RECEIVED] = "received",
};

static const char *const dev_events[] = {
	[SIW_DEV_EVENT_ADDED] = "added",
	[SIW_DEV_EVENT_REMOVED] = "removed",
	[SIW_DEV_EVENT_PORT_ACTIVE] = "port-active",
	[SIW_DEV_EVENT_PORT_DOWN] = "port-down",
};

/* The layer of a Terminate's error (RFC 5040 section 7.2). */
static const char *const term_layers[] = { "rdmap", "ddp", "llp" };

/* NULL for a value the table does not know (a newer kernel). */
static const char *lookup(const char *const *names, unsigned int n,
			  uint32_t v)
{
	return v < n ? names[v] : NULL;
}

static int parse(const char *const *names, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcasecmp(names[i], s))
			return i;
	return -1;
}

const char *qp_state_name(uint32_t v)
{
	return lookup(qp_states, ARRAY_SIZE(qp_states), v);
}

const char *port_state_name(uint32_t v)
{
	return lookup(port_states, ARRAY_SIZE(port_states), v);
}

const char *opcode_name(uint32_t v)
{
	return lookup(opcodes, ARRAY_SIZE(opcodes), v);
}

const char *fault_type_name(uint32_t v)
{
	return lookup(fault_types, ARRAY_SIZE(fault_types), v);
}

const char *term_dir_name(uint32_t v)
{
	return lookup(term_dirs, ARRAY_SIZE(term_dirs), v);
}

const char *dev_event_name(uint32_t v)
{
	return lookup(dev_events, ARRAY_SIZE(dev_events), v);
}

const char *term_layer_name(uint32_t v)
{
	return lookup(term_layers, ARRAY_SIZE(term_layers), v);
}

int qp_state_parse(const char *s)
{
	return parse(qp_states, ARRAY_SIZE(qp_states), s);
}

int fault_type_parse(const char *s)
{
	return parse(fault_types, ARRAY_SIZE(fault_types), s);
}

/* "read-request" -> "READ_REQUEST", for table headers and cells. */
void upcase(char *dst, const char *src, size_t size)
{
	size_t i;

	if (!size)
		return;
	if (!src)
		src = "?";
	for (i = 0; src[i] && i < size - 1; i++)
		dst[i] = src[i] == '-' ? '_' : toupper((unsigned char)src[i]);
	dst[i] = '\0';
}
