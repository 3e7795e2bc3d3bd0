/*
 * core/run.c: khyve_run(), the machine's life from bring-up to exit status,
 * in bhyve's order (bhyverun.c main): the VM and its memory, the I/O and
 * event registries, platform then LPC devices, MSR policy, firmware
 * tables, the kernel, the vCPUs; then the main thread runs the event loop
 * until the VM is suspended, stops the vCPUs and returns the seeds' status:
 * 0 reset, 1 power-off, 2 halt, 3 triple fault, 4 error.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread and read from a
 * signalfd on the event loop, so their handling is ordinary code on the
 * main thread.  The first SIGTERM presses the ACPI power button (or powers
 * off when there is none); a second SIGTERM, or a SIGINT, ends the process
 * at once with status 4 through exit(), so the atexit handlers that
 * restore the terminal run.
 */
#include "core/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "boot/boot.h"
#include "config/config.h"
#include "core/control.h"
#include "core/inout.h"
#include "core/mevent.h"
#include "core/mmio.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "core/vmname.h"
#include "devices/device.h"
#include "devices/pci.h"
#include "x86/x86.h"

/* How often the halt detector asks the vCPUs (see vcpus_halt_tick). */
#define HALT_TICK_NS	500000000L

struct run {
	struct vm	vm;
	int		sigfd;
	int		tickfd;
	int		nterm;		/* SIGTERMs received */
	int		failed;		/* a device failed to initialise */

	/* A named VM prepared by khyveload (core/vmname.h); else dir.dirfd < 0. */
	struct vmdir	dir;
	int		memfd;		/* its RAM file, until the VM owns it */
	struct control	*ctl;		/* its control socket while it runs */
	struct vm_bootstate boot;
};

/*
 * Options the exit handlers consult.  -H (x86.vmexit_on_hlt) and -P
 * (x86.vmexit_on_pause) are accepted and ignored: KVM handles HLT and PAUSE
 * in the kernel (HLT waits in the in-kernel LAPIC, PAUSE loops are caught
 * by pause-loop exiting), and neither can be made to reach user space.
 */
static void
read_options(struct vm *vm)
{
	vm->strictio = get_config_bool_default("x86.strictio", false);
	vm->strictmsr = get_config_bool_default("x86.strictmsr", true);
	vm->x2apic = get_config_bool_default("x86.x2apic", false);
}

static void
init_platform(const struct device_emu *d, void *arg)
{
	struct run *r = arg;

	if (!r->failed && d->init(&r->vm, NULL) != 0)
		r->failed = 1;
}

static int
init_lpc(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	struct run *r = arg;
	const struct device_emu *d;

	(void)value;
	/* Values (lpc.fwcfg, lpc.bootrom …) are settings, not devices. */
	if (!is_node)
		return (0);
	d = device_find(name, DEV_LPC);
	if (d == NULL) {
		fprintf(stderr, "unknown lpc device '%s'\n", name);
		return (-1);
	}
	return (d->init(&r->vm, child) != 0 ? -1 : 0);
}

static int
init_devices(struct run *r)
{
	config_node_t *lpc;

	device_foreach(DEV_PLATFORM, init_platform, r);
	if (r->failed)
		return (-1);
	if (pci_init_devices(&r->vm) != 0)
		return (-1);
	lpc = find_config_node("lpc");
	if (lpc != NULL && walk_config_nodes(lpc, init_lpc, r) != 0)
		return (-1);
	return (0);
}

static void
on_signal(int fd, void *arg)
{
	struct run *r = arg;
	struct signalfd_siginfo si;
	struct vm *vm = &r->vm;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGINT || r->nterm++ > 0) {
			/* At once, as asked: atexit handlers restore the tty. */
			exit(4);
		}
		if (vm->power_button != NULL)
			vm->power_button(vm, vm->power_button_arg);
		else
			vm_suspend(vm, VM_SUSPEND_POWEROFF);
	}
}

static void
on_tick(int fd, void *arg)
{
	struct run *r = arg;
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
	vcpus_halt_tick(&r->vm);
}

/* Blocks SIGTERM/SIGINT everywhere (threads inherit the mask) and the kick. */
static int
setup_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, VCPU_KICK_SIGNAL);
	if (pthread_sigmask(SIG_BLOCK, set, NULL) != 0 ||
	    vcpu_signals_init() != 0)
		return (-1);
	sigdelset(set, VCPU_KICK_SIGNAL);
	return (0);
}

