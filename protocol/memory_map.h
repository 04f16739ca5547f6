/* Guest-physical memory map (spec/guest-abi.md section 2). */
#ifndef SVMM_PROTOCOL_MEMORY_MAP_H
#define SVMM_PROTOCOL_MEMORY_MAP_H

#define SVMM_MIB (1ull << 20)
#define SVMM_GIB (1ull << 30)

/* RAM below 4 GiB ends at 3 GiB at most; the rest of RAM starts at 4 GiB. */
#define SVMM_LOW_RAM_MAX (3ull * SVMM_GIB)
#define SVMM_MMIO_HOLE_START (3ull * SVMM_GIB)
#define SVMM_MMIO_HOLE_END (4ull * SVMM_GIB)
#define SVMM_HIGH_RAM_START (4ull * SVMM_GIB)

/* Legacy reserved area below 1 MiB: EBDA, MP table, ACPI, BIOS. */
#define SVMM_E820_LOW_RAM_END 0x9FC00ull
#define SVMM_E820_HIGH_AREA_START 0x100000ull
/* The chipset's SINIT and HEAP areas occupy the last MiB of low RAM (guest OS only). */
#define SVMM_CHIPSET_AREA_SIZE SVMM_MIB

/* e820 / PVH memmap entry types. */
#define SVMM_E820_RAM 1u
#define SVMM_E820_RESERVED 2u

/* MMIO ranges in the hole. */
#define SVMM_MMIO_IOAPIC 0xFEC00000ull
#define SVMM_MMIO_CHIPSET_PRIVATE 0xFED20000ull
#define SVMM_MMIO_CHIPSET_PUBLIC 0xFED30000ull
#define SVMM_MMIO_CHIPSET_WINDOW_SIZE 0x10000ull
#define SVMM_MMIO_TOKEN 0xFED40000ull
#define SVMM_MMIO_TOKEN_SIZE 0x5000ull
#define SVMM_MMIO_LAPIC 0xFEE00000ull

#endif
