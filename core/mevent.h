/*
 * The event loop (bhyve's mevent.c): one epoll thread — the main thread —
 * with a callback per fd.  Devices add their backend fds (a tty, a socket);
 * callbacks run on the main thread, never on a vCPU thread.
 */
#ifndef KHYVE_CORE_MEVENT_H
#define KHYVE_CORE_MEVENT_H

struct vm;

typedef void (*mevent_cb)(int fd, void *arg);

int mevent_init(struct vm *vm);
void mevent_fini(struct vm *vm);
/* Calls cb on the main thread whenever fd is readable. */
int mevent_add(struct vm *vm, int fd, mevent_cb cb, void *arg);
/* Calls cb once fd is writable (one-shot; add again to wait again). */
int mevent_add_write(struct vm *vm, int fd, mevent_cb cb, void *arg);
int mevent_del(struct vm *vm, int fd);
/* Runs callbacks until vm_suspend() has been called. Safe to wake from any thread. */
void mevent_dispatch(struct vm *vm);
void mevent_wakeup(struct vm *vm);

#endif
