/*
 * Named VMs that outlive a process (bhyve's vm_create / vm_open /
 * vm_reinit / vm_destroy, which on FreeBSD live in vmm.ko).  On KVM a VM
 * dies with its file descriptor, so a named VM is a directory under the
 * runtime dir:
 *
 *   RUNDIR/NAME/        0700, one per VM
 *     mem               the guest RAM, a file as long as the memory size
 *     boot              the boot CPU state the loader wrote ("prepared")
 *     lock              write-locked (OFD lock) by the process running the
 *                       VM; holds its pid as text
 *     ctl               the running VM's control socket (core/control.c)
 *
 * RUNDIR is $KHYVE_RUNDIR when set (tests), else /run/khyve for root,
 * else $XDG_RUNTIME_DIR/khyve.  khyveload creates and fills a VM, khyve
 * NAME runs it, khyvectl lists and destroys them.  A one-command boot
 * (boot.kernel) uses none of this.
 */
#ifndef KHYVE_CORE_VMNAME_H
#define KHYVE_CORE_VMNAME_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "boot/boot.h"

#define VMNAME_MAX	64	/* bytes, as a file name component */

struct vmname_err {
	char	msg[512];
};

struct vmdir {
	char	name[VMNAME_MAX + 1];
	char	path[PATH_MAX];		/* RUNDIR/NAME, for messages */
	int	dirfd;
	int	lockfd;			/* -1 unless this process runs the VM */
};

/* The state khyveload leaves for khyve NAME (the "boot" file). */
struct vm_bootstate {
	uint64_t	memsize;
	struct boot_cpu	cpu;
};

enum vm_state {
	VMSTATE_CREATED,	/* exists, nothing loaded */
	VMSTATE_PREPARED,	/* loaded, waiting for khyve NAME */
	VMSTATE_RUNNING,	/* a process holds the lock */
};

/* Name rules: 1..VMNAME_MAX bytes, no '/', not "." or "..", printable. */
int vmname_check(const char *name, struct vmname_err *e);
int vmname_rundir(char *buf, size_t len, struct vmname_err *e);

/*
 * vmdir_create makes the directory (and the runtime dir) and fails with
 * errno EEXIST when the VM exists; vmdir_open fails with ENOENT when it
 * does not.  Both leave *d ready for the calls below; vmdir_close.
 */
int vmdir_create(struct vmdir *d, const char *name, struct vmname_err *e);
int vmdir_open(struct vmdir *d, const char *name, struct vmname_err *e);
void vmdir_close(struct vmdir *d);

/* Takes the run lock for this process; fails if another holds it. */
int vmdir_lock(struct vmdir *d, struct vmname_err *e);
/* The pid running the VM, or 0 when none holds the lock. */
pid_t vmdir_owner(const struct vmdir *d);

/*
 * Re-initialises the VM (bhyve's vm_reinit): forgets the boot state and
 * gives it fresh, zeroed RAM of memsize bytes.  Returns the RAM file's
 * descriptor (O_RDWR, close-on-exec) or -1.
 */
int vmdir_reinit(struct vmdir *d, uint64_t memsize, struct vmname_err *e);
/* Opens the RAM file; *size gets its length. */
int vmdir_open_mem(struct vmdir *d, uint64_t *size, struct vmname_err *e);

/* Writes the boot state atomically (a temporary file renamed). */
int vmdir_save_boot(struct vmdir *d, const struct vm_bootstate *bs,
    struct vmname_err *e);
/* 0 and *bs filled, 1 when there is none (not prepared), -1 on error. */
int vmdir_load_boot(struct vmdir *d, struct vm_bootstate *bs,
    struct vmname_err *e);
/* The boot state is used once: a second run needs the loader again. */
void vmdir_forget_boot(struct vmdir *d);

enum vm_state vmdir_state(const struct vmdir *d, pid_t *pid);

/*
 * Removes every file of the VM and its directory.  A running VM is not
 * removed (-1, errno EBUSY): ask it to power off first.
 */
int vmdir_destroy(struct vmdir *d, struct vmname_err *e);

/* Calls fn for every named VM in the runtime dir, in name order. */
int vmdir_foreach(void (*fn)(struct vmdir *d, void *arg), void *arg,
    struct vmname_err *e);

/* Boot state as text, for the file and for tests (pure). */
int vm_bootstate_format(const struct vm_bootstate *bs, char *buf, size_t len);
int vm_bootstate_parse(const char *text, struct vm_bootstate *bs);

#endif
