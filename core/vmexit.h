/*
 * The VM-exit dispatch table (the seeds' vmexit_handlers[]), used by each
 * vCPU thread after KVM_RUN returns.
 */
#ifndef KHYVE_CORE_VMEXIT_H
#define KHYVE_CORE_VMEXIT_H

struct vcpu;

enum {
	VMEXIT_CONTINUE,	/* re-enter the guest */
	VMEXIT_ABORT,		/* message printed; the VM stops with status 4 */
};

/* Handles vc->v.run->exit_reason; VMEXIT_CONTINUE or VMEXIT_ABORT. */
int vmexit_dispatch(struct vcpu *vc);

#endif
