/*
 * Little-endian loads and stores on byte buffers: the formats the loaders
 * parse (the Linux setup header, ELF, MBR/GPT) are little-endian and their
 * fields are unaligned, so every access goes byte by byte.
 */
#ifndef KHYVE_BOOT_LE_H
#define KHYVE_BOOT_LE_H

#include <stdint.h>

static inline uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] | p[1] << 8));
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static inline uint64_t
rd64(const uint8_t *p)
{
	return ((uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32);
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

#endif
