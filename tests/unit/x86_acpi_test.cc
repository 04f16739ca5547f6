// The ACPI tables (vmm/x86/acpi.h) and the AML encoder behind the DSDT (vmm/x86/aml.h): layout,
// signatures, lengths, checksums, the MADT per vCPU count, the DSDT's sleep packages, and a
// round trip through ACPICA's iasl (disassemble, recompile) when it is installed.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "protocol/acpi.h"
#include "protocol/memory_map.h"
#include "tests/support/process.h"
#include "vmm/util/error.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/aml.h"
#include "vmm/x86/mptable.h"

namespace svmm {
namespace {

using Bytes = std::vector<uint8_t>;

uint8_t sum(const uint8_t* p, size_t n) {
  uint8_t s = 0;
  for (size_t i = 0; i < n; ++i) s = static_cast<uint8_t>(s + p[i]);
  return s;
}

template <typename T>
T get(const uint8_t* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}

// A view of the built tables by guest-physical address.
class Tables {
 public:
  explicit Tables(uint32_t vcpus, uint64_t base = kAcpiTablesAddr)
      : t_(build_acpi_tables(base, vcpus)) {}
  const AcpiTables& t() const { return t_; }
  const uint8_t* at(uint64_t gpa) const {
    EXPECT_GE(gpa, t_.base);
    EXPECT_LT(gpa, t_.base + t_.bytes.size());
    return t_.bytes.data() + (gpa - t_.base);
  }
  uint32_t length(uint64_t gpa) const { return get<uint32_t>(at(gpa), 4); }
  // The table at `gpa` whole, after checking it lies inside the blob.
  Bytes table(uint64_t gpa) const {
    const uint32_t len = length(gpa);
    EXPECT_LE(gpa - t_.base + len, t_.bytes.size());
    return Bytes(at(gpa), at(gpa) + len);
  }

 private:
  AcpiTables t_;
};

constexpr size_t kHeader = 36;

TEST(AcpiTables, RsdpIsAcpi2WithBothChecksumsAndPointsAtRsdtAndXsdt) {
  Tables tb(2);
  const auto& t = tb.t();
  EXPECT_EQ(t.rsdp, kAcpiTablesAddr);
  EXPECT_EQ(t.rsdp % 16, 0u);
  const uint8_t* r = tb.at(t.rsdp);
  EXPECT_EQ(std::memcmp(r, "RSD PTR ", 8), 0);
  EXPECT_EQ(sum(r, 20), 0) << "ACPI 1.0 checksum";
  EXPECT_EQ(r[15], 2) << "revision";
  EXPECT_EQ(get<uint32_t>(r, 16), t.rsdt);
  EXPECT_EQ(get<uint32_t>(r, 20), 36u);
  EXPECT_EQ(get<uint64_t>(r, 24), t.xsdt);
  EXPECT_EQ(sum(r, 36), 0) << "extended checksum";
}

TEST(AcpiTables, LieInTheBiosAreaBelowTheMpTable) {
  for (uint32_t n : {1u, 8u, 64u, 255u}) {
    Tables tb(n);
    EXPECT_GE(tb.t().base, SVMM_ACPI_RSDP_SCAN_START);
    EXPECT_LE(tb.t().base + tb.t().bytes.size(), kMpTableAddr) << n << " vCPUs";
  }
}

TEST(AcpiTables, EveryTableHasItsSignatureLengthAndChecksum) {
  Tables tb(4);
  const auto& t = tb.t();
  const std::map<std::string, uint64_t> tables = {
      {"RSDT", t.rsdt}, {"XSDT", t.xsdt}, {"FACP", t.fadt}, {"DSDT", t.dsdt}, {"APIC", t.madt}};
  for (const auto& [sig, gpa] : tables) {
    SCOPED_TRACE(sig);
    const Bytes b = tb.table(gpa);
    ASSERT_GE(b.size(), kHeader);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 4), sig);
    EXPECT_EQ(sum(b.data(), b.size()), 0);
    EXPECT_EQ(std::string(b.begin() + 10, b.begin() + 16), "SVMM  ") << "OEM ID";
    EXPECT_EQ(gpa % 8, 0u);
  }
  EXPECT_EQ(tb.length(t.fadt), 276u);
  EXPECT_EQ(tb.at(t.fadt)[8], 6) << "FADT revision";
  // FACS: no checksum, 64 bytes, 64-byte aligned.
  EXPECT_EQ(std::memcmp(tb.at(t.facs), "FACS", 4), 0);
  EXPECT_EQ(tb.length(t.facs), 64u);
  EXPECT_EQ(t.facs % 64, 0u);
}

