/* svmm's CPUID leaves (spec/guest-abi.md section 4). */
#ifndef SVMM_PROTOCOL_CPUID_H
#define SVMM_PROTOCOL_CPUID_H

#define SVMM_CPUID_KVM_BASE 0x40000000u
#define SVMM_CPUID_BASE 0x40000100u
#define SVMM_CPUID_INFO 0x40000101u
#define SVMM_CPUID_MAX_LEAF SVMM_CPUID_INFO
/* "SVMM" as a little-endian 32-bit register value. */
#define SVMM_CPUID_SIGNATURE 0x4D4D5653u
#define SVMM_ABI_VERSION 1u

#define SVMM_CPUID_FEATURE_HYPERCALL_PORT (1u << 0)
#define SVMM_CPUID_FEATURE_CHIPSET (1u << 1)
#define SVMM_CPUID_FEATURE_TOKEN (1u << 2)
#define SVMM_CPUID_FEATURE_TRUSTED_VM (1u << 3)

#endif
