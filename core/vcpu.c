/*
 * core/vcpu.c: vCPU threads (bhyve's fbsdrun_start_thread / vm_loop): one
 * thread per vCPU named "vcpu N", pinned as -p asked, looping on KVM_RUN and
 * the exit table (core/vmexit.c) until the VM is suspended.
 *
 * Kicking follows api.rst's advice for kvm_run.immediate_exit: the kicker
 * sets immediate_exit, then signals the thread.  A vCPU inside KVM_RUN
 * leaves it on the signal; one about to enter it leaves at once because of
 * the flag.  The thread clears the flag after each interrupted KVM_RUN and
 * only then re-reads what it was asked, so no request is lost.  All
 * accesses are sequentially consistent for that argument to hold.
 *
 * Only the main thread sends signals to vCPU threads, and it joins them
 * itself, so no thread is signalled after it has been joined.
 */
#include "core/vcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "core/vmexit.h"
#include "x86/x86.h"

#define RFLAGS_IF	(1u << 9)

static void
vcpu_kick_handler(int sig)
{
	/* Nothing: interrupting KVM_RUN is the whole point. */
	(void)sig;
}

int
vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;
	/* Device I/O on a vCPU thread restarts; KVM_RUN returns EINTR anyway. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return (sigaction(VCPU_KICK_SIGNAL, &sa, NULL));
}

static void
set_immediate_exit(struct vcpu *vc, uint8_t v)
{
	if (vc->v.run != NULL)
		__atomic_store_n(&vc->v.run->immediate_exit, v, __ATOMIC_SEQ_CST);
}

void
vcpu_notify_all(struct vm *vm)
{
	if (vm->vcpus == NULL)
		return;
	for (int i = 0; i < vm->ncpus; i++)
		set_immediate_exit(&vm->vcpus[i], 1);
}

/* Main thread only. */
static void
vcpu_kick(struct vcpu *vc)
{
	set_immediate_exit(vc, 1);
	if (vc->started)
		pthread_kill(vc->thread, VCPU_KICK_SIGNAL);
}

int
vcpus_create(struct vm *vm)
{
	struct vcpu *vc;

	vm->vcpus = calloc((size_t)vm->ncpus, sizeof(*vm->vcpus));
	if (vm->vcpus == NULL) {
		fprintf(stderr, "cannot allocate %d vCPUs\n", vm->ncpus);
		return (-1);
	}
	for (int i = 0; i < vm->ncpus; i++) {
		vc = &vm->vcpus[i];
		vc->vm = vm;
		vc->id = i;
		vc->v.fd = -1;
		if (vmm_vcpu_create(&vm->kvm, i, &vc->v) != 0) {
			fprintf(stderr, "cannot create vCPU %d: %s\n", i,
			    strerror(errno));
			return (-1);
		}
		if (x86_cpuid_setup(vm, &vc->v) != 0) {
			fprintf(stderr, "cannot set the CPUID of vCPU %d\n", i);
			return (-1);
		}
	}
	return (0);
}

/*
 * The answer to the main thread's "are you halted for good?": halted with
 * interrupts off, or an AP that was never started (waiting for INIT/SIPI).
 */
static void
vcpu_answer_halt(struct vcpu *vc, unsigned asked)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;
	bool halted = false;

	if (vmm_get_mp_state(&vc->v, &mp) == 0) {
		switch (mp.mp_state) {
		case KVM_MP_STATE_UNINITIALIZED:
		case KVM_MP_STATE_INIT_RECEIVED:
			halted = vc->id != 0;
			break;
		case KVM_MP_STATE_HALTED:
			halted = vmm_get_regs(&vc->v, &r) == 0 &&
			    (r.rflags & RFLAGS_IF) == 0;
			break;
		}
	}
	atomic_store(&vc->halt_reply, asked << 1 | (halted ? 1u : 0u));
}

static bool
vcpu_should_stop(struct vcpu *vc)
{
	return (atomic_load(&vc->vm->suspended) != VM_RUNNING);
}

static void
vcpu_loop(struct vcpu *vc)
{
	unsigned asked;

	for (;;) {
		if (vcpu_should_stop(vc))
			return;
		asked = atomic_load(&vc->halt_asked);
		if (atomic_load(&vc->halt_reply) >> 1 != asked)
			vcpu_answer_halt(vc, asked);
		if (vmm_vcpu_run(&vc->v) != 0) {
			if (errno == EINTR || errno == EAGAIN) {
				set_immediate_exit(vc, 0);
				continue;
			}
			fprintf(stderr, "vm_run error -1, errno %d\n", errno);
			vm_suspend(vc->vm, VM_SUSPEND_ERROR);
			return;
		}
		if (vmexit_dispatch(vc) != VMEXIT_CONTINUE) {
			vm_suspend(vc->vm, VM_SUSPEND_ERROR);
			return;
		}
	}
}

static void *
vcpu_thread(void *arg)
{
	struct vcpu *vc = arg;
	sigset_t kick;

	/* The main thread blocked everything; only the kick is for us. */
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	vcpu_loop(vc);
	return (NULL);
}

