// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Tables for people: a header line and rows, columns as wide as their
 * widest cell, two spaces apart; numbers right-aligned.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "siwctl.h"

#define TABLE_COLS	64

struct table {
	int ncols;
	char *hdr[TABLE_COLS];
	bool right[TABLE_COLS];
	int nrows, cap;
	char *(*rows)[TABLE_COLS];
	int cur;			/* next cell of the last row */
};

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "siwctl: out of memory\n");
		exit(EXIT_FAIL);
	}
	return p;
}

struct table *table_new(void)
{
	struct table *t = xrealloc(NULL, sizeof(*t));

	memset(t, 0, sizeof(*t));
	return t;
}

void table_col(struct table *t, const char *hdr, bool right)
{
	if (t->ncols == TABLE_COLS)
		return;
	t->hdr[t->ncols] = strdup(hdr);
	t->right[t->ncols] = right;
	t->ncols++;
}

void table_row(struct table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	memset(t->rows[t->nrows], 0, sizeof(t->rows[0]));
	t->nrows++;
	t->cur = 0;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!t->nrows || t->cur >= t->ncols)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->rows[t->nrows - 1][t->cur++] = s;
}

static void table_line(struct table *t, char **cells, const int *width)
{
	int c, last = t->ncols - 1;

	for (c = 0; c < t->ncols; c++) {
		const char *s = cells[c] ? cells[c] : "-";
		int pad = width[c] - (int)strlen(s);

		if (t->right[c])
			printf("%*s%s", pad, "", s);
		else if (c < last)
			printf("%s%*s", s, pad, "");
		else
			fputs(s, stdout);
		if (c < last)
			fputs("  ", stdout);
	}
	putchar('\n');
}

/* Nothing for no rows: an empty listing prints nothing. */
void table_print(struct table *t)
{
	int width[TABLE_COLS];
	int r, c;

	if (!t->nrows)
		return;
	for (c = 0; c < t->ncols; c++) {
		width[c] = strlen(t->hdr[c]);
		for (r = 0; r < t->nrows; r++) {
			const char *s = t->rows[r][c];
			int w = s ? (int)strlen(s) : 1;

			if (w > width[c])
				width[c] = w;
		}
	}
	table_line(t, t->hdr, width);
	for (r = 0; r < t->nrows; r++)
		table_line(t, t->rows[r], width);
	fflush(stdout);
}

void table_free(struct table *t)
{
	int r, c;

	if (!t)
		return;
	for (c = 0; c < t->ncols; c++)
		free(t->hdr[c]);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
	free(t->rows);
	free(t);
}

void table_stats_cols(struct table *t, const bool *ops_used)
{
	static const char *const per_op[] = {
		"TX_FPDUS", "TX_BYTES", "RX_FPDUS", "RX_BYTES"
	};
	char op[32], hdr[64];
	unsigned int i, j;

	table_col(t, "TX_FPDUS", true);
	table_col(t, "RX_FPDUS", true);
	table_col(t, "CRC_ERR", true);
	table_col(t, "TERM_TX", true);
	table_col(t, "TERM_RX", true);
	table_col(t, "BACKPRESSURE", true);
	for (i = 0; i < N_OPCODES; i++) {
		if (!ops_used[i])
			continue;
		upcase(op, opcode_name(i), sizeof(op));
		for (j = 0; j < ARRAY_SIZE(per_op); j++) {
			snprintf(hdr, sizeof(hdr), "%s_%s", op, per_op[j]);
			table_col(t, hdr, true);
		}
	}
}

void table_stats_cells(struct table *t, const struct stats *s,
		       const bool *ops_used)
{
	int i;

	if (!s->present) {
		for (i = 0; i < 6; i++)
			table_cell(t, "-");
		for (i = 0; i < N_OPCODES; i++)
			if (ops_used[i]) {
				table_cell(t, "-");
				table_cell(t, "-");
				table_cell(t, "-");
				table_cell(t, "-");
			}
		return;
	}
	table_cell(t, "%llu", (unsigned long long)s->tx_fpdus);
	table_cell(t, "%llu", (unsigned long long)s->rx_fpdus);
	table_cell(t, "%llu", (unsigned long long)s->crc_errors);
	table_cell(t, "%llu", (unsigned long long)s->terms_sent);
	table_cell(t, "%llu", (unsigned long long)s->terms_received);
	table_cell(t, "%llu", (unsigned long long)s->backpressure);
	for (i = 0; i < N_OPCODES; i++) {
		const struct op_stats *o = &s->op[i];

		if (!ops_used[i])
			continue;
		table_cell(t, "%llu", (unsigned long long)o->tx_fpdus);
		table_cell(t, "%llu", (unsigned long long)o->tx_bytes);
		table_cell(t, "%llu", (unsigned long long)o->rx_fpdus);
		table_cell(t, "%llu", (unsigned long long)o->rx_bytes);
	}
}
