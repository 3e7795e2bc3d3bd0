/*
 * core/mevent.c: the event loop (bhyve's mevent.c) on epoll.  The main
 * thread sleeps in epoll_wait and runs callbacks; an eventfd lets any
 * thread wake it (vm_suspend does).  No timeouts, no polling: the loop
 * only wakes for an fd.
 *
 * Each fd has one registration holding a read callback and a one-shot
 * write callback; epoll's interest is their union.  Epoll events carry the
 * fd, and the registration is looked up again under the lock, so a callback
 * may delete any fd (its own included) without leaving a dangling pointer.
 */
#include "core/mevent.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/vm.h"

#define MEVENT_BATCH	16

struct mevent_reg {
	int		fd;
	mevent_cb	rd, wr;
	void		*rd_arg, *wr_arg;
};

struct mevent {
	int		epfd;
	int		wakefd;
	/* Guards regs/n/cap: devices may add or delete from vCPU threads. */
	pthread_mutex_t	lock;
	struct mevent_reg *regs;
	size_t		n, cap;
};

int
mevent_init(struct vm *vm)
{
	struct mevent *me;
	struct epoll_event ev = { .events = EPOLLIN };

	me = calloc(1, sizeof(*me));
	if (me == NULL)
		return (-1);
	pthread_mutex_init(&me->lock, NULL);
	me->epfd = epoll_create1(EPOLL_CLOEXEC);
	me->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.fd = me->wakefd;
	if (me->epfd < 0 || me->wakefd < 0 ||
	    epoll_ctl(me->epfd, EPOLL_CTL_ADD, me->wakefd, &ev) != 0) {
		if (me->epfd >= 0)
			close(me->epfd);
		if (me->wakefd >= 0)
			close(me->wakefd);
		free(me);
		return (-1);
	}
	vm->events = me;
	return (0);
}

void
mevent_fini(struct vm *vm)
{
	struct mevent *me = vm->events;

	if (me == NULL)
		return;
	vm->events = NULL;
	close(me->epfd);
	close(me->wakefd);
	pthread_mutex_destroy(&me->lock);
	free(me->regs);
	free(me);
}

static struct mevent_reg *
reg_find(struct mevent *me, int fd)
{
	for (size_t i = 0; i < me->n; i++)
		if (me->regs[i].fd == fd)
			return (&me->regs[i]);
	return (NULL);
}

static struct mevent_reg *
reg_get(struct mevent *me, int fd)
{
	struct mevent_reg *r = reg_find(me, fd), *nr;

	if (r != NULL)
		return (r);
	if (me->n == me->cap) {
		nr = realloc(me->regs, (me->cap ? me->cap * 2 : 8) * sizeof(*nr));
		if (nr == NULL)
			return (NULL);
		me->regs = nr;
		me->cap = me->cap ? me->cap * 2 : 8;
	}
	r = &me->regs[me->n++];
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	return (r);
}

static void
reg_drop(struct mevent *me, struct mevent_reg *r)
{
	*r = me->regs[--me->n];
}

/* Tells epoll what r now wants; called with the lock held. */
static int
reg_sync(struct mevent *me, struct mevent_reg *r, bool existed)
{
	struct epoll_event ev = { .data.fd = r->fd };

	if (r->rd != NULL)
		ev.events |= EPOLLIN;
	if (r->wr != NULL)
		ev.events |= EPOLLOUT;
	if (ev.events == 0) {
		reg_drop(me, r);
		return (epoll_ctl(me->epfd, EPOLL_CTL_DEL, ev.data.fd, NULL));
	}
	return (epoll_ctl(me->epfd, existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    r->fd, &ev));
}

