// The one way svmm includes <linux/kvm.h>.
//
// Linux 6.1's uapi headers declare flexible arrays with __DECLARE_FLEX_ARRAY, which wraps them
// in a struct with an empty member. In C++ an empty struct has size 1, so kvm_cpuid2::entries
// moves to offset 12, sizeof(kvm_xsave) becomes 4100, and the ioctl numbers that encode those
// sizes stop matching the kernel's (it answers EINVAL). Later kernels define the macro as a
// plain zero-length array for C++; we do the same before <linux/kvm.h> is read.
#pragma once
#pragma GCC system_header

#include <linux/stddef.h>
#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]
#include <linux/kvm.h>

static_assert(sizeof(kvm_cpuid2) == 8, "kvm_cpuid2 has the kernel's layout");
static_assert(sizeof(kvm_msrs) == 8, "kvm_msrs has the kernel's layout");
static_assert(sizeof(kvm_msr_list) == 4, "kvm_msr_list has the kernel's layout");
static_assert(sizeof(kvm_xsave) == 4096, "kvm_xsave has the kernel's layout");
static_assert(KVM_GET_SUPPORTED_CPUID == 0xc008ae05ul, "ioctl numbers match the kernel's");
