// Running svmm-guest's commands (guest/linux/svmm_guest_core.h) in a test process: the command
// line is parsed as the tool parses it, the output captured.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "guest/linux/svmm_guest_core.h"
#include "protocol/memory_map.h"

namespace svmm::test {

// A FILE* writing to memory.
class CapturedStream {
 public:
  CapturedStream() : file_(::open_memstream(&buf_, &len_)) {}
  ~CapturedStream() {
    if (file_) std::fclose(file_);
    std::free(buf_);
  }
  CapturedStream(const CapturedStream&) = delete;
  CapturedStream& operator=(const CapturedStream&) = delete;
  [[nodiscard]] FILE* file() const { return file_; }
  [[nodiscard]] std::string text() {
    std::fflush(file_);
    return std::string(buf_, len_);
  }

 private:
  char* buf_ = nullptr;
  size_t len_ = 0;
  FILE* file_;
};

struct CoreResult {
  int status = -1;
  std::string out;
  std::string err;
};

// What a window accessor sees; `ctx` of the ops.
struct CoreWindow {
  const svmm_window_ops* ops = nullptr;
  void* ctx = nullptr;
  uint64_t report_gpa = 0;
  volatile svmm_teardown_report* report = nullptr;
  const char* report_why = nullptr;
};

// Parses `words` (without the program name) and runs the command, as svmm-guest's main does
// after mapping the window.
inline CoreResult run_core(const CoreWindow& w, std::vector<std::string> words) {
  CoreResult r;
  CapturedStream out, err;
  std::vector<char*> argv;
  std::string prog = "svmm-guest";
  argv.push_back(prog.data());
  for (auto& s : words) argv.push_back(s.data());
  argv.push_back(nullptr);
  svmm_guest_args args{};
  r.status = svmm_guest_parse(static_cast<int>(argv.size() - 1), argv.data(), &args, err.file());
  if (r.status == 0 && args.command == SVMM_GUEST_CMD_HELP) {
    svmm_guest_usage(out.file());
  } else if (r.status == 0) {
    svmm_guest_env env{};
    env.ops = w.ops;
    env.ctx = w.ctx;
    env.window_base = SVMM_MMIO_CHIPSET_PUBLIC;
    env.out = out.file();
    env.err = err.file();
    env.report_gpa = w.report_gpa;
    env.report = w.report;
    env.report_why = w.report_why;
    r.status = svmm_guest_run(&args, &env);
  }
  r.out = out.text();
  r.err = err.text();
  return r;
}

// Lines of `text`.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    v.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return v;
}

inline bool contains_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text))
    if (l == line) return true;
  return false;
}

// The line starting with `prefix`, or "".
inline std::string line_starting(const std::string& text, const std::string& prefix) {
  for (const auto& l : lines_of(text))
    if (l.rfind(prefix, 0) == 0) return l;
  return "";
}

// An x86-64 ELF executable without PT_INTERP or PT_DYNAMIC: it runs where no ld.so is.
inline bool elf_is_static(const std::string& elf) {
  if (elf.size() < 64 || std::memcmp(elf.data(), "\x7f" "ELF", 4) != 0 || elf[4] != 2) return false;
  uint16_t machine = 0, phentsize = 0, phnum = 0;
  uint64_t phoff = 0;
  std::memcpy(&machine, &elf[18], 2);
  std::memcpy(&phoff, &elf[32], 8);
  std::memcpy(&phentsize, &elf[54], 2);
  std::memcpy(&phnum, &elf[56], 2);
  if (machine != 62 || phnum == 0 || phentsize < 4 || phoff + uint64_t{phnum} * phentsize > elf.size())
    return false;
  for (uint16_t i = 0; i < phnum; ++i) {
    uint32_t type = 0;
    std::memcpy(&type, &elf[phoff + uint64_t{i} * phentsize], 4);
    if (type == 3 || type == 2) return false;  // PT_INTERP, PT_DYNAMIC
  }
  return true;
}

}  // namespace svmm::test