static int
vcpu_start(struct vcpu *vc, cpu_set_t *cpus)
{
	pthread_attr_t attr;
	char name[16];
	int error;

	pthread_attr_init(&attr);
	if (cpus != NULL)
		pthread_attr_setaffinity_np(&attr, sizeof(*cpus), cpus);
	error = pthread_create(&vc->thread, &attr, vcpu_thread, vc);
	pthread_attr_destroy(&attr);
	if (error != 0) {
		fprintf(stderr, "cannot start vCPU %d%s: %s\n", vc->id,
		    cpus != NULL ? " on its pinned host CPUs" : "",
		    strerror(error));
		return (-1);
	}
	vc->started = true;
	snprintf(name, sizeof(name), "vcpu %d", vc->id);
	pthread_setname_np(vc->thread, name);
	return (0);
}

int
vcpus_start(struct vm *vm, cpu_set_t **map)
{
	for (int i = 0; i < vm->ncpus; i++)
		if (vcpu_start(&vm->vcpus[i], map != NULL ? map[i] : NULL) != 0)
			return (-1);
	return (0);
}

void
vcpus_stop(struct vm *vm)
{
	if (vm->vcpus == NULL)
		return;
	/* Callers stop a suspended VM; on error paths make it so. */
	vm_suspend(vm, VM_SUSPEND_ERROR);
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (int i = 0; i < vm->ncpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].started = false;
	}
}

void
vcpus_destroy(struct vm *vm)
{
	struct vcpu *vcpus = vm->vcpus;

	if (vcpus == NULL)
		return;
	vm->vcpus = NULL;
	for (int i = 0; i < vm->ncpus; i++)
		if (vcpus[i].v.fd >= 0)
			vmm_vcpu_close(&vcpus[i].v);
	free(vcpus);
}

void
vcpus_halt_tick(struct vm *vm)
{
	bool all = true;
	unsigned asked, reply;

	if (vm->vcpus == NULL)
		return;
	for (int i = 0; i < vm->ncpus && all; i++) {
		asked = atomic_load(&vm->vcpus[i].halt_asked);
		reply = atomic_load(&vm->vcpus[i].halt_reply);
		all = asked != 0 && reply == (asked << 1 | 1u);
	}
	if (all) {
		vm_suspend(vm, VM_SUSPEND_HALT);
		return;
	}
	for (int i = 0; i < vm->ncpus; i++) {
		atomic_fetch_add(&vm->vcpus[i].halt_asked, 1);
		vcpu_kick(&vm->vcpus[i]);
	}
}

static void
dump_seg(FILE *fp, const char *name, const struct kvm_segment *s)
{
	fprintf(fp, "\t%s\t\tsel 0x%04x base 0x%016llx limit 0x%08x type %u "
	    "dpl %u p %u db %u l %u g %u\n", name, s->selector,
	    (unsigned long long)s->base, s->limit, s->type, s->dpl, s->present,
	    s->db, s->l, s->g);
}

void
vcpu_dump(struct vcpu *vc, FILE *fp)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (vmm_get_regs(&vc->v, &r) == 0) {
		fprintf(fp, "\trip\t\t0x%016llx\n\trflags\t\t0x%016llx\n",
		    r.rip, r.rflags);
		fprintf(fp, "\trax 0x%016llx rbx 0x%016llx rcx 0x%016llx "
		    "rdx 0x%016llx\n", r.rax, r.rbx, r.rcx, r.rdx);
		fprintf(fp, "\trsi 0x%016llx rdi 0x%016llx rbp 0x%016llx "
		    "rsp 0x%016llx\n", r.rsi, r.rdi, r.rbp, r.rsp);
		fprintf(fp, "\tr8  0x%016llx r9  0x%016llx r10 0x%016llx "
		    "r11 0x%016llx\n", r.r8, r.r9, r.r10, r.r11);
		fprintf(fp, "\tr12 0x%016llx r13 0x%016llx r14 0x%016llx "
		    "r15 0x%016llx\n", r.r12, r.r13, r.r14, r.r15);
	}
	if (vmm_get_sregs(&vc->v, &s) == 0) {
		fprintf(fp, "\tcr0 0x%016llx cr2 0x%016llx cr3 0x%016llx "
		    "cr4 0x%016llx efer 0x%llx\n", s.cr0, s.cr2, s.cr3, s.cr4,
		    s.efer);
		dump_seg(fp, "cs", &s.cs);
		dump_seg(fp, "ds", &s.ds);
		dump_seg(fp, "ss", &s.ss);
		dump_seg(fp, "tr", &s.tr);
		fprintf(fp, "\tgdt\t\tbase 0x%016llx limit 0x%04x\n",
		    (unsigned long long)s.gdt.base, s.gdt.limit);
		fprintf(fp, "\tidt\t\tbase 0x%016llx limit 0x%04x\n",
		    (unsigned long long)s.idt.base, s.idt.limit);
	}
}
