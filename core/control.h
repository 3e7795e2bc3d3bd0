/*
 * The running VM's control socket (RUNDIR/NAME/ctl, core/vmname.h): a
 * UNIX stream socket, owner-only, served on the event loop.  A client
 * sends one request line and reads the answer until end of file:
 *
 *   stats      "NAME VALUE" lines: VM exits to user space by reason
 *   reset      stops the guest as a reboot would (khyve exits 0)
 *   poweroff   stops the guest as a power-off would (khyve exits 1)
 *
 * An answer that is an error starts with "error: ".
 */
#ifndef KHYVE_CORE_CONTROL_H
#define KHYVE_CORE_CONTROL_H

#include <stddef.h>

struct vm;
struct control;

/* Binds the socket in the VM's directory; NULL with a message printed. */
struct control *control_start(struct vm *vm, int dirfd);
/* Removes the socket. */
void control_stop(struct vm *vm, struct control *c);

/*
 * Client side (khyvectl): sends req to the VM whose directory is dirfd and
 * returns the answer (malloc'd, NUL-terminated) or NULL with errno set.
 */
char *control_request(int dirfd, const char *req);

#endif
