// The seed corpus of tests/fuzz/fuzz_loader.cc is exactly what the in-test image builders
// produce: the test fails when a builder changes and the committed seeds were not regenerated.
// To regenerate them:
//   SVMM_LOADER_CORPUS_WRITE=1 build/tests/svmm_unit_tests --gtest_filter='LoaderFuzzCorpus.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/unit/loader_test_images.h"
#include "vmm/loader/image.h"
#include "vmm/memory/layout.h"

namespace svmm {
namespace {

TEST(LoaderFuzzCorpus, CommittedSeedsMatchTheImageBuilders) {
  const std::filesystem::path out = std::filesystem::path(SVMM_SOURCE_DIR) / "tests/fuzz/corpus/loader";
  const bool regenerate = std::getenv("SVMM_LOADER_CORPUS_WRITE") != nullptr;
  auto write = [&](const char* name, const std::vector<uint8_t>& bytes) {
    if (regenerate) {
      std::filesystem::create_directories(out);
      std::ofstream f(out / name, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
      ASSERT_TRUE(f.good()) << name;
      return;
    }
    std::ifstream f(out / name, std::ios::binary);
    ASSERT_TRUE(f.good()) << (out / name) << " is missing";
    std::vector<uint8_t> committed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(committed, bytes) << name << " differs from its builder; regenerate the seeds";
  };
  using test::ElfBuilder;
  write("pvh64.elf", ElfBuilder(true)
                         .load(0x100000, 0x200, 0x200)
                         .load(0x200000, 0x80, 0x1000)
                         .pvh_note(0x100010, 8)
                         .build()
                         .bytes);
  write("pvh32.elf", ElfBuilder(false)
                         .load(0x100000, 0x200, 0x200)
                         .load(0x200000, 0x80, 0x1000)
                         .pvh_note(0x100010, 4)
                         .build()
                         .bytes);
  write("pvh64-section-note.elf", ElfBuilder(true)
                                      .load(0x100000, 0x100, 0x100)
                                      .pvh_note(0x100000, 8, test::NoteIn::Section)
                                      .build()
                                      .bytes);
  write("pvh32-section-note.elf", ElfBuilder(false)
                                      .load(0x100000, 0x100, 0x100)
                                      .pvh_note(0x100000, 4, test::NoteIn::Section)
                                      .build()
                                      .bytes);
  write("pvh64-align8-notes.elf", ElfBuilder(true)
                                      .load(0x100000, 0x100, 0x100)
                                      .note_align(8)
                                      .note({"GNU", 3, std::vector<uint8_t>(20, 0xab)})
                                      .note({"Linux", 1, {1, 2, 3}})
                                      .pvh_note(0x100000, 8)
                                      .build()
                                      .bytes);
  auto mb_elf = ElfBuilder(false).load(0x100000, 0x100, 0x100).build();
  test::put_multiboot_header(mb_elf.bytes, mb_elf.load_offsets[0], 0x00010003);
  write("multiboot32.elf", mb_elf.bytes);
  std::vector<uint8_t> mb(0x100, 0);
  test::put_multiboot_header(mb, 0x20, 0x00000003);
  write("multiboot.bin", mb);
  auto bz = test::fake_bzimage(0x020f, 0x1);
  bz.resize(0x240);
  write("bzimage.bin", bz);
  // Images the Multiboot and Linux loaders accept.
  auto mb_elf0 = ElfBuilder(false).load(0x100000, 0x100, 0x400).load(0x40000, 0x20, 0x20).build();
  test::put_multiboot_header(mb_elf0.bytes, mb_elf0.load_offsets[0], 0);
  test::put32(mb_elf0.bytes, 24, 0x100010);  // e_entry
  write("multiboot32-flags0.elf", mb_elf0.bytes);
  EXPECT_EQ(plan_kernel(mb_elf0.bytes, "s", BootProtocol::Auto, ram_ranges(64)).protocol,
            BootProtocol::Multiboot);
  std::vector<uint8_t> aout(0x200, 0x90);
  test::put_multiboot_header(aout, 0x20, 0x00010002);
  test::put32(aout, 0x2c, 0x100020);  // header_addr
  test::put32(aout, 0x30, 0x100000);  // load_addr
  test::put32(aout, 0x34, 0x100180);  // load_end_addr
  test::put32(aout, 0x38, 0x101000);  // bss_end_addr
  test::put32(aout, 0x3c, 0x100040);  // entry_addr
  write("multiboot-aout.bin", aout);
  EXPECT_EQ(plan_kernel(aout, "s", BootProtocol::Auto, ram_ranges(64)).protocol,
            BootProtocol::Multiboot);
  const auto bz215 = test::make_bzimage({.kernel_size = 0x400, .init_size = 0x10000});
  write("bzimage-2.15.bin", bz215);
  EXPECT_EQ(plan_kernel(bz215, "s", BootProtocol::Auto, ram_ranges(64)).protocol,
            BootProtocol::Linux);
}

}  // namespace
}  // namespace svmm
