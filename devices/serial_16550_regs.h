// Register map of the 16550A UART (National Semiconductor PC16550D datasheet, "Register
// Summary" table). Shared by the device and its tests so both speak in names, as Linux's
// include/uapi/linux/serial_reg.h does.
#pragma once

#include <cstdint>

namespace svmm::uart {

// Offsets from the base port. With LCR.DLAB set, offsets 0 and 1 are the divisor latch.
inline constexpr uint8_t kRbrThr = 0;  // receiver buffer (read) / transmitter holding (write)
inline constexpr uint8_t kIer = 1;     // interrupt enable
inline constexpr uint8_t kIirFcr = 2;  // interrupt identification (read) / FIFO control (write)
inline constexpr uint8_t kLcr = 3;     // line control
inline constexpr uint8_t kMcr = 4;     // modem control
inline constexpr uint8_t kLsr = 5;     // line status
inline constexpr uint8_t kMsr = 6;     // modem status
inline constexpr uint8_t kScr = 7;     // scratch
inline constexpr uint8_t kDll = 0;     // divisor latch low (DLAB = 1)
inline constexpr uint8_t kDlm = 1;     // divisor latch high (DLAB = 1)

// IER: the four interrupt sources of a 16550A; bits 4-7 are always zero.
inline constexpr uint8_t kIerRdi = 0x01;   // received data available
inline constexpr uint8_t kIerThri = 0x02;  // transmitter holding register empty
inline constexpr uint8_t kIerRlsi = 0x04;  // receiver line status
inline constexpr uint8_t kIerMsi = 0x08;   // modem status
inline constexpr uint8_t kIerMask = 0x0F;

// IIR: bits 3-0 identify the highest-priority pending interrupt; bits 7-6 are set when the
// FIFOs are enabled (that is how Linux tells a 16550A from an 8250/16450).
inline constexpr uint8_t kIirNoInt = 0x01;
inline constexpr uint8_t kIirRlsi = 0x06;  // priority 1
inline constexpr uint8_t kIirRdi = 0x04;   // priority 2
inline constexpr uint8_t kIirCti = 0x0C;   // priority 2 (character timeout; not generated here)
inline constexpr uint8_t kIirThri = 0x02;  // priority 3
inline constexpr uint8_t kIirMsi = 0x00;   // priority 4
inline constexpr uint8_t kIirIdMask = 0x0F;
inline constexpr uint8_t kIirFifoEnabled = 0xC0;

// FCR (write only).
inline constexpr uint8_t kFcrEnable = 0x01;
inline constexpr uint8_t kFcrClearRx = 0x02;
inline constexpr uint8_t kFcrClearTx = 0x04;
inline constexpr uint8_t kFcrTriggerMask = 0xC0;

// LCR.
inline constexpr uint8_t kLcrWordLength8 = 0x03;
inline constexpr uint8_t kLcrDlab = 0x80;

// MCR: bits 5-7 are always zero on a 16550A.
inline constexpr uint8_t kMcrDtr = 0x01;
inline constexpr uint8_t kMcrRts = 0x02;
inline constexpr uint8_t kMcrOut1 = 0x04;
inline constexpr uint8_t kMcrOut2 = 0x08;
inline constexpr uint8_t kMcrLoop = 0x10;
inline constexpr uint8_t kMcrMask = 0x1F;

// LSR.
inline constexpr uint8_t kLsrDr = 0x01;    // data ready
inline constexpr uint8_t kLsrOe = 0x02;    // overrun error
inline constexpr uint8_t kLsrThre = 0x20;  // transmitter holding register empty
inline constexpr uint8_t kLsrTemt = 0x40;  // transmitter empty

// MSR: bits 3-0 are change ("delta") flags, cleared by reading MSR; bits 7-4 the line states.
inline constexpr uint8_t kMsrDcts = 0x01;
inline constexpr uint8_t kMsrDdsr = 0x02;
inline constexpr uint8_t kMsrTeri = 0x04;  // trailing edge of ring indicator
inline constexpr uint8_t kMsrDdcd = 0x08;
inline constexpr uint8_t kMsrDeltaMask = 0x0F;
inline constexpr uint8_t kMsrCts = 0x10;
inline constexpr uint8_t kMsrDsr = 0x20;
inline constexpr uint8_t kMsrRi = 0x40;
inline constexpr uint8_t kMsrDcd = 0x80;

}  // namespace svmm::uart
