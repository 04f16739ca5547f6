/* The token (spec/token.md): a TPM 2.0 behind the PC Client TIS 1.3 FIFO interface at
 * 0xFED40000 (SVMM_MMIO_TOKEN), one 4 KiB window per locality 0-4. Register offsets inside a
 * locality window and their bits, as the TCG PC Client TIS 1.3 / PTP define them (the same
 * names as QEMU's hw/tpm/tpm_tis.h and Linux's drivers/char/tpm/tpm_tis_core.h), plus the
 * values svmm's interface reports. Shared by the host and the guest test kernel. */
#ifndef SVMM_PROTOCOL_TOKEN_H
#define SVMM_PROTOCOL_TOKEN_H

#define SVMM_TOKEN_LOCALITIES 5u
#define SVMM_TOKEN_LOCALITY_SHIFT 12u /* locality = offset >> 12 */
#define SVMM_TOKEN_LOCALITY_STRIDE 0x1000u

/* Registers (offsets inside a locality window). */
#define SVMM_TIS_ACCESS 0x00u          /* 8-bit */
#define SVMM_TIS_INT_ENABLE 0x08u      /* 32-bit */
#define SVMM_TIS_INT_VECTOR 0x0Cu      /* 8-bit */
#define SVMM_TIS_INT_STATUS 0x10u      /* 32-bit */
#define SVMM_TIS_INTF_CAPABILITY 0x14u /* 32-bit */
#define SVMM_TIS_STS 0x18u             /* 32-bit: flags, burstCount (bits 8-23), bits 24-27 */
#define SVMM_TIS_DATA_FIFO 0x24u       /* 1-4 bytes per access */
#define SVMM_TIS_INTERFACE_ID 0x30u    /* 32-bit */
#define SVMM_TIS_XDATA_FIFO 0x80u      /* 0x80-0xBF */
#define SVMM_TIS_XDATA_FIFO_END 0xBFu
#define SVMM_TIS_DID_VID 0xF00u /* 32-bit */
#define SVMM_TIS_RID 0xF04u     /* 8-bit */

/* ACCESS */
#define SVMM_TIS_ACCESS_ESTABLISHMENT 0x01u /* 1 until a dynamic OS (DRTM) was established */
#define SVMM_TIS_ACCESS_REQUEST_USE 0x02u
#define SVMM_TIS_ACCESS_PENDING_REQUEST 0x04u
#define SVMM_TIS_ACCESS_SEIZE 0x08u
#define SVMM_TIS_ACCESS_BEEN_SEIZED 0x10u
#define SVMM_TIS_ACCESS_ACTIVE_LOCALITY 0x20u
#define SVMM_TIS_ACCESS_REG_VALID_STS 0x80u

/* STS */
#define SVMM_TIS_STS_RESPONSE_RETRY 0x02u
#define SVMM_TIS_STS_SELFTEST_DONE 0x04u
#define SVMM_TIS_STS_EXPECT 0x08u
#define SVMM_TIS_STS_DATA_AVAIL 0x10u
#define SVMM_TIS_STS_GO 0x20u
#define SVMM_TIS_STS_COMMAND_READY 0x40u
#define SVMM_TIS_STS_VALID 0x80u
#define SVMM_TIS_STS_BURST_SHIFT 8u
#define SVMM_TIS_STS_BURST_MASK 0xFFFF00u
#define SVMM_TIS_STS_COMMAND_CANCEL (1u << 24)
#define SVMM_TIS_STS_RESET_ESTABLISHMENT (1u << 25)
#define SVMM_TIS_STS_FAMILY_MASK (3u << 26)
#define SVMM_TIS_STS_FAMILY_TPM2 (1u << 26)
/* Bits Linux's tpm_tis_status() requires to read 0 (TPM_STS_READ_ZERO). */
#define SVMM_TIS_STS_READ_ZERO 0x23u

/* INT_ENABLE */
#define SVMM_TIS_INT_GLOBAL_ENABLE (1u << 31)
#define SVMM_TIS_INT_POLARITY_MASK (3u << 3)
#define SVMM_TIS_INT_POLARITY_LOW_LEVEL (1u << 3)

/* INTF_CAPABILITY: no interrupt of any kind (bits 0-7 clear), dynamic burst count (bit 8
 * clear), 64-byte transfers (bits 9-10 = 11), interface version TIS 1.3 for TPM 2.0 (bits 28-30
 * = 011). */
#define SVMM_TIS_CAP_DATA_TRANSFER_64B (3u << 9)
#define SVMM_TIS_CAP_INTERFACE_VERSION_1_3_TPM2 (3u << 28)
#define SVMM_TIS_INTF_CAPABILITY_VALUE \
  (SVMM_TIS_CAP_DATA_TRANSFER_64B | SVMM_TIS_CAP_INTERFACE_VERSION_1_3_TPM2)

/* INTERFACE_ID: FIFO interface with the TIS 1.3 registers (type 0xF), 5 localities (bit 8),
 * TIS supported (bit 13); bit 19 IntfSelLock (write 1 to lock). */
#define SVMM_TIS_IFACE_ID_VALUE (0xFu | (1u << 8) | (1u << 13))
#define SVMM_TIS_IFACE_ID_INT_SEL_LOCK (1u << 19)

/* DID_VID: vendor 0x5356 ("SV"), device 0x0001 (not Intel's 0x8086: Linux has quirks for it). */
#define SVMM_TIS_VENDOR_ID 0x5356u
#define SVMM_TIS_DEVICE_ID 0x0001u
#define SVMM_TIS_DID_VID_VALUE ((SVMM_TIS_DEVICE_ID << 16) | SVMM_TIS_VENDOR_ID)
#define SVMM_TIS_RID_VALUE 0x01u

/* A FIFO read with no response data. */
#define SVMM_TIS_NO_DATA_BYTE 0xFFu
/* The command/response buffer (libtpms' TPM_BUFFER_MAX). */
#define SVMM_TIS_BUFFER_SIZE 4096u

/* Measured launch (spec/token.md section 3). */
#define SVMM_TOKEN_PCR_DRTM 17u                 /* the launch manifest (DRTM sequence) */
#define SVMM_TOKEN_PCR_IMAGES 18u               /* each launched trusted image */
#define SVMM_TOKEN_CAP_TEXT "svmm teardown cap" /* 17 bytes; its SHA-256 is the cap digest */

#endif