TEST(AcpiTables, TablesDoNotOverlap) {
  Tables tb(64);
  const auto& t = tb.t();
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {{t.rsdp, t.rsdp + 36}};
  for (uint64_t gpa : {t.rsdt, t.xsdt, t.fadt, t.facs, t.dsdt, t.madt})
    ranges.emplace_back(gpa, gpa + tb.length(gpa));
  for (size_t i = 0; i < ranges.size(); ++i)
    for (size_t j = i + 1; j < ranges.size(); ++j)
      EXPECT_TRUE(ranges[i].second <= ranges[j].first || ranges[j].second <= ranges[i].first)
          << i << " and " << j;
}

TEST(AcpiTables, RsdtAndXsdtListTheFadtAndTheMadt) {
  Tables tb(1);
  const auto& t = tb.t();
  const Bytes x = tb.table(t.xsdt);
  ASSERT_EQ(x.size(), kHeader + 2 * 8);
  EXPECT_EQ(get<uint64_t>(x.data(), kHeader), t.fadt);
  EXPECT_EQ(get<uint64_t>(x.data(), kHeader + 8), t.madt);
  const Bytes r = tb.table(t.rsdt);
  ASSERT_EQ(r.size(), kHeader + 2 * 4);
  EXPECT_EQ(get<uint32_t>(r.data(), kHeader), t.fadt);
  EXPECT_EQ(get<uint32_t>(r.data(), kHeader + 4), t.madt);
}

TEST(AcpiTables, FadtDescribesThePm1aBlocksTheSciAndTheDsdt) {
  Tables tb(1);
  const auto& t = tb.t();
  const Bytes f = tb.table(t.fadt);
  EXPECT_EQ(get<uint32_t>(f.data(), 36), t.facs) << "FIRMWARE_CTRL";
  EXPECT_EQ(get<uint32_t>(f.data(), 40), t.dsdt) << "DSDT";
  EXPECT_EQ(get<uint16_t>(f.data(), 46), SVMM_ACPI_SCI_IRQ) << "SCI_INT";
  EXPECT_EQ(get<uint32_t>(f.data(), 48), 0u) << "SMI_CMD: always in ACPI mode";
  EXPECT_EQ(get<uint32_t>(f.data(), 56), 0x600u) << "PM1a_EVT_BLK";
  EXPECT_EQ(get<uint32_t>(f.data(), 64), 0x604u) << "PM1a_CNT_BLK";
  EXPECT_EQ(get<uint32_t>(f.data(), 76), 0u) << "no PM timer";
  EXPECT_EQ(f[88], 4) << "PM1_EVT_LEN";
  EXPECT_EQ(f[89], 2) << "PM1_CNT_LEN";
  const uint32_t flags = get<uint32_t>(f.data(), 112);
  EXPECT_EQ(flags & (1u << 20), 0u) << "not HW_REDUCED_ACPI";
  EXPECT_NE(flags & (1u << 10), 0u) << "RESET_REG_SUP";
  // RESET_REG: system I/O, 8 bits, port 0x64; RESET_VALUE 0xFE (the i8042 reset).
  EXPECT_EQ(f[116], 1);
  EXPECT_EQ(f[117], 8);
  EXPECT_EQ(get<uint64_t>(f.data(), 120), 0x64u);
  EXPECT_EQ(f[128], 0xFE);
  EXPECT_EQ(get<uint64_t>(f.data(), 140), t.dsdt) << "X_DSDT";
  // X_PM1a_EVT_BLK and X_PM1a_CNT_BLK: system I/O, 32 and 16 bits.
  EXPECT_EQ(f[148], 1);
  EXPECT_EQ(f[149], 32);
  EXPECT_EQ(get<uint64_t>(f.data(), 152), 0x600u);
  EXPECT_EQ(f[172], 1);
  EXPECT_EQ(f[173], 16);
  EXPECT_EQ(get<uint64_t>(f.data(), 176), 0x604u);
}

