// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Runs every unit test group of the siw wire-protocol library. */
#define TAP_MAIN
#include "unit.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_crc();
	test_fpdu();
	test_mpa();
	test_rdmap();
	test_term();
	test_abi();
	return tap_done("unit");
}
