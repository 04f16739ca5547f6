/* Exit statuses of `svmm run` (spec/control.md section 2). Odd ones come from the guest. */
#ifndef SVMM_PROTOCOL_EXIT_STATUS_H
#define SVMM_PROTOCOL_EXIT_STATUS_H

#define SVMM_EXIT_OK 0
#define SVMM_EXIT_USAGE 2
#define SVMM_EXIT_HOST 4
#define SVMM_EXIT_GUEST_CRASH 6
#define SVMM_EXIT_INTERNAL 8
#define SVMM_EXIT_TEARDOWN_FAILED 10

/* Debug exit: a write of v ends the VM with status ((v << 1) | 1) & 0xFF. */
#define SVMM_DEBUG_EXIT_STATUS(v) ((int)((((unsigned long long)(v) << 1) | 1u) & 0xFFu))

#endif
