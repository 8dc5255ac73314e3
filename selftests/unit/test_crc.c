// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CRC32c: known answers, table check against a bitwise reference. */
#include "unit.h"

/* One bit at a time, reflected polynomial: obviously right, slow. */
u32 ref_crc32c(const void *p, size_t len)
{
	const u8 *b = p;
	u32 crc = ~0U;
	int i;

	while (len--) {
		crc ^= *b++;
		for (i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (crc & 1 ? 0x82f63b78U : 0);
	}
	return ~crc;
}

static void test_known_answers(void)
{
	/* RFC 3720 B.4 / RFC 7143 A.4 (iSCSI, the CRC MPA uses) */
	static const u8 iscsi_read[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	/* as transmitted: the CRC goes out least significant byte first */
	static const u8 zeros_wire[4] = { 0xaa, 0x36, 0x91, 0x8a };
	u8 buf[32], w[4];
	int i;

	is_num(siw_mpa_crc("123456789", 9), 0xe3069283,
	       "crc32c(\"123456789\") = 0xe3069283");
	is_num(siw_mpa_crc("", 0), 0, "crc32c of nothing is 0");

	memset(buf, 0, sizeof(buf));
	is_num(siw_mpa_crc(buf, 32), 0x8a9136aa, "crc32c(32 x 0x00)");
	siw_put_le32(w, siw_mpa_crc(buf, 32));
	is_mem(w, zeros_wire, 4, "CRC wire byte order: aa 36 91 8a");
	is_num(siw_get_le32(zeros_wire), 0x8a9136aa, "siw_get_le32");

	memset(buf, 0xff, sizeof(buf));
	is_num(siw_mpa_crc(buf, 32), 0x62a8ab43, "crc32c(32 x 0xff)");
	for (i = 0; i < 32; i++)
		buf[i] = (u8)i;
	is_num(siw_mpa_crc(buf, 32), 0x46dd794e, "crc32c(00..1f)");
	for (i = 0; i < 32; i++)
		buf[i] = (u8)(31 - i);
	is_num(siw_mpa_crc(buf, 32), 0x113fdb5c, "crc32c(1f..00)");
	is_num(siw_mpa_crc(iscsi_read, sizeof(iscsi_read)), 0xd9963a56,
	       "crc32c(iSCSI Read(10) PDU)");
}

static void test_against_reference(void)
{
	u8 buf[1024 + 8];
	unsigned int len, off, bad = 0;
	u32 x = 0x12345678;
	size_t i;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (u8)(x >> 16);
	}
	/* every length up to 1 KiB at every alignment mod 8 */
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 1024; len++)
			if (siw_mpa_crc(buf + off, len) !=
			    ref_crc32c(buf + off, len))
				bad++;
	is_num(bad, 0, "slicing-by-4 matches the bitwise reference");

	/* raw updates chain without intermediate inversion */
	bad = 0;
	for (len = 0; len <= 300; len += 7) {
		u32 c = siw_crc32c(~0U, buf, len);

		c = siw_crc32c(c, buf + len, 300 - len);
		if (~c != ref_crc32c(buf, 300))
			bad++;
	}
	is_num(bad, 0, "siw_crc32c() chains like Linux crc32c()");
}

void test_crc(void)
{
	diag("CRC32c");
	test_known_answers();
	test_against_reference();
}
