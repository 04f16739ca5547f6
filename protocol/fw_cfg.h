/* QEMU's fw_cfg I/O interface as svmm offers it to the guest OS (spec/guest-abi.md section 3;
 * QEMU docs/specs/fw_cfg.rst): a 16-bit write to the selector port picks an item and rewinds
 * it, each 8-bit read of the data port returns its next byte. */
#ifndef SVMM_PROTOCOL_FW_CFG_H
#define SVMM_PROTOCOL_FW_CFG_H

#include "protocol/ports.h"

#define SVMM_PORT_FW_CFG_SELECTOR SVMM_PORT_FW_CFG
#define SVMM_PORT_FW_CFG_DATA (SVMM_PORT_FW_CFG + 1u)

#define SVMM_FW_CFG_SIGNATURE 0x0000u /* "QEMU" (4 bytes) */
#define SVMM_FW_CFG_ID 0x0001u        /* 32-bit feature bitmap: 0 */
#define SVMM_FW_CFG_RAM_SIZE 0x0003u  /* 64-bit: RAM in bytes */
#define SVMM_FW_CFG_NB_CPUS 0x0005u   /* 16-bit: number of vCPUs */

#endif
