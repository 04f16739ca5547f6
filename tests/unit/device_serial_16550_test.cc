// Drives the UART byte by byte the way Linux's 8250 driver (drivers/tty/serial/8250/
// 8250_port.c) and simple polled guests do.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "devices/serial_16550.h"
#include "devices/serial_16550_regs.h"
#include "tests/unit/device_fakes.h"
#include "vmm/console/buffer_sink.h"

namespace svmm {
namespace {

using namespace uart;

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class Serial16550Test : public ::testing::Test {
 protected:
  uint8_t in(uint8_t offset) {
    uint8_t v = 0xAB;
    serial_.read(offset, std::span<uint8_t>(&v, 1), who_);
    return v;
  }
  void out(uint8_t offset, uint8_t v) {
    serial_.write(offset, std::span<const uint8_t>(&v, 1), who_);
  }
  uint8_t iir_id() { return in(kIirFcr)&kIirIdMask; }

  Requester who_ = Requester::guest_os(0);
  BufferSink sink_;
  fakes::RecordingIrqLine irq_;
  Serial16550 serial_{sink_, irq_};
};

TEST_F(Serial16550Test, ResetStateIsAnIdle16550A) {
  EXPECT_EQ(in(kIer), 0x00);
  EXPECT_EQ(in(kIirFcr), kIirNoInt);  // FIFOs off until FCR enables them
  EXPECT_EQ(in(kLcr), kLcrWordLength8);
  EXPECT_EQ(in(kMcr), kMcrOut2);
  EXPECT_EQ(in(kLsr), kLsrThre | kLsrTemt);
  EXPECT_EQ(in(kMsr), kMsrCts | kMsrDsr | kMsrDcd);
  EXPECT_EQ(in(kScr), 0x00);
  EXPECT_EQ(serial_.divisor(), 12);
  EXPECT_EQ(irq_.levels(), std::vector<bool>{false});  // driven low once, at construction
}

TEST_F(Serial16550Test, ScratchRegisterHoldsAnyValue) {
  // Linux's autoconfig_8250() tells a 16450 from an 8250 by this round trip.
  for (uint8_t v : {0xA5, 0x5A, 0x00, 0xFF}) {
    out(kScr, v);
    EXPECT_EQ(in(kScr), v);
  }
}

TEST_F(Serial16550Test, IerKeepsOnlyTheFourSixteen550Sources) {
  // Linux's autoconfig() writes 0 then 0x0F and requires the low nibble to read back.
  out(kIer, 0x00);
  EXPECT_EQ(in(kIer)&0x0F, 0x00);
  out(kIer, 0x0F);
  EXPECT_EQ(in(kIer)&0x0F, 0x0F);
  // Bit 6 (UUE) must not stick, or Linux takes us for an XScale UART.
  out(kIer, 0x4F);
  EXPECT_EQ(in(kIer), 0x0F);
}

TEST_F(Serial16550Test, LinuxLoopbackProbeSeesDcdAndCts) {
  out(kMcr, kMcrLoop | kMcrOut2 | kMcrRts);
  EXPECT_EQ(in(kMsr)&0xF0, kMsrDcd | kMsrCts);
}

TEST_F(Serial16550Test, LoopbackWiresEachModemOutputToItsInput) {
  out(kMcr, kMcrLoop | kMcrDtr);
  EXPECT_EQ(in(kMsr)&0xF0, kMsrDsr);
  out(kMcr, kMcrLoop | kMcrOut1);
  EXPECT_EQ(in(kMsr)&0xF0, kMsrRi);
  out(kMcr, kMcrLoop);
  EXPECT_EQ(in(kMsr)&0xF0, 0);
  out(kMcr, kMcrOut2);  // loopback off: the virtual peer is back
  EXPECT_EQ(in(kMsr)&0xF0, kMsrCts | kMsrDsr | kMsrDcd);
}

TEST_F(Serial16550Test, McrKeepsOnlyItsFiveBits) {
  out(kMcr, 0xFF & ~kMcrLoop);
  EXPECT_EQ(in(kMcr), kMcrMask & ~kMcrLoop);
}

TEST_F(Serial16550Test, LoopbackEchoesTransmittedBytesToTheReceiver) {
  out(kMcr, kMcrLoop);
  out(kRbrThr, 'Q');
  EXPECT_TRUE(sink_.contents().empty());
  EXPECT_EQ(in(kLsr)&kLsrDr, kLsrDr);
  EXPECT_EQ(in(kRbrThr), 'Q');
  EXPECT_EQ(in(kLsr)&kLsrDr, 0);
}

TEST_F(Serial16550Test, LoopbackOverrunSetsOeAndRaisesLineStatusInterrupt) {
  out(kIer, kIerRlsi);
  out(kMcr, kMcrLoop);
  for (std::size_t i = 0; i < Serial16550::kInputFifoCapacity; ++i) {
    out(kRbrThr, static_cast<uint8_t>(i));
  }
  EXPECT_FALSE(irq_.level());
  out(kRbrThr, 0xEE);  // no room: lost
  EXPECT_TRUE(irq_.level());
  EXPECT_EQ(iir_id(), kIirRlsi);
  EXPECT_EQ(in(kLsr) & (kLsrOe | kLsrDr), kLsrOe | kLsrDr);
  EXPECT_EQ(in(kLsr)&kLsrOe, 0);  // cleared by the read
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(in(kRbrThr), 0);  // the FIFO kept its old bytes
}

TEST_F(Serial16550Test, HostInputIsRefusedInLoopback) {
  out(kMcr, kMcrLoop);
  const std::array<uint8_t, 1> b{'x'};
  EXPECT_EQ(serial_.enqueue_input(b), 0u);
  EXPECT_EQ(serial_.input_space(), 0u);
  out(kMcr, 0);
  EXPECT_EQ(serial_.enqueue_input(b), 1u);
}

TEST_F(Serial16550Test, EnablingFifosIsVisibleInIir) {
  // Linux's autoconfig() writes FCR=1 and reads IIR >> 6: 3 means 16550A.
  out(kIirFcr, kFcrEnable);
  EXPECT_EQ(in(kIirFcr) >> 6, 3);
  out(kIirFcr, 0);
  EXPECT_EQ(in(kIirFcr) >> 6, 0);
}

TEST_F(Serial16550Test, LinuxVariantProbeFindsAPlain16550A) {
  // autoconfig_16550a(): with LCR=0xBF an EFR would read 0 at offset 2; we have none.
  out(kLcr, 0xBF);
  EXPECT_NE(in(kIirFcr), 0);
  out(kLcr, 0);
  // No 64-byte FIFO (16750): IIR bit 5 stays clear with or without DLAB.
  out(kIirFcr, kFcrEnable | 0x20);
  EXPECT_EQ(in(kIirFcr)&0xE0, 0xC0);
  out(kLcr, kLcrDlab);
  out(kIirFcr, kFcrEnable | 0x20);
  EXPECT_EQ(in(kIirFcr)&0xE0, 0xC0);
  out(kLcr, 0);
}

TEST_F(Serial16550Test, DivisorLatchSharesOffsetsZeroAndOne) {
  out(kIer, kIerRdi);
  out(kLcr, kLcrDlab | kLcrWordLength8);
  out(kDll, 0x01);  // 115200 baud
  out(kDlm, 0x00);
  EXPECT_EQ(in(kDll), 0x01);
  EXPECT_EQ(in(kDlm), 0x00);
  EXPECT_EQ(serial_.divisor(), 1);
  out(kLcr, kLcrWordLength8);
  EXPECT_EQ(in(kIer), kIerRdi);  // untouched by the DLM write
  // A 16-bit access at offset 0 reaches DLL and DLM together.
  out(kLcr, kLcrDlab);
  const std::array<uint8_t, 2> div{0x80, 0x01};
  serial_.write(kDll, div, who_);
  EXPECT_EQ(serial_.divisor(), 0x0180);
  std::array<uint8_t, 2> back{};
  serial_.read(kDll, back, who_);
  EXPECT_EQ(back, div);
}

TEST_F(Serial16550Test, TransmittedBytesReachTheSink) {
  for (char c : std::string("hello\r\n")) out(kRbrThr, static_cast<uint8_t>(c));
  EXPECT_EQ(sink_.contents(), "hello\r\n");
  // Transmission is instantaneous: a polling guest never waits.
  EXPECT_EQ(in(kLsr) & (kLsrThre | kLsrTemt), kLsrThre | kLsrTemt);
}

TEST_F(Serial16550Test, EnablingThriRaisesTheInterruptAndIirReadClearsIt) {
  out(kIirFcr, kFcrEnable);
  out(kIer, kIerThri);
  EXPECT_TRUE(irq_.level());
  EXPECT_EQ(in(kIirFcr), kIirFifoEnabled | kIirThri);
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(in(kIirFcr), kIirFifoEnabled | kIirNoInt);
}

TEST_F(Serial16550Test, ThreIsReassertedWhenIerIsToggled) {
  // Linux's UART_BUG_THRE test in serial8250_do_startup().
  out(kIer, kIerThri);
  const uint8_t iir1 = in(kIirFcr);
  out(kIer, 0);
  out(kIer, kIerThri);
  const uint8_t iir = in(kIirFcr);
  out(kIer, 0);
  EXPECT_EQ(iir1 & kIirNoInt, 0);
  EXPECT_EQ(iir & kIirNoInt, 0) << "Linux would mark the port UART_BUG_THRE";
}

TEST_F(Serial16550Test, WritingThrReraisesThre) {
  out(kIer, kIerThri);
  EXPECT_EQ(iir_id(), kIirThri);  // acknowledged
  EXPECT_FALSE(irq_.level());
  out(kRbrThr, 'a');
  EXPECT_TRUE(irq_.level());
  EXPECT_EQ(iir_id(), kIirThri);
}

TEST_F(Serial16550Test, DisablingThriLowersTheLine) {
  out(kIer, kIerThri);
  EXPECT_TRUE(irq_.level());
  out(kIer, 0);
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(iir_id(), kIirNoInt);
}

TEST_F(Serial16550Test, InputRaisesReceivedDataInterruptUntilDrained) {
  out(kIer, kIerRdi);
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(serial_.enqueue_input(bytes_of("ab")), 2u);
  EXPECT_TRUE(irq_.level());
  EXPECT_EQ(iir_id(), kIirRdi);
  EXPECT_EQ(in(kLsr)&kLsrDr, kLsrDr);
  EXPECT_EQ(in(kRbrThr), 'a');
  EXPECT_TRUE(irq_.level());
  EXPECT_EQ(in(kRbrThr), 'b');
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(in(kLsr)&kLsrDr, 0);
  EXPECT_EQ(iir_id(), kIirNoInt);
}

TEST_F(Serial16550Test, InputWithoutRdiEnabledOnlySetsDataReady) {
  EXPECT_EQ(serial_.enqueue_input(bytes_of("z")), 1u);
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(in(kLsr)&kLsrDr, kLsrDr);  // what a polling guest looks at
  EXPECT_EQ(in(kRbrThr), 'z');
}

TEST_F(Serial16550Test, ReceivedDataOutranksThre) {
  out(kIer, kIerRdi | kIerThri);
  ASSERT_EQ(serial_.enqueue_input(bytes_of("k")), 1u);
  EXPECT_EQ(iir_id(), kIirRdi);  // and THRE stays pending underneath
  EXPECT_EQ(in(kRbrThr), 'k');
  EXPECT_EQ(iir_id(), kIirThri);
  EXPECT_EQ(iir_id(), kIirNoInt);
}

TEST_F(Serial16550Test, LineStatusOutranksReceivedData) {
  out(kIer, kIerRlsi | kIerRdi);
  out(kMcr, kMcrLoop);
  for (std::size_t i = 0; i <= Serial16550::kInputFifoCapacity; ++i) out(kRbrThr, 1);
  EXPECT_EQ(iir_id(), kIirRlsi);
  (void)in(kLsr);
  EXPECT_EQ(iir_id(), kIirRdi);
}

TEST_F(Serial16550Test, InputFifoTakesOnlyWhatFits) {
  const std::string big(100, 'x');
  EXPECT_EQ(serial_.enqueue_input(bytes_of(big)), Serial16550::kInputFifoCapacity);
  EXPECT_EQ(serial_.input_space(), 0u);
  EXPECT_EQ(serial_.enqueue_input(bytes_of("y")), 0u);
  (void)in(kRbrThr);
  EXPECT_EQ(serial_.input_space(), 1u);
  EXPECT_EQ(serial_.enqueue_input(bytes_of("yz")), 1u);
}

TEST_F(Serial16550Test, InputKeepsItsOrder) {
  ASSERT_EQ(serial_.enqueue_input(bytes_of("abc")), 3u);
  ASSERT_EQ(serial_.enqueue_input(bytes_of("de")), 2u);
  std::string got;
  while (in(kLsr)&kLsrDr) got.push_back(static_cast<char>(in(kRbrThr)));
  EXPECT_EQ(got, "abcde");
}

TEST_F(Serial16550Test, ReadingAnEmptyReceiverReturnsZero) { EXPECT_EQ(in(kRbrThr), 0); }

TEST_F(Serial16550Test, FcrReceiverResetDropsInputAndLowersTheLine) {
  out(kIirFcr, kFcrEnable);
  out(kIer, kIerRdi);
  ASSERT_EQ(serial_.enqueue_input(bytes_of("junk")), 4u);
  EXPECT_TRUE(irq_.level());
  out(kIirFcr, kFcrEnable | kFcrClearRx | kFcrClearTx);
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(in(kLsr)&kLsrDr, 0);
  EXPECT_EQ(in(kIirFcr) >> 6, 3);  // still in FIFO mode
}

TEST_F(Serial16550Test, ChangingFifoModeDropsInput) {
  ASSERT_EQ(serial_.enqueue_input(bytes_of("junk")), 4u);
  out(kIirFcr, kFcrEnable);
  EXPECT_EQ(in(kLsr)&kLsrDr, 0);
}

TEST_F(Serial16550Test, FcrResetBitsNeedFifoEnable) {
  // Datasheet: the other FCR bits are only programmed together with FCR0 = 1.
  ASSERT_EQ(serial_.enqueue_input(bytes_of("keep")), 4u);
  out(kIirFcr, kFcrClearRx);
  EXPECT_EQ(in(kLsr)&kLsrDr, kLsrDr);
}

TEST_F(Serial16550Test, ModemStatusInterruptReportsLoopbackChanges) {
  out(kIer, kIerMsi);
  EXPECT_FALSE(irq_.level());
  out(kMcr, kMcrLoop);  // CTS, DSR and DCD drop: three deltas
  EXPECT_TRUE(irq_.level());
  EXPECT_EQ(in(kIirFcr), kIirMsi);
  EXPECT_EQ(in(kMsr), kMsrDcts | kMsrDdsr | kMsrDdcd);
  EXPECT_FALSE(irq_.level());
  EXPECT_EQ(in(kMsr), 0);  // deltas cleared by the read
}

TEST_F(Serial16550Test, RingIndicatorReportsOnlyItsTrailingEdge) {
  out(kMcr, kMcrLoop);
  (void)in(kMsr);
  out(kMcr, kMcrLoop | kMcrOut1);  // RI rises: no delta
  EXPECT_EQ(in(kMsr), kMsrRi);
  out(kMcr, kMcrLoop);  // RI falls: TERI
  EXPECT_EQ(in(kMsr), kMsrTeri);
}

TEST_F(Serial16550Test, LineStatusAndModemStatusIgnoreWrites) {
  out(kLsr, 0x00);
  out(kMsr, 0x00);
  EXPECT_EQ(in(kLsr), kLsrThre | kLsrTemt);
  EXPECT_EQ(in(kMsr), kMsrCts | kMsrDsr | kMsrDcd);
}

TEST_F(Serial16550Test, WideAccessesAreSplitIntoByteAccesses) {
  out(kScr, 0x77);
  std::array<uint8_t, 4> b{};
  serial_.read(4, b, who_);  // MCR, LSR, MSR, SCR
  EXPECT_EQ(b, (std::array<uint8_t, 4>{kMcrOut2, kLsrThre | kLsrTemt, kMsrCts | kMsrDsr | kMsrDcd,
                                       0x77}));
  const std::array<uint8_t, 2> w{'o', 'k'};
  serial_.write(kRbrThr, w, who_);  // THR then IER
  EXPECT_EQ(sink_.contents(), "o");
  EXPECT_EQ(in(kIer), 'k' & kIerMask);
}

TEST_F(Serial16550Test, TheLineOnlySeesEdges) {
  out(kIer, kIerThri | kIerRdi);
  ASSERT_EQ(serial_.enqueue_input(bytes_of("xy")), 2u);
  for (int i = 0; i < 3; ++i) out(kRbrThr, '.');
  while (in(kLsr)&kLsrDr) (void)in(kRbrThr);
  (void)in(kIirFcr);
  const auto levels = irq_.levels();
  for (std::size_t i = 1; i < levels.size(); ++i) EXPECT_NE(levels[i], levels[i - 1]) << i;
  EXPECT_FALSE(irq_.level());
}

TEST_F(Serial16550Test, InputFromAnotherThreadArrivesCompleteAndInOrder) {
  constexpr int kBytes = 2000;
  std::thread feeder([this] {
    for (int i = 0; i < kBytes;) {
      const uint8_t b = static_cast<uint8_t>(i);
      if (serial_.enqueue_input(std::span<const uint8_t>(&b, 1)) == 1) {
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
  });
  int received = 0;
  bool in_order = true;
  while (received < kBytes) {
    if (in(kLsr)&kLsrDr) {
      in_order = in_order && in(kRbrThr) == static_cast<uint8_t>(received);
      ++received;
    }
  }
  feeder.join();
  EXPECT_TRUE(in_order);
}

}  // namespace
}  // namespace svmm