// The sleep packages as ACPI 6.5 section 20 encodes them:
// NameOp '\' "_Sx_" PackageOp PkgLength(7) NumElements(4) BytePrefix x Zero Zero Zero.
const Bytes kS3 = {0x08, 0x5C, '_', 'S', '3', '_', 0x12, 0x07, 0x04, 0x0A, 0x03, 0x00, 0x00, 0x00};
const Bytes kS5 = {0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0A, 0x05, 0x00, 0x00, 0x00};

TEST(AcpiTables, DsdtHoldsTheS3AndS5SleepPackages) {
  const Bytes d = build_dsdt();
  ASSERT_EQ(d.size(), kHeader + kS3.size() + kS5.size());
  EXPECT_EQ(std::memcmp(d.data(), "DSDT", 4), 0);
  EXPECT_EQ(get<uint32_t>(d.data(), 4), d.size());
  EXPECT_EQ(d[8], 2) << "revision 2: 64-bit integers";
  EXPECT_EQ(sum(d.data(), d.size()), 0);
  EXPECT_EQ(Bytes(d.begin() + kHeader, d.begin() + kHeader + kS3.size()), kS3);
  EXPECT_EQ(Bytes(d.begin() + kHeader + kS3.size(), d.end()), kS5);
  // The same DSDT is what the tables point at.
  Tables tb(2);
  EXPECT_EQ(tb.table(tb.t().dsdt), d);
}

struct MadtEntry {
  uint8_t type;
  Bytes bytes;
};

std::vector<MadtEntry> madt_entries(const Bytes& m) {
  std::vector<MadtEntry> out;
  size_t off = 44;
  while (off < m.size()) {
    const uint8_t len = m[off + 1];
    EXPECT_GE(len, 2);
    if (len < 2 || off + len > m.size()) {
      ADD_FAILURE() << "MADT entry at " << off << " runs past the table";
      break;
    }
    out.push_back({m[off], Bytes(m.begin() + off, m.begin() + off + len)});
    off += len;
  }
  return out;
}

class MadtTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(MadtTest, OneEnabledLocalApicPerVcpuThenIoApicOverridesAndNmi) {
  const uint32_t n = GetParam();
  Tables tb(n);
  const Bytes m = tb.table(tb.t().madt);
  EXPECT_EQ(get<uint32_t>(m.data(), 36), SVMM_MMIO_LAPIC);
  EXPECT_EQ(get<uint32_t>(m.data(), 40), 1u) << "PCAT_COMPAT";
  const auto entries = madt_entries(m);
  uint32_t cpus = 0, ioapics = 0, nmis = 0;
  std::map<uint8_t, Bytes> overrides;
  for (const auto& e : entries) {
    switch (e.type) {
      case 0:
        ASSERT_EQ(e.bytes.size(), 8u);
        EXPECT_EQ(e.bytes[2], cpus) << "processor UID";
        EXPECT_EQ(e.bytes[3], cpus) << "APIC ID";
        EXPECT_EQ(get<uint32_t>(e.bytes.data(), 4), 1u) << "enabled";
        ++cpus;
        break;
      case 1:
        ASSERT_EQ(e.bytes.size(), 12u);
        EXPECT_EQ(e.bytes[2], n) << "IOAPIC ID after the processors' (as in the MP table)";
        EXPECT_EQ(get<uint32_t>(e.bytes.data(), 4), SVMM_MMIO_IOAPIC);
        EXPECT_EQ(get<uint32_t>(e.bytes.data(), 8), 0u) << "GSI base";
        ++ioapics;
        break;
      case 2:
        ASSERT_EQ(e.bytes.size(), 10u);
        EXPECT_EQ(e.bytes[2], 0) << "bus ISA";
        overrides[e.bytes[3]] = e.bytes;
        break;
      case 4:
        ASSERT_EQ(e.bytes.size(), 6u);
        EXPECT_EQ(e.bytes[2], 0xFF) << "all processors";
        EXPECT_EQ(e.bytes[5], 1) << "LINT1";
        ++nmis;
        break;
      default:
        ADD_FAILURE() << "unexpected MADT entry type " << int{e.type};
    }
  }
  EXPECT_EQ(cpus, n);
  EXPECT_EQ(ioapics, 1u);
  EXPECT_EQ(nmis, 1u);
  ASSERT_EQ(overrides.size(), 2u);
  ASSERT_TRUE(overrides.count(0));
  EXPECT_EQ(get<uint32_t>(overrides[0].data(), 4), 2u) << "IRQ 0 -> GSI 2";
  EXPECT_EQ(get<uint16_t>(overrides[0].data(), 8), 0u) << "conforms to the bus";
  ASSERT_TRUE(overrides.count(9));
  EXPECT_EQ(get<uint32_t>(overrides[9].data(), 4), 9u) << "IRQ 9 -> GSI 9";
  EXPECT_EQ(get<uint16_t>(overrides[9].data(), 8), 0x000Du) << "level, active high";
  EXPECT_EQ(m.size(), 44u + 8 * n + 12 + 2 * 10 + 6);
}

INSTANTIATE_TEST_SUITE_P(Vcpus, MadtTest, ::testing::Values(1u, 2u, 4u, 64u, 255u));

TEST(AcpiTables, VcpuCountsWithoutEightBitApicIdsAreRefused) {
  EXPECT_THROW((void)build_acpi_tables(kAcpiTablesAddr, 0), InternalError);
  EXPECT_THROW((void)build_acpi_tables(kAcpiTablesAddr, 256), InternalError);
}

TEST(AcpiTables, AddressesFollowTheBase) {
  Tables a(2, 0xE0000), b(2, 0xE1000);
  EXPECT_EQ(b.t().xsdt - a.t().xsdt, 0x1000u);
  EXPECT_EQ(b.t().bytes.size(), a.t().bytes.size());
  EXPECT_EQ(get<uint64_t>(b.at(b.t().rsdp), 24), b.t().xsdt);
}

// --- the AML encoder ------------------------------------------------------------------------

