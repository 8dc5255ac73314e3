// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * insncount: a QEMU TCG plugin counting guest kernel instructions per
 * translation block.
 *
 * Every translated block whose start address is a kernel address gets an
 * inline 64-bit counter, keyed by (start vaddr, number of instructions).
 * When the guest executes the marker instruction (a no-op no compiler
 * emits, see insnmark.c), the plugin writes the cumulative counters to
 * <out>.<N>, N = 0, 1, 2, ...; at QEMU exit it writes <out>.exit. Each
 * line is "vaddr_hex ninsns count" for a block executed at least once.
 * insnprof.py diffs two snapshots and names the functions.
 *
 *   qemu-system-x86_64 ... -plugin file=insncount.so,out=/tmp/ic
 *
 * Written against the plugin API of QEMU 7.2 (API version 1). No QEMU
 * header is needed: the few declarations used are below.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- QEMU plugin API, as of QEMU 7.2 (QEMU_PLUGIN_VERSION 1) --- */

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;

typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS = 0,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64 = 0,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv);

/* --- the plugin --- */

#define KERNEL_START	0xffff800000000000ULL
#define CHUNK_ENTRIES	4096
#define TABLE_MIN	(1U << 16)

/* nopl 0x4d574953(%rax,%rax,1): a no-op with "SIWM" as displacement */
static const unsigned char marker[] = {
	0x0f, 0x1f, 0x84, 0x00, 0x53, 0x49, 0x57, 0x4d
};

/*
 * The generated code adds to &count directly, so an entry never moves
 * once created: entries live in chunks that are never reallocated, and
 * the hash table only holds pointers to them.
 */
struct tb_entry {
	uint64_t count;
	uint64_t vaddr;
	uint32_t ninsns;
};

struct tb_chunk {
	struct tb_chunk *next;
	unsigned int used;
	struct tb_entry e[CHUNK_ENTRIES];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tb_entry **table;		/* open addressing, linear probing */
static size_t table_size;		/* power of two */
static size_t n_entries;
static struct tb_chunk *chunks;		/* newest first */
static unsigned int snap_seq;
static char *out_prefix;
static bool alloc_failed;

static size_t key_hash(uint64_t vaddr, uint32_t ninsns)
{
	uint64_t h = vaddr ^ ((uint64_t)ninsns << 48);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (size_t)h;
}

static void table_put(struct tb_entry **t, size_t size, struct tb_entry *e)
{
	size_t i = key_hash(e->vaddr, e->ninsns) & (size - 1);

	while (t[i])
		i = (i + 1) & (size - 1);
	t[i] = e;
}

static int table_grow(void)
{
	size_t new_size = table_size ? table_size * 2 : TABLE_MIN;
	struct tb_entry **t;
	size_t i;

	t = calloc(new_size, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < table_size; i++)
		if (table[i])
			table_put(t, new_size, table[i]);
	free(table);
	table = t;
	table_size = new_size;
	return 0;
}

static struct tb_entry *entry_alloc(void)
{
	struct tb_chunk *c = chunks;

	if (!c || c->used == CHUNK_ENTRIES) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->next = chunks;
		chunks = c;
	}
	return &c->e[c->used++];
}

/* Called with lock held. */
static struct tb_entry *entry_get(uint64_t vaddr, uint32_t ninsns)
{
	struct tb_entry *e;
	size_t i;

	if ((n_entries + 1) * 2 > table_size && table_grow())
		return NULL;

	i = key_hash(vaddr, ninsns) & (table_size - 1);
	while ((e = table[i])) {
		if (e->vaddr == vaddr && e->ninsns == ninsns)
			return e;
		i = (i + 1) & (table_size - 1);
	}

	e = entry_alloc();
	if (!e)
		return NULL;
	e->vaddr = vaddr;
	e->ninsns = ninsns;
	table[i] = e;
	n_entries++;
	return e;
}

/* Write all kernel entries with a non-zero count to <prefix>.<suffix>. */
static void snapshot_write(const char *suffix)
{
	char path[4096], tmp[4096 + 8], msg[4200];
	unsigned long lines = 0;
	struct tb_chunk *c;
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", out_prefix, suffix);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "insncount: %s: %s\n", tmp, strerror(errno));
		return;
	}
	for (c = chunks; c; c = c->next) {
		for (i = 0; i < c->used; i++) {
			const struct tb_entry *e = &c->e[i];
			uint64_t count = __atomic_load_n(&e->count,
							 __ATOMIC_RELAXED);

			if (e->vaddr < KERNEL_START || !count)
				continue;
			fprintf(f, "%" PRIx64 " %" PRIu32 " %" PRIu64 "\n",
				e->vaddr, e->ninsns, count);
			lines++;
		}
	}
	if (fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "insncount: %s: %s\n", path, strerror(errno));
		remove(tmp);
		return;
	}
	snprintf(msg, sizeof(msg), "insncount: %s: %lu blocks%s\n", path,
		 lines, alloc_failed ? " (out of memory, incomplete)" : "");
	qemu_plugin_outs(msg);
}

static void marker_exec(unsigned int vcpu_index, void *udata)
{
	char suffix[16];

	(void)vcpu_index;
	(void)udata;
	pthread_mutex_lock(&lock);
	snprintf(suffix, sizeof(suffix), "%u", snap_seq++);
	snapshot_write(suffix);
	pthread_mutex_unlock(&lock);
}

static void plugin_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	pthread_mutex_lock(&lock);
	snapshot_write("exit");
	pthread_mutex_unlock(&lock);
}

static bool is_marker(const struct qemu_plugin_insn *insn)
{
	return qemu_plugin_insn_size(insn) == sizeof(marker) &&
	       !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker));
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct tb_entry *e = NULL;
	size_t i;

	(void)id;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (is_marker(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_exec,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}

	/* Only kernel blocks are counted: user space is not reported. */
	if (vaddr < KERNEL_START || !n)
		return;

	pthread_mutex_lock(&lock);
	e = entry_get(vaddr, (uint32_t)n);
	if (!e)
		alloc_failed = true;
	pthread_mutex_unlock(&lock);

	if (e)
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
							 QEMU_PLUGIN_INLINE_ADD_U64,
							 &e->count, 1);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *out = "insncount";
	int i;

	if (!info->system_emulation) {
		fprintf(stderr, "insncount: needs system emulation\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4) && argv[i][4]) {
			out = argv[i] + 4;
		} else {
			fprintf(stderr, "insncount: unknown argument '%s'\n",
				argv[i]);
			return -1;
		}
	}
	out_prefix = strdup(out);
	if (!out_prefix || table_grow())
		return -1;

	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
	return 0;
}
