/*
 * core/vmexit.c: what each KVM exit reason means to khyve, as a table built
 * with designated initialisers in the shape of the seeds' vmexit_handlers[]
 * (illumos bhyverun.c: vmexit_inout, vmexit_rdmsr, vmexit_wrmsr,
 * vmexit_suspend).  Exit reasons and kvm_run fields: the kernel's
 * Documentation/virt/kvm/api.rst, section "The kvm_run structure".
 *
 * Everything in kvm_run is written by the kernel on behalf of the guest, so
 * sizes and offsets are checked before use.
 */
#include "core/vmexit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/inout.h"
#include "core/mmio.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "x86/x86.h"

typedef int (*vmexit_handler_t)(struct vcpu *vc, struct kvm_run *run);

static uint64_t
vcpu_rip(struct vcpu *vc)
{
	struct kvm_regs r;

	return (vmm_get_regs(&vc->v, &r) == 0 ? r.rip : 0);
}

static char
io_width(int bytes)
{
	return (bytes == 1 ? 'b' : (bytes == 2 ? 'w' : 'l'));
}

/* One port access, or each element of a rep ins/outs. */
static int
vmexit_inout(struct vcpu *vc, struct kvm_run *run)
{
	bool in = run->io.direction == KVM_EXIT_IO_IN;
	int bytes = run->io.size;
	uint64_t total, off = run->io.data_offset;
	uint8_t *data = (uint8_t *)run;
	uint32_t val;

	total = (uint64_t)run->io.count * (uint64_t)bytes;
	if ((bytes != 1 && bytes != 2 && bytes != 4) ||
	    off > (uint64_t)vc->v.run_size || total > vc->v.run_size - off) {
		fprintf(stderr, "vcpu %d: malformed I/O exit (port 0x%04x, "
		    "size %d, count %u)\n", vc->id, run->io.port, bytes,
		    run->io.count);
		return (VMEXIT_ABORT);
	}
	for (uint32_t i = 0; i < run->io.count; i++) {
		val = 0;
		if (!in)
			memcpy(&val, data + off + i * bytes, bytes);
		if (inout_dispatch(vc->vm, vc->id, in, run->io.port, bytes,
		    &val) != 0) {
			fprintf(stderr, "Unhandled %s%c 0x%04x at 0x%llx\n",
			    in ? "in" : "out", io_width(bytes), run->io.port,
			    (unsigned long long)vcpu_rip(vc));
			return (VMEXIT_ABORT);
		}
		if (in)
			memcpy(data + off + i * bytes, &val, bytes);
	}
	return (VMEXIT_CONTINUE);
}

static int
vmexit_mmio(struct vcpu *vc, struct kvm_run *run)
{
	uint64_t val = 0;
	uint32_t len = run->mmio.len;

	if (len != 1 && len != 2 && len != 4 && len != 8) {
		fprintf(stderr, "vcpu %d: malformed MMIO exit at 0x%llx (len %u)\n",
		    vc->id, (unsigned long long)run->mmio.phys_addr, len);
		return (VMEXIT_ABORT);
	}
	if (run->mmio.is_write)
		memcpy(&val, run->mmio.data, len);
	if (mmio_dispatch(vc->vm, vc->id, run->mmio.is_write,
	    run->mmio.phys_addr, (int)len, &val) != 0) {
		fprintf(stderr, "Unhandled memory access to 0x%llx\n",
		    (unsigned long long)run->mmio.phys_addr);
		return (VMEXIT_ABORT);
	}
	if (!run->mmio.is_write)
		memcpy(run->mmio.data, &val, len);
	return (VMEXIT_CONTINUE);
}

/*
 * KVM sends us only the MSRs x86_msr_init() asked for.  Unknown ones are
 * reported as the seed does; with strict MSRs (no -w) the guest gets #GP
 * (kvm_run.msr.error makes KVM inject it), else reads 0 / drops the write.
 */
static int
vmexit_rdmsr(struct vcpu *vc, struct kvm_run *run)
{
	uint64_t val = 0;

	if (x86_rdmsr(vc->vm, vc->id, run->msr.index, &val) != 0) {
		fprintf(stderr, "rdmsr to register %#x on vcpu %d\n",
		    run->msr.index, vc->id);
		if (vc->vm->strictmsr) {
			run->msr.error = 1;
			return (VMEXIT_CONTINUE);
		}
		val = 0;
	}
	run->msr.error = 0;
	run->msr.data = val;
	return (VMEXIT_CONTINUE);
}