static int
setup_main_loop(struct run *r, sigset_t *set)
{
	struct itimerspec its = {
		.it_interval = { .tv_nsec = HALT_TICK_NS },
		.it_value = { .tv_nsec = HALT_TICK_NS },
	};

	r->sigfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	r->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->sigfd < 0 || r->tickfd < 0 ||
	    timerfd_settime(r->tickfd, 0, &its, NULL) != 0 ||
	    mevent_add(&r->vm, r->sigfd, on_signal, r) != 0 ||
	    mevent_add(&r->vm, r->tickfd, on_tick, r) != 0) {
		fprintf(stderr, "cannot set up the event loop: %s\n",
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* named: the boot CPU state khyveload saved, or NULL to boot boot.kernel. */
static int
load_kernel(struct vm *vm, const struct boot_cpu *named)
{
	struct boot_cpu bsp;
	struct boot_err e = { "" };
	uint64_t rsdp = 0;

	if (x86_msr_init(vm) != 0) {
		fprintf(stderr, "cannot set up the MSR policy\n");
		return (-1);
	}
	if (x86_tables_build(vm, &rsdp) != 0) {
		fprintf(stderr, "cannot build the platform tables\n");
		return (-1);
	}
	if (named != NULL)
		bsp = *named;
	else if (boot_from_config(vm, rsdp, &bsp, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return (-1);
	}
	if (vcpus_create(vm) != 0)
		return (-1);
	if (boot_cpu_apply(&vm->vcpus[0].v, &bsp) != 0) {
		fprintf(stderr, "cannot set the boot CPU's registers: %s\n",
		    strerror(errno));
		return (-1);
	}
	return (0);
}

static int
bring_up(struct run *r, const struct run_params *p, sigset_t *set)
{
	struct vm *vm = &r->vm;

	if (vm_create(vm, p->name, p->memsize) != 0)
		return (-1);
	vm->ncpus = p->ncpus;
	vm->sockets = p->sockets;
	vm->cores = p->cores;
	vm->threads = p->threads;
	read_options(vm);
	vm->mem_fd = r->memfd;		/* -1: anonymous memory */
	r->memfd = -1;
	if (vm_setup_memory(vm,
	    get_config_bool_default("memory.wired", false),
	    get_config_bool_default("memory.guest_in_core", false)) != 0)
		return (-1);
	if (inout_init(vm) != 0 || mmio_init(vm) != 0 || mevent_init(vm) != 0) {
		fprintf(stderr, "cannot set up the machine: %s\n",
		    strerror(errno));
		return (-1);
	}
	if (init_devices(r) != 0 ||
	    load_kernel(vm, r->dir.dirfd >= 0 ? &r->boot.cpu : NULL) != 0 ||
	    setup_main_loop(r, set) != 0)
		return (-1);
	return (vcpus_start(vm, p->vcpumap));
}

static void
tear_down(struct run *r)
{
	vcpus_stop(&r->vm);
	vcpus_destroy(&r->vm);
	vm_run_cleanups(&r->vm);
	if (r->sigfd >= 0)
		close(r->sigfd);
	if (r->tickfd >= 0)
		close(r->tickfd);
	mevent_fini(&r->vm);
	mmio_fini(&r->vm);
	inout_fini(&r->vm);
	vm_destroy(&r->vm);
}

/*
 * bhyve's do_open(): without boot.kernel, the VM must have been prepared
 * by khyveload.  Takes its run lock, its RAM file and its boot state (used
 * once: running it again needs the loader again, as after a bhyve reboot).
 * The memory size is the loader's; a different -m is an error.
 */
static int
open_named(struct run *r, const struct run_params *p, uint64_t *memsize)
{
	struct vmname_err e = { "" };
	const char *msize = get_config_value("memory.size");
	int rc;

	if (vmdir_open(&r->dir, p->name, &e) != 0) {
		fprintf(stderr, errno == ENOENT ?
		    "virtual machine cannot be booted\n" : "%s\n", e.msg);
		return (-1);
	}
	if (vmdir_lock(&r->dir, &e) != 0)
		goto fail;
	if ((rc = vmdir_load_boot(&r->dir, &r->boot, &e)) == 1) {
		fprintf(stderr, "virtual machine cannot be booted\n");
		return (-1);
	}
	if (rc != 0 || (r->memfd = vmdir_open_mem(&r->dir, memsize, &e)) < 0)
		goto fail;
	if (*memsize != r->boot.memsize) {
		fprintf(stderr, "%s: its memory is %llu bytes, its boot state "
		    "says %llu; load it again\n", p->name,
		    (unsigned long long)*memsize,
		    (unsigned long long)r->boot.memsize);
		return (-1);
	}
	/* 256M is the default: only a size asked for must match. */
	if (*memsize != p->memsize && msize != NULL &&
	    strcmp(msize, "256M") != 0) {
		fprintf(stderr, "%s: memory size %s differs from the %llu "
		    "bytes khyveload gave it\n", p->name, msize,
		    (unsigned long long)*memsize);
		return (-1);
	}
	vmdir_forget_boot(&r->dir);
	return (0);
fail:
	fprintf(stderr, "%s\n", e.msg);
	return (-1);
}

/* -D: a guest that powers off takes its named VM with it. */
static void
close_named(struct run *r, int status)
{
	struct vmname_err e = { "" };

	if (r->dir.dirfd < 0)
		return;
	if (status == VM_SUSPEND_POWEROFF &&
	    get_config_bool_default("destroy_on_poweroff", false) &&
	    vmdir_destroy(&r->dir, &e) != 0)
		fprintf(stderr, "%s\n", e.msg);
	vmdir_close(&r->dir);
}

int
khyve_run(const struct run_params *p)
{
	struct run_params named = *p;
	struct run *r;
	sigset_t set;
	int status;

	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		fprintf(stderr, "out of memory\n");
		return (4);
	}
	r->sigfd = r->tickfd = r->memfd = -1;
	r->dir.dirfd = r->dir.lockfd = -1;
	/* As bhyve: without a loader's work or firmware there is nothing to run. */
	if (!boot_configured() && open_named(r, p, &named.memsize) != 0) {
		status = 4;
		goto out;
	}
	if (setup_signals(&set) != 0) {
		fprintf(stderr, "cannot set up signals: %s\n", strerror(errno));
		status = 4;
		goto out;
	}
	if (bring_up(r, &named, &set) == 0 && (r->dir.dirfd < 0 ||
	    (r->ctl = control_start(&r->vm, r->dir.dirfd)) != NULL))
		mevent_dispatch(&r->vm);
	else
		vm_suspend(&r->vm, VM_SUSPEND_ERROR);
	vcpus_stop(&r->vm);
	control_stop(&r->vm, r->ctl);
	status = atomic_load(&r->vm.suspended);
	tear_down(r);
out:
	if (r->memfd >= 0)
		close(r->memfd);
	close_named(r, status);
	free(r);
	return (status);
}
