/*
 * MSR policy (bhyve's xmsr.c, on KVM).  KVM emulates the architectural
 * MSRs itself; x86_msr_init asks it (KVM_CAP_X86_USER_SPACE_MSR) to send
 * us the ones it does not know (KVM_MSR_EXIT_REASON_UNKNOWN) or would
 * refuse (KVM_MSR_EXIT_REASON_INVAL) instead of injecting #GP at once.
 *
 * We emulate a few model-specific ones that guests touch without checking
 * (Intel SDM vol. 4; AMD BKDG/PPR "MSRs"): reads give a harmless constant,
 * writes are dropped.  Everything else is "unknown" (-1): the exit handler
 * injects #GP when MSRs are strict, else reads 0 and drops writes (-w).
 */
#include <errno.h>
#include <stddef.h>

#include "core/vm.h"
#include "vmm/vmm.h"
#include "x86/x86.h"

#define MSR_RO		0x1	/* writes are refused (#GP when strict) */

struct msr_rule {
	uint32_t	first, last;	/* inclusive range */
	uint64_t	value;		/* what reads return */
	unsigned	flags;
	const char	*what;
};

static const struct msr_rule msr_rules[] = {
	/* Intel and AMD. */
	{ 0x00000017, 0x00000017, 0, MSR_RO, "IA32_PLATFORM_ID" },
	{ 0x00000079, 0x00000079, 0, 0, "IA32_BIOS_UPDT_TRIG: no microcode" },
	{ 0x0000008b, 0x0000008b, 0, 0, "IA32_BIOS_SIGN_ID: revision 0" },
	{ 0x00000179, 0x00000179, 0, MSR_RO, "IA32_MCG_CAP: no banks" },
	{ 0x0000017a, 0x0000017a, 0, 0, "IA32_MCG_STATUS" },
	/* MTRRs, should KVM refuse them: no ranges, default type WB. */
	{ 0x000000fe, 0x000000fe, 0, MSR_RO, "IA32_MTRRCAP" },
	{ 0x000002ff, 0x000002ff, 0x806, 0, "IA32_MTRR_DEF_TYPE" },
	{ 0x00000200, 0x0000026f, 0, 0, "IA32_MTRR_PHYSBASE/MASK, FIX" },
	/* AMD. */
	{ 0xc0010000, 0xc0010007, 0, 0, "PERF_CTL/PERF_CTR 0-3 (no PMU)" },
	{ 0xc0010015, 0xc0010015, 0, 0, "HWCR" },
	{ 0xc001001f, 0xc001001f, 0, 0, "NB_CFG" },
	{ 0xc0010055, 0xc0010055, 0, 0, "Interrupt Pending / CMP halt" },
	{ 0xc0010061, 0xc0010063, 0, MSR_RO, "P-state limit/control/status" },
	{ 0xc0010112, 0xc0010113, 0, 0, "SMM_ADDR/SMM_MASK" },
	{ 0xc0011020, 0xc0011023, 0, 0, "LS/IC/DC/BU_CFG" },
	{ 0xc0011028, 0xc0011029, 0, 0, "FP_CFG (Zen1 FPDSS), DE_CFG" },
};

static const struct msr_rule *
msr_rule(uint32_t msr)
{
	size_t i;

	for (i = 0; i < sizeof(msr_rules) / sizeof(msr_rules[0]); i++)
		if (msr >= msr_rules[i].first && msr <= msr_rules[i].last)
			return (&msr_rules[i]);
	return (NULL);
}

int
x86_msr_init(struct vm *vm)
{
	if (vmm_check_extension(&vm->kvm, KVM_CAP_X86_USER_SPACE_MSR) <= 0) {
		errno = ENOTSUP;
		return (-1);
	}
	return (vmm_enable_cap(&vm->kvm, KVM_CAP_X86_USER_SPACE_MSR,
	    KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_INVAL, 0));
}

int
x86_rdmsr(struct vm *vm, int vcpuid, uint32_t msr, uint64_t *val)
{
	const struct msr_rule *r = msr_rule(msr);

	(void)vm;
	(void)vcpuid;
	if (r == NULL)
		return (-1);
	*val = r->value;
	return (0);
}

int
x86_wrmsr(struct vm *vm, int vcpuid, uint32_t msr, uint64_t val)
{
	const struct msr_rule *r = msr_rule(msr);

	(void)vm;
	(void)vcpuid;
	(void)val;
	if (r == NULL || (r->flags & MSR_RO) != 0)
		return (-1);
	return (0);
}
