/*
 * vCPUs (bhyve's vm_loop and fbsdrun_addcpu): one thread per vCPU running
 * KVM_RUN and dispatching each exit through a table indexed by the KVM exit
 * reason.  The main thread starts, kicks, watches and joins them.
 */
#ifndef KHYVE_CORE_VCPU_H
#define KHYVE_CORE_VCPU_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/vmm.h"

struct vm;

/*
 * The signal that kicks a vCPU thread out of KVM_RUN.  Its handler does
 * nothing: the kicker has already set kvm_run.immediate_exit, so a kick
 * that lands just before KVM_RUN is not lost.  A real-time signal, so no
 * device or user shares it (devices/uart_backend.c chains SIGUSR1/2 to
 * restore the terminal).
 */
#define VCPU_KICK_SIGNAL	(SIGRTMIN + 1)

#define VCPU_EXIT_REASONS	64

struct vcpu {
	struct vm	*vm;
	int		id;
	struct vmm_vcpu	v;
	pthread_t	thread;
	bool		started;	/* thread exists (main thread only) */
	/*
	 * Halt detection: the main thread bumps halt_asked and kicks; the
	 * vCPU answers in halt_reply = asked << 1 | halted.
	 */
	_Atomic unsigned halt_asked;
	_Atomic unsigned halt_reply;
	/*
	 * Exits to user space by KVM exit reason (the last slot counts any
	 * larger reason): written by this vCPU's thread only, read by the
	 * control socket's stats (core/control.c).
	 */
	_Atomic uint64_t exits[VCPU_EXIT_REASONS];
};

/* Installs the kick handler; once per process, before any vCPU starts. */
int vcpu_signals_init(void);

/* Creates vm->ncpus KVM vCPUs with their CPUID; no threads yet. */
int vcpus_create(struct vm *vm);
/* Starts one thread per vCPU, pinned per map (entries may be NULL). */
int vcpus_start(struct vm *vm, cpu_set_t **map);
/* Main thread: makes sure the VM is suspended, kicks and joins every thread. */
void vcpus_stop(struct vm *vm);
void vcpus_destroy(struct vm *vm);

/* Any thread: every later KVM_RUN returns at once (vm_suspend uses it). */
void vcpu_notify_all(struct vm *vm);

/*
 * Main thread, called periodically: collects the answers to the last
 * question and asks again.  With the in-kernel LAPIC, KVM never exits on
 * HLT, so this is how a guest's `halt` (every vCPU halted with interrupts
 * off) becomes vm_suspend(VM_SUSPEND_HALT).
 */
void vcpus_halt_tick(struct vm *vm);

/* Prints a register dump of one vCPU (on its own thread). */
void vcpu_dump(struct vcpu *vc, FILE *fp);

#endif
