// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * insnmark: execute the marker instruction once: a no-op, "nopl
 * 0x4d574953(%rax,%rax,1)" (0f 1f 84 00 53 49 57 4d, "SIWM"), that no
 * compiler emits ("xchg %rbx,%rbx", tried first, ran hundreds of times
 * in a guest). Under QEMU with the insncount plugin loaded, this makes the
 * plugin write a snapshot of its counters; elsewhere it does nothing.
 */
int main(void)
{
	asm volatile(".byte 0x0f, 0x1f, 0x84, 0x00, 0x53, 0x49, 0x57, 0x4d"
		     ::: "memory");
	return 0;
}