static int
vmexit_wrmsr(struct vcpu *vc, struct kvm_run *run)
{
	run->msr.error = 0;
	if (x86_wrmsr(vc->vm, vc->id, run->msr.index, run->msr.data) != 0) {
		fprintf(stderr, "wrmsr to register %#x(%#llx) on vcpu %d\n",
		    run->msr.index, (unsigned long long)run->msr.data, vc->id);
		if (vc->vm->strictmsr)
			run->msr.error = 1;
	}
	return (VMEXIT_CONTINUE);
}

/*
 * A triple fault: KVM reports the shutdown cycle.  The registers go to
 * stderr, since a guest that dies this way leaves no other trace.
 */
static int
vmexit_shutdown(struct vcpu *vc, struct kvm_run *run)
{
	(void)run;
	fprintf(stderr, "vcpu %d: triple fault\n", vc->id);
	vcpu_dump(vc, stderr);
	vm_suspend(vc->vm, VM_SUSPEND_TRIPLEFAULT);
	return (VMEXIT_CONTINUE);
}

static int
vmexit_system_event(struct vcpu *vc, struct kvm_run *run)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_suspend(vc->vm, VM_SUSPEND_POWEROFF);
		return (VMEXIT_CONTINUE);
	case KVM_SYSTEM_EVENT_RESET:
		vm_suspend(vc->vm, VM_SUSPEND_RESET);
		return (VMEXIT_CONTINUE);
	default:
		fprintf(stderr, "vcpu %d: system event %u\n", vc->id,
		    run->system_event.type);
		return (VMEXIT_ABORT);
	}
}

/*
 * Only seen without an in-kernel LAPIC (never, as we always create one):
 * re-entering lets KVM wait for the next interrupt.  -H (x86.vmexit_on_hlt)
 * and -P (x86.vmexit_on_pause) have no effect on KVM, which handles HLT and
 * PAUSE itself.
 */
static int
vmexit_hlt(struct vcpu *vc, struct kvm_run *run)
{
	(void)vc;
	(void)run;
	return (VMEXIT_CONTINUE);
}

static void
dump_header(struct vcpu *vc, const char *reason, uint32_t code)
{
	fprintf(stderr, "vm exit[%d]\n", vc->id);
	fprintf(stderr, "\treason\t\t%s (%u)\n", reason, code);
}

static int
vmexit_internal_error(struct vcpu *vc, struct kvm_run *run)
{
	uint32_t n = run->internal.ndata;

	dump_header(vc, "INTERNAL_ERROR", run->exit_reason);
	fprintf(stderr, "\tsuberror\t%u\n", run->internal.suberror);
	if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	for (uint32_t i = 0; i < n; i++)
		fprintf(stderr, "\tdata[%u]\t\t0x%016llx\n", i,
		    (unsigned long long)run->internal.data[i]);
	vcpu_dump(vc, stderr);
	return (VMEXIT_ABORT);
}

static int
vmexit_fail_entry(struct vcpu *vc, struct kvm_run *run)
{
	dump_header(vc, "FAIL_ENTRY", run->exit_reason);
	fprintf(stderr, "\thw reason\t0x%llx\n",
	    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	vcpu_dump(vc, stderr);
	return (VMEXIT_ABORT);
}

static const vmexit_handler_t vmexit_handlers[] = {
	[KVM_EXIT_IO]		= vmexit_inout,
	[KVM_EXIT_MMIO]		= vmexit_mmio,
	[KVM_EXIT_X86_RDMSR]	= vmexit_rdmsr,
	[KVM_EXIT_X86_WRMSR]	= vmexit_wrmsr,
	[KVM_EXIT_SHUTDOWN]	= vmexit_shutdown,
	[KVM_EXIT_SYSTEM_EVENT]	= vmexit_system_event,
	[KVM_EXIT_HLT]		= vmexit_hlt,
	[KVM_EXIT_INTERNAL_ERROR] = vmexit_internal_error,
	[KVM_EXIT_FAIL_ENTRY]	= vmexit_fail_entry,
};

int
vmexit_dispatch(struct vcpu *vc)
{
	struct kvm_run *run = vc->v.run;
	uint32_t reason = run->exit_reason;

	atomic_fetch_add_explicit(&vc->exits[reason < VCPU_EXIT_REASONS ?
	    reason : VCPU_EXIT_REASONS - 1], 1, memory_order_relaxed);
	if (reason >= sizeof(vmexit_handlers) / sizeof(vmexit_handlers[0]) ||
	    vmexit_handlers[reason] == NULL) {
		fprintf(stderr, "vm_loop: unexpected exitcode 0x%x\n", reason);
		dump_header(vc, "unknown", reason);
		vcpu_dump(vc, stderr);
		return (VMEXIT_ABORT);
	}
	return (vmexit_handlers[reason](vc, run));
}
