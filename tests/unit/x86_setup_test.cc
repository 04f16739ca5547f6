// Architecture set-up that needs no KVM: the MP table bytes, the CPUID builder, snapshot diffs.
#include <gtest/gtest.h>

#include <cstring>

#include "protocol/cpuid.h"
#include "protocol/memory_map.h"
#include "vmm/x86/cpuid.h"
#include "vmm/x86/mptable.h"
#include "vmm/x86/vcpu_snapshot.h"

namespace svmm {
namespace {

uint8_t sum(const uint8_t* p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; ++i) s = static_cast<uint8_t>(s + p[i]);
  return s;
}

TEST(MpTable, FloatingPointerAndConfigTableAreValid) {
  auto t = build_mptable(kMpTableAddr, 4);
  ASSERT_GE(t.size(), 16u + 44u);
  EXPECT_EQ(std::memcmp(t.data(), "_MP_", 4), 0);
  EXPECT_EQ(sum(t.data(), 16), 0) << "floating pointer checksum";
  uint32_t physptr;
  std::memcpy(&physptr, t.data() + 4, 4);
  EXPECT_EQ(physptr, kMpTableAddr + 16);
  const uint8_t* cfg = t.data() + 16;
  EXPECT_EQ(std::memcmp(cfg, "PCMP", 4), 0);
  uint16_t len;
  std::memcpy(&len, cfg + 4, 2);
  EXPECT_EQ(len, t.size() - 16);
  EXPECT_EQ(sum(cfg, len), 0) << "configuration table checksum";
  uint32_t lapic;
  std::memcpy(&lapic, cfg + 36, 4);
  EXPECT_EQ(lapic, SVMM_MMIO_LAPIC);
  // Entries: 4 processors (20 bytes each, BSP flag on the first), then bus, IOAPIC, interrupts.
  const uint8_t* e = cfg + 44;
  for (int i = 0; i < 4; ++i, e += 20) {
    EXPECT_EQ(e[0], 0);
    EXPECT_EQ(e[1], i) << "APIC id";
    EXPECT_EQ(e[3], i == 0 ? 3 : 1) << "enabled, BSP";
  }
  EXPECT_EQ(e[0], 1);  // bus
  e += 8;
  EXPECT_EQ(e[0], 2);  // IOAPIC
  uint32_t ioapic;
  std::memcpy(&ioapic, e + 4, 4);
  EXPECT_EQ(ioapic, SVMM_MMIO_IOAPIC);
}

TEST(Cpuid, SvmmLeavesAndApicIds) {
  std::vector<kvm_cpuid_entry2> supported(2);
  supported[0].function = 0x1;
  supported[0].ebx = 0xAABB1234;
  supported[1].function = SVMM_CPUID_BASE;  // a host leaf in our range is replaced
  supported[1].eax = 0xDEAD;
  auto c = build_cpuid(supported, 3, 4, {SVMM_CPUID_FEATURE_TRUSTED_VM, 2});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].ebx >> 24, 3u) << "initial APIC id";
  EXPECT_EQ((c[0].ebx >> 16) & 0xFF, 4u);
  EXPECT_EQ(c[0].ebx & 0xFFFF, 0x1234u);
  EXPECT_EQ(c[1].function, SVMM_CPUID_BASE);
  EXPECT_EQ(c[1].eax, SVMM_CPUID_INFO);
  EXPECT_EQ(c[1].ebx, SVMM_CPUID_SIGNATURE);
  EXPECT_EQ(c[2].function, SVMM_CPUID_INFO);
  EXPECT_EQ(c[2].eax, 1u);
  EXPECT_EQ(c[2].ebx, SVMM_CPUID_FEATURE_TRUSTED_VM);
  EXPECT_EQ(c[2].ecx, 0x5A0u);
  EXPECT_EQ(c[2].edx, 2u);
}

TEST(SnapshotDiff, NamesTheDifferingFieldsAndExemptsTime) {
  VcpuSnapshot a;
  a.msrs = {{0x10, 0, 100}, {0x174, 0, 5}};
  a.xsave.assign(64, 0);
  VcpuSnapshot b = a;
  EXPECT_TRUE(diff_snapshots(a, b).empty());
  b.msrs[0].data = 200;  // the TSC moves with time alone
  uint32_t count = 7;
  std::memcpy(b.lapic.regs + 0x390, &count, 4);  // APIC timer current count
  EXPECT_TRUE(diff_snapshots(a, b).empty());
  b.regs.rbx = 1;
  b.sregs.cr3 = 0x5000;
  b.msrs[1].data = 6;
  b.xsave[40] = 1;
  b.debugregs.db[2] = 9;
  auto d = diff_snapshots(a, b);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_NE(d[0].find("regs.rbx"), std::string::npos);
  EXPECT_NE(d[1].find("sregs.cr3"), std::string::npos);
  EXPECT_EQ(d[2], "xsave[+0x28]");
  EXPECT_EQ(d[3], "debugregs.dr2");
  EXPECT_NE(d[4].find("msr[0x174]"), std::string::npos);
}

TEST(SnapshotDiff, CallerRaxAndRipMayBeIgnored) {
  VcpuSnapshot a, b;
  b.regs.rax = 1;
  b.regs.rip = 2;
  EXPECT_EQ(diff_snapshots(a, b).size(), 2u);
  EXPECT_TRUE(diff_snapshots(a, b, {true}).empty());
}

}  // namespace
}  // namespace svmm
