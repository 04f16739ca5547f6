/* The ACPI fixed hardware svmm emulates for the guest OS (spec/guest-abi.md sections 1 and 3):
 * the PM1a event and control blocks the FADT points at, and the sleep types the DSDT's \_S5_
 * and \_S3_ name. Register layouts: ACPI 6.5 section 4.8.3. */
#ifndef SVMM_PROTOCOL_ACPI_H
#define SVMM_PROTOCOL_ACPI_H

#include "protocol/ports.h"

/* PM1a event block: PM1_STS (16 bits) then PM1_EN (16 bits). */
#define SVMM_PORT_PM1A_EVT SVMM_PORT_PM1A
#define SVMM_PM1_EVT_LEN 4u
#define SVMM_PORT_PM1A_STS SVMM_PORT_PM1A_EVT
#define SVMM_PORT_PM1A_EN (SVMM_PORT_PM1A_EVT + 2u)
/* PM1a control block: PM1_CNT (16 bits). */
#define SVMM_PORT_PM1A_CNT (SVMM_PORT_PM1A + 4u)
#define SVMM_PM1_CNT_LEN 2u

/* PM1_STS bits (write 1 to clear). */
#define SVMM_PM1_STS_TMR 0x0001u
#define SVMM_PM1_STS_BM 0x0010u
#define SVMM_PM1_STS_GBL 0x0020u
#define SVMM_PM1_STS_PWRBTN 0x0100u
#define SVMM_PM1_STS_SLPBTN 0x0200u
#define SVMM_PM1_STS_RTC 0x0400u
#define SVMM_PM1_STS_WAK 0x8000u
/* PM1_CNT bits. */
#define SVMM_PM1_CNT_SCI_EN 0x0001u
#define SVMM_PM1_CNT_SLP_TYP_SHIFT 10u
#define SVMM_PM1_CNT_SLP_TYP_MASK 0x1C00u
#define SVMM_PM1_CNT_SLP_EN 0x2000u

/* SLP_TYP values of the DSDT's sleep packages. */
#define SVMM_ACPI_SLP_TYP_S5 5u /* power-off */
#define SVMM_ACPI_SLP_TYP_S3 3u /* sleep (suspend to RAM) */

/* SCI: ISA IRQ 9, level-triggered, active high (MADT override). */
#define SVMM_ACPI_SCI_IRQ 9u

/* Where the tables are (the RSDP on a 16-byte boundary): guests scan 0xE0000-0xFFFFF. */
#define SVMM_ACPI_RSDP_SCAN_START 0xE0000ull
#define SVMM_ACPI_RSDP_SCAN_END 0x100000ull

#endif
