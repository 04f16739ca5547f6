// Helpers shared by the config tests: a scratch directory with image files, and a known-good
// config to mutate one key at a time.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/process.h"

namespace svmm::testing {

// A scratch directory holding the files the good config names (their format does not matter to
// the config layer: only that they are readable regular files).
class ConfigDir : public test::TempDir {
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
