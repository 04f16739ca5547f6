// Helpers shared by the config tests: a scratch directory with image files, and a known-good
// config to mutate one key at a time.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>

namespace svmm::testing {

// A fresh mkdtemp directory, removed with everything in it at the end of the test. Independent
// of the current directory.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string tmpl = (base / "svmm-config-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Writes `content` to `relative` (creating parent directories); returns the absolute path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view content) {
    const auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p;
  }

 private:
  std::filesystem::path path_;
};

// A scratch directory holding the files the good config names (their format does not matter to
// the config layer: only that they are readable regular files).
class ConfigDir : public TempDir {
 public:
  ConfigDir() {
    write("guest.elf",
          "\x7f"
          "ELF guest");
    write("initrd.img", "initrd");
    write("vault.elf",
          "\x7f"
          "ELF vault");
  }
};

// Every key of the schema, set to a value that is valid and (mostly) not the default, so a test
// can tell a parsed value from a default one.
inline nlohmann::json good_config_json() {
  return nlohmann::json::parse(R"({
    "guest_os": {
      "kernel": "guest.elf",
      "boot": "pvh",
      "initrd": "initrd.img",
      "cmdline": "console=ttyS0 quiet",
      "vcpus": 4,
      "memory_mib": 512,
      "console": "file:logs/guest.log"
    },
    "trusted_vms": [
      {
        "name": "vault",
        "kernel": "vault.elf",
        "boot": "auto",
        "cmdline": "",
        "vcpus": 1,
        "memory_mib": 16,
        "console": "file:vault.log"
      },
      {
        "name": "ledger-2",
        "kernel": "vault.elf",
        "boot": "multiboot",
        "cmdline": "mode=ledger",
        "vcpus": 8,
        "memory_mib": 65536,
        "console": "stdio"
      }
    ],
    "secure": {
      "launch": "boot",
      "teardown_on": ["breach", "guest-crash", "control"],
      "scrub_threads": 3
    },
    "hypercall": { "kernel_only": true },
    "chipset": { "fuse": "enabled", "abort_policy": "interrupt", "abort_vector": 200 },
    "token": { "enabled": false, "state_dir": "tpm-state" },
    "api": { "socket": "run/svmm.sock" },
    "log": { "level": "debug", "format": "json" }
  })");
}

}  // namespace svmm::testing