static int
mevent_set(struct vm *vm, int fd, bool write, mevent_cb cb, void *arg)
{
	struct mevent *me = vm->events;
	struct mevent_reg *r;
	bool existed;
	int error = 0;

	if (fd < 0 || cb == NULL || fd == me->wakefd) {
		errno = EINVAL;
		return (-1);
	}
	pthread_mutex_lock(&me->lock);
	existed = reg_find(me, fd) != NULL;
	r = reg_get(me, fd);
	if (r == NULL) {
		error = ENOMEM;
	} else {
		if (write) {
			r->wr = cb;
			r->wr_arg = arg;
		} else {
			r->rd = cb;
			r->rd_arg = arg;
		}
		if (reg_sync(me, r, existed) != 0) {
			error = errno;
			if (!existed && (r = reg_find(me, fd)) != NULL)
				reg_drop(me, r);
		}
	}
	pthread_mutex_unlock(&me->lock);
	if (error != 0) {
		errno = error;
		return (-1);
	}
	return (0);
}

int
mevent_add(struct vm *vm, int fd, mevent_cb cb, void *arg)
{
	return (mevent_set(vm, fd, false, cb, arg));
}

int
mevent_add_write(struct vm *vm, int fd, mevent_cb cb, void *arg)
{
	return (mevent_set(vm, fd, true, cb, arg));
}

int
mevent_del(struct vm *vm, int fd)
{
	struct mevent *me = vm->events;
	struct mevent_reg *r;
	int error = 0;

	pthread_mutex_lock(&me->lock);
	r = reg_find(me, fd);
	if (r == NULL) {
		error = ENOENT;
	} else {
		reg_drop(me, r);
		if (epoll_ctl(me->epfd, EPOLL_CTL_DEL, fd, NULL) != 0)
			error = errno;
	}
	pthread_mutex_unlock(&me->lock);
	if (error != 0) {
		errno = error;
		return (-1);
	}
	return (0);
}

void
mevent_wakeup(struct vm *vm)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: a wakeup is pending. */
	(void)!write(vm->events->wakefd, &one, sizeof(one));
}

/*
 * Takes the callback an event asks for out of the registration (the write
 * one is one-shot), under the lock; it runs after the lock is released.
 */
static mevent_cb
mevent_take(struct mevent *me, int fd, uint32_t events, bool write,
    void **arg)
{
	struct mevent_reg *r;
	mevent_cb cb = NULL;

	pthread_mutex_lock(&me->lock);
	r = reg_find(me, fd);
	if (r != NULL && !write && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		cb = r->rd;
		*arg = r->rd_arg;
	} else if (r != NULL && write && r->wr != NULL &&
	    (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
		cb = r->wr;
		*arg = r->wr_arg;
		r->wr = NULL;
		(void)reg_sync(me, r, true);
	}
	pthread_mutex_unlock(&me->lock);
	return (cb);
}

/* Write first, then read, each looked up afresh: either may delete fd. */
static void
mevent_handle(struct mevent *me, const struct epoll_event *ev)
{
	mevent_cb cb;
	void *arg = NULL;
	uint64_t cnt;

	if (ev->data.fd == me->wakefd) {
		(void)!read(me->wakefd, &cnt, sizeof(cnt));
		return;
	}
	if ((cb = mevent_take(me, ev->data.fd, ev->events, true, &arg)) != NULL)
		cb(ev->data.fd, arg);
	if ((cb = mevent_take(me, ev->data.fd, ev->events, false, &arg)) != NULL)
		cb(ev->data.fd, arg);
}

void
mevent_dispatch(struct vm *vm)
{
	struct mevent *me = vm->events;
	struct epoll_event evs[MEVENT_BATCH];
	int n;

	while (atomic_load(&vm->suspended) == VM_RUNNING) {
		n = epoll_wait(me->epfd, evs, MEVENT_BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mevent: epoll_wait: %s\n", strerror(errno));
			vm_suspend(vm, VM_SUSPEND_ERROR);
			return;
		}
		for (int i = 0; i < n; i++) {
			mevent_handle(me, &evs[i]);
			if (atomic_load(&vm->suspended) != VM_RUNNING)
				return;
		}
	}
}