TEST(Aml, IntegersUseTheShortestEncoding) {
  EXPECT_EQ(aml::integer(0), (Bytes{0x00}));
  EXPECT_EQ(aml::integer(1), (Bytes{0x01}));
  EXPECT_EQ(aml::integer(2), (Bytes{0x0A, 0x02}));
  EXPECT_EQ(aml::integer(0xFF), (Bytes{0x0A, 0xFF}));
  EXPECT_EQ(aml::integer(0x100), (Bytes{0x0B, 0x00, 0x01}));
  EXPECT_EQ(aml::integer(0x12345678), (Bytes{0x0C, 0x78, 0x56, 0x34, 0x12}));
  EXPECT_EQ(aml::integer(0x100000000ull), (Bytes{0x0E, 0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(Aml, PkgLengthCountsItselfAndGrowsPastSixtyThree) {
  EXPECT_EQ(aml::pkg_length(0), (Bytes{0x01}));
  EXPECT_EQ(aml::pkg_length(62), (Bytes{0x3F}));
  // 63 bytes of body: 65 with a two-byte PkgLength = 0x041 -> lead 0x41, then 0x04.
  EXPECT_EQ(aml::pkg_length(63), (Bytes{0x41, 0x04}));
  EXPECT_EQ(aml::pkg_length(0xFFD), (Bytes{0x4F, 0xFF}));                 // 0xFFF total
  EXPECT_EQ(aml::pkg_length(0xFFE), (Bytes{0x81, 0x00, 0x01}));           // 0x1001 total, 3 bytes
  EXPECT_EQ(aml::pkg_length(0x100000), (Bytes{0xC4, 0x00, 0x00, 0x01}));  // 0x100004
  EXPECT_THROW((void)aml::pkg_length(1u << 28), InternalError);
}

TEST(Aml, NameStringsArePaddedAndPrefixed) {
  EXPECT_EQ(aml::name_string("\\_S5_"), (Bytes{0x5C, '_', 'S', '5', '_'}));
  EXPECT_EQ(aml::name_string("_S5"), (Bytes{'_', 'S', '5', '_'}));
  EXPECT_EQ(aml::name_string("\\_SB.PCI0"),
            (Bytes{0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0'}));
  EXPECT_EQ(aml::name_string("A.B.C"),
            (Bytes{0x2F, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'}));
  for (const char* bad : {"", "\\", "0ABC", "ABCDE", "a", "A..B", "A-B"})
    EXPECT_THROW((void)aml::name_string(bad), InternalError) << bad;
}

TEST(Aml, PackagesCountTheirElements) {
  EXPECT_EQ(aml::package({}), (Bytes{0x12, 0x02, 0x00}));
  EXPECT_EQ(aml::name("X", aml::package({aml::integer(1)})),
            (Bytes{0x08, 'X', '_', '_', '_', 0x12, 0x03, 0x01, 0x01}));
  // A package whose body passes 63 bytes takes a two-byte PkgLength.
  std::vector<Bytes> many(30, aml::integer(0x1234));  // 30 x 3 bytes
  const Bytes p = aml::package(many);
  ASSERT_EQ(p.size(), 1u + 2 + 1 + 90);
  EXPECT_EQ(p[1] >> 6, 1);
  EXPECT_EQ((p[1] & 0x0F) | (p[2] << 4), 2 + 1 + 90);
  EXPECT_EQ(p[3], 30);
}

// --- iasl round trip ------------------------------------------------------------------------

std::string which(const std::string& program) {
  auto r = test::run_process({"/bin/sh", "-c", "command -v " + program});
  return r.exit_status == 0 ? r.out.substr(0, r.out.find('\n')) : "";
}

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

class IaslRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    iasl_ = which("iasl");
    if (iasl_.empty())
      GTEST_SKIP() << "iasl not found (Debian package acpica-tools, scripts/setup-debian.sh)";
  }
  // `iasl -d` on the table; returns the disassembly (.dsl) after checking iasl reported no
  // errors.
  std::string disassemble(const std::string& name, const Bytes& table) {
    const std::string path = dir_.path() + "/" + name + ".dat";
    write_bytes(path, table);
    auto r = test::run_process({iasl_, "-d", path});
    const std::string output = r.out + r.err;
    EXPECT_EQ(r.exit_status, 0) << output;
    EXPECT_EQ(output.find("Error"), std::string::npos) << output;
    return test::read_file(dir_.path() + "/" + name + ".dsl");
  }
  // Compiles a .dsl back without optimizations (-oa), so that the AML keeps its encoding.
  Bytes compile(const std::string& name, const std::string& dsl_suffix) {
    const std::string dsl = dir_.path() + "/" + name + ".dsl";
    auto r = test::run_process({iasl_, "-oa", "-p", dir_.path() + "/" + name + dsl_suffix, dsl});
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
    return read_bytes(dir_.path() + "/" + name + dsl_suffix + ".aml");
  }
  std::string iasl_;
  test::TempDir dir_;
};

TEST_F(IaslRoundTrip, EveryTableDisassemblesWithoutErrors) {
  Tables tb(4);
  const auto& t = tb.t();
  // Not the RSDP: iasl (20200925) disassembles no bare RSDP from a binary file (it has no
  // standard header); RsdpIsAcpi2WithBothChecksumsAndPointsAtRsdtAndXsdt checks it.
  const std::map<std::string, Bytes> tables = {
      {"rsdt", tb.table(t.rsdt)}, {"xsdt", tb.table(t.xsdt)},
      {"facp", tb.table(t.fadt)}, {"facs", Bytes(tb.at(t.facs), tb.at(t.facs) + 64)},
      {"apic", tb.table(t.madt)}, {"dsdt", tb.table(t.dsdt)}};
  for (const auto& [name, bytes] : tables) {
    SCOPED_TRACE(name);
    const std::string dsl = disassemble(name, bytes);
    EXPECT_FALSE(dsl.empty());
    EXPECT_EQ(dsl.find("**** "), std::string::npos) << "iasl flagged something:\n" << dsl;
  }
}

TEST_F(IaslRoundTrip, DsdtDisassemblesToTheSleepPackagesAndRecompilesToTheSameAml) {
  const Bytes d = build_dsdt();
  const std::string dsl = disassemble("dsdt", d);
  EXPECT_NE(dsl.find("Name (\\_S3, Package (0x04)"), std::string::npos) << dsl;
  EXPECT_NE(dsl.find("Name (\\_S5, Package (0x04)"), std::string::npos) << dsl;
  const Bytes again = compile("dsdt", "-again");
  ASSERT_EQ(again.size(), d.size());
  // iasl writes its own creator ID/revision and hence checksum; the AML must be identical.
  EXPECT_EQ(Bytes(again.begin() + kHeader, again.end()), Bytes(d.begin() + kHeader, d.end()));
}

TEST_F(IaslRoundTrip, MadtDisassemblyListsEveryProcessor) {
  Tables tb(3);
  const std::string dsl = disassemble("apic", tb.table(tb.t().madt));
  size_t count = 0;
  for (size_t pos = 0; (pos = dsl.find("Processor Local APIC", pos)) != std::string::npos; ++pos)
    ++count;
  EXPECT_EQ(count, 3u) << dsl;
  EXPECT_NE(dsl.find("I/O APIC"), std::string::npos) << dsl;
  EXPECT_NE(dsl.find("Interrupt Source Override"), std::string::npos) << dsl;
}

// ACPICA's own table manager and interpreter (acpiexec, same package) loads the FADT, FACS,
// DSDT and MADT without complaint and evaluates the sleep packages.
TEST_F(IaslRoundTrip, AcpiexecLoadsTheTablesAndEvaluatesTheSleepPackages) {
  const std::string acpiexec = which("acpiexec");
  if (acpiexec.empty()) GTEST_SKIP() << "acpiexec not found (Debian package acpica-tools)";
  Tables tb(2);
  const auto& t = tb.t();
  std::vector<std::string> argv = {acpiexec, "-b", "Evaluate \\_S5; Evaluate \\_S3"};
  const std::map<std::string, Bytes> tables = {{"dsdt", tb.table(t.dsdt)},
                                               {"facp", tb.table(t.fadt)},
                                               {"apic", tb.table(t.madt)},
                                               {"facs", Bytes(tb.at(t.facs), tb.at(t.facs) + 64)}};
  for (const auto& [name, bytes] : tables) {
    argv.push_back(dir_.path() + "/" + name + ".dat");
    write_bytes(argv.back(), bytes);
  }
  auto r = test::run_process(argv);
  const std::string out = r.out + r.err;
  EXPECT_EQ(r.exit_status, 0) << out;
  for (const char* bad : {"ACPI Error", "ACPI Warning", "Firmware Bug", "ACPI BIOS"})
    EXPECT_EQ(out.find(bad), std::string::npos) << bad << " in:\n" << out;
  const size_t p5 = out.find("Evaluation of \\_S5 returned");
  const size_t p3 = out.find("Evaluation of \\_S3 returned");
  ASSERT_NE(p5, std::string::npos) << out;
  ASSERT_NE(p3, std::string::npos) << out;
  EXPECT_NE(out.find("[Integer] = 0000000000000005", p5), std::string::npos) << out;
  EXPECT_NE(out.find("[Integer] = 0000000000000003", p3), std::string::npos) << out;
}

}  // namespace
}  // namespace svmm
