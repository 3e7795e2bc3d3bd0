/*
 * The 16550A: the register model (devices/uart_16550.h) as Linux's 8250
 * driver probes and drives it, then the device through the port registry
 * with real backends (a pty, a TCP client) and the core's event loop.  No
 * KVM: the interrupt line goes to a VM fd of -1, which the model tests
 * cover instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "core/inout.h"
#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/uart_16550.h"
#include "tests/unit/t.h"
#include "x86/platform.h"

static struct uart_regs u;

static void
fresh(void)
{
	uart_regs_reset(&u);
}

static uint8_t
rd(int reg)
{
	return (uart_regs_read(&u, reg));
}

static int
wr(int reg, uint8_t v)
{
	return (uart_regs_write(&u, reg, v));
}

static void
test_divisor_latch(void)
{
	fresh();
	wr(UART_LCR, LCR_DLAB | 0x03);
	wr(UART_RBR, 0x0c);		/* 9600 baud */
	wr(UART_IER, 0x00);
	T_CHECK(rd(UART_RBR) == 0x0c);
	T_CHECK(rd(UART_IER) == 0x00);
	wr(UART_LCR, 0x03);
	T_CHECK(rd(UART_LCR) == 0x03);
	/* With DLAB clear the same offsets are THR/IER again. */
	wr(UART_IER, IER_ERDAI);
	T_CHECK(rd(UART_IER) == IER_ERDAI);
	T_CHECK(wr(UART_RBR, 'x') == 'x');
	wr(UART_LCR, LCR_DLAB);
	T_CHECK(rd(UART_RBR) == 0x0c);
	T_CHECK(rd(UART_IER) == 0x00);	/* DLM untouched by the IER write */
	T_CHECK(wr(UART_RBR, 0x01) == -1);	/* a DLL write transmits nothing */
}

/* What serial8250's autoconfig() checks before calling it a 16550A. */
static void
test_linux_autoconfig(void)
{
	fresh();
	wr(UART_SCR, 0xa5);
	T_CHECK(rd(UART_SCR) == 0xa5);
	wr(UART_IER, 0x00);
	T_CHECK(rd(UART_IER) == 0x00);
	wr(UART_IER, 0x0f);
	T_CHECK(rd(UART_IER) == 0x0f);
	wr(UART_IER, 0xff);		/* the XScale UUE probe: bit 6 must not stick */
	T_CHECK(rd(UART_IER) == 0x0f);
	wr(UART_IER, 0x00);
	wr(UART_MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	T_CHECK((rd(UART_MSR) & 0xf0) == (MSR_DCD | MSR_CTS));
	wr(UART_MCR, 0);
	wr(UART_IIR, FCR_ENABLE);
	T_CHECK((rd(UART_IIR) >> 6) == 3);	/* FIFOs work: 16550A */
	wr(UART_LCR, 0xbf);			/* EFR probe reads IIR here */
	T_CHECK(rd(UART_IIR) != 0);
	wr(UART_LCR, 0x03);
	wr(UART_IIR, 0);
	T_CHECK((rd(UART_IIR) & IIR_FIFO_ON) == 0);
}

static void
test_fifo_and_overrun(void)
{
	int i;

	fresh();
	wr(UART_IIR, FCR_ENABLE | 0xc0);
	T_CHECK(uart_regs_rx_space(&u) == 16);
	for (i = 0; i < 16; i++)
		T_CHECK(uart_regs_rx(&u, (uint8_t)('a' + i)) == 0);
	T_CHECK(uart_regs_rx_space(&u) == 0);
	T_CHECK(uart_regs_rx(&u, 'X') == -1);
	T_CHECK(rd(UART_LSR) == (LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT));
	T_CHECK(rd(UART_LSR) == (LSR_DR | LSR_THRE | LSR_TEMT));	/* OE cleared */
	for (i = 0; i < 16; i++)
		T_CHECK(rd(UART_RBR) == 'a' + i);
	T_CHECK((rd(UART_LSR) & LSR_DR) == 0);
	T_CHECK(rd(UART_RBR) == 0);		/* empty FIFO reads harmlessly */

	/* FCR RX reset empties it; switching FIFOs off leaves one byte. */
	uart_regs_rx(&u, '1');
	uart_regs_rx(&u, '2');
	wr(UART_IIR, FCR_ENABLE | FCR_RX_RESET);
	T_CHECK((rd(UART_LSR) & LSR_DR) == 0);
	wr(UART_IIR, 0);
	T_CHECK(uart_regs_rx_space(&u) == 1);
	T_CHECK(uart_regs_rx(&u, 'a') == 0);
	T_CHECK(uart_regs_rx(&u, 'b') == -1);
	T_CHECK(rd(UART_RBR) == 'a');
}

static void
test_rx_trigger(void)
{
	fresh();
	wr(UART_IER, IER_ERDAI);
	wr(UART_IIR, FCR_ENABLE | 0x40);	/* trigger at 4 */
	T_CHECK(rd(UART_IIR) == (IIR_NOPEND | IIR_FIFO_ON));
	uart_regs_rx(&u, 'a');
	T_CHECK(rd(UART_IIR) == (IIR_TIMEOUT | IIR_FIFO_ON));
	uart_regs_rx(&u, 'b');
	uart_regs_rx(&u, 'c');
	uart_regs_rx(&u, 'd');
	T_CHECK(rd(UART_IIR) == (IIR_RDA | IIR_FIFO_ON));
	T_CHECK(uart_regs_irq(&u));
	while (rd(UART_LSR) & LSR_DR)
		(void)rd(UART_RBR);
	T_CHECK(!uart_regs_irq(&u));
}

/* The THRE rules the 8250 driver's startup test (UART_BUG_THRE) relies on. */
static void
test_thre_semantics(void)
{
	fresh();
	T_CHECK(!uart_regs_irq(&u));
	wr(UART_IER, IER_ETHREI);		/* THR empty: interrupt at once */
	T_CHECK(uart_regs_irq(&u));
	T_CHECK((rd(UART_IIR) & 0x0f) == IIR_THRE);
	T_CHECK(!uart_regs_irq(&u));		/* IIR read acknowledged it */
	T_CHECK((rd(UART_IIR) & 0x0f) == IIR_NOPEND);
	wr(UART_IER, 0);
	wr(UART_IER, IER_ETHREI);		/* re-enabling re-arms */
	T_CHECK((rd(UART_IIR) & 0x0f) == IIR_THRE);
	T_CHECK(wr(UART_RBR, 'z') == 'z');	/* a write re-arms too */
	T_CHECK(uart_regs_irq(&u));
	T_CHECK(rd(UART_LSR) & LSR_TEMT);
	wr(UART_IER, 0);			/* disabling lowers the line */
	T_CHECK(!uart_regs_irq(&u));
}

static void
test_iir_priorities(void)
{
	fresh();
	wr(UART_IIR, FCR_ENABLE);
	wr(UART_MCR, MCR_LOOP);
	wr(UART_MCR, MCR_LOOP | MCR_DTR);	/* DDSR delta */
	uart_regs_rx(&u, 'a');
	u.lsr_err |= LSR_BI;			/* a break arrived with it */
	wr(UART_IER, 0x0f);
	T_CHECK(rd(UART_IIR) == (IIR_RLS | IIR_FIFO_ON));
	T_CHECK(rd(UART_LSR) & (LSR_BI | LSR_FIFOERR));
	T_CHECK(rd(UART_IIR) == (IIR_RDA | IIR_FIFO_ON));
	T_CHECK(rd(UART_RBR) == 'a');
	T_CHECK(rd(UART_IIR) == (IIR_THRE | IIR_FIFO_ON));
	T_CHECK(rd(UART_IIR) == (IIR_MSR | IIR_FIFO_ON));
	T_CHECK(rd(UART_MSR) & MSR_DDSR);
	T_CHECK(rd(UART_IIR) == (IIR_NOPEND | IIR_FIFO_ON));
	T_CHECK(!uart_regs_irq(&u));
}

static void
test_loopback(void)
{
	fresh();
	T_CHECK(rd(UART_MSR) == (MSR_DCD | MSR_DSR | MSR_CTS));
	wr(UART_MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
	/* CTS/DSR/DCD were already up; RI rising is no event (TERI is
	 * its trailing edge). */
	T_CHECK(rd(UART_MSR) == (MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD));
	wr(UART_MCR, MCR_LOOP);
	T_CHECK(rd(UART_MSR) == (MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD));
	T_CHECK(rd(UART_MSR) == 0);
	T_CHECK(wr(UART_RBR, 'q') == -1);	/* nothing leaves the chip */
	T_CHECK(rd(UART_LSR) & LSR_DR);
	T_CHECK(rd(UART_RBR) == 'q');
	wr(UART_MCR, 0);
	T_CHECK(wr(UART_RBR, 'q') == 'q');
}

static void
test_irq_transitions(void)
{
	fresh();
	wr(UART_IIR, FCR_ENABLE);
	wr(UART_IER, IER_ERDAI | IER_ELSI);
	T_CHECK(!uart_regs_irq(&u));
	uart_regs_rx(&u, '!');
	T_CHECK(uart_regs_irq(&u));
	(void)rd(UART_RBR);
	T_CHECK(!uart_regs_irq(&u));
	/* A full FIFO's overrun raises the line until LSR is read. */
	while (uart_regs_rx(&u, 'x') == 0)
		;
	T_CHECK((rd(UART_IIR) & 0x0f) == IIR_RLS);
	(void)rd(UART_LSR);
	T_CHECK((rd(UART_IIR) & 0x0f) == IIR_RDA);
	wr(UART_IER, 0);
	T_CHECK(!uart_regs_irq(&u));
	/* Wide or odd accesses of the model's registers cannot go wrong. */
	T_CHECK(uart_regs_read(&u, 9) == 0xff);
	T_CHECK(uart_regs_write(&u, -1, 0) == -1);
}

/* ---- the device with backends, through the port registry ---- */

struct machine {
	struct vm	vm;
	pthread_t	loop;
};

/*
 * Static, and never torn down: devices have no fini, so their state stays
 * reachable through these machines' registries (no leak reports).
 */
static struct machine m_pty, m_tcp, m_err;

static void
machine_new(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	m->vm.kvm.kvm_fd = m->vm.kvm.vm_fd = -1;
	atomic_store(&m->vm.suspended, VM_RUNNING);
	T_CHECK(inout_init(&m->vm) == 0);
	T_CHECK(mevent_init(&m->vm) == 0);
}

static void *
loop_main(void *arg)
{
	mevent_dispatch(arg);
	return (NULL);
}

static void
machine_start(struct machine *m)
{
	pthread_create(&m->loop, NULL, loop_main, &m->vm);
}

static void
machine_stop(struct machine *m)
{
	vm_suspend(&m->vm, VM_SUSPEND_POWEROFF);
	pthread_join(m->loop, NULL);
}

static int
com1_init(struct machine *m, const char *path)
{
	init_config();
	if (path != NULL)
		set_config_value("lpc.com1.path", path);
	else
		create_config_node("lpc.com1");
	return (device_find("com1", DEV_LPC)->init(&m->vm,
	    find_config_node("lpc.com1")));
}

static uint8_t
io_in(struct machine *m, int reg)
{
	uint32_t v = 0;

	T_CHECK(inout_dispatch(&m->vm, 0, true, COM1_PORT + reg, 1, &v) == 0);
	return ((uint8_t)v);
}

static void
io_out(struct machine *m, int reg, uint8_t b)
{
	uint32_t v = b;

	T_CHECK(inout_dispatch(&m->vm, 0, false, COM1_PORT + reg, 1, &v) == 0);
}

/* Polls LSR for received data for up to a second. */
static bool
wait_rx(struct machine *m)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 1000; i++) {
		if (io_in(m, UART_LSR) & LSR_DR)
			return (true);
		nanosleep(&ts, NULL);
	}
	return (false);
}

static bool
read_exactly(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (poll(&p, 1, 1000) <= 0)
			return (false);
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return (false);
		got += (size_t)n;
	}
	return (true);
}

static void
test_device_pty(void)
{
	struct machine *mp = &m_pty;
	char buf[8] = "";
	int master;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	T_CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	machine_new(mp);
	T_CHECK(com1_init(mp, ptsname(master)) == 0);
	machine_start(mp);

	io_out(mp, UART_RBR, 'o');
	io_out(mp, UART_RBR, 'k');
	T_CHECK(read_exactly(master, buf, 2) && memcmp(buf, "ok", 2) == 0);

	/* More than a FIFO's worth: reading pauses, then resumes. */
	T_CHECK(write(master, "0123456789abcdefghijXYZ", 23) == 23);
	for (int i = 0; i < 23; i++) {
		T_CHECK(wait_rx(mp));
		T_CHECK(io_in(mp, UART_RBR) == "0123456789abcdefghijXYZ"[i]);
	}
	T_CHECK((io_in(mp, UART_LSR) & LSR_OE) == 0);	/* nothing lost */
	/* Wider accesses are ignored. */
	uint32_t v = 0;
	T_CHECK(inout_dispatch(&mp->vm, 0, true, COM1_PORT, 2, &v) == 0);
	T_CHECK(v == 0xffffffff);
	machine_stop(mp);
	vm_run_cleanups(&mp->vm);		/* device teardown under ASan */
	T_CHECK(mevent_del(&mp->vm, master) != 0);
	close(master);
}

static void
test_device_tcp(void)
{
	struct machine *mp = &m_tcp;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char spec[64], buf[8] = "";
	int port, c = -1, c2, i;

	machine_new(mp);
	/* A port of our own; try a few in case one is taken. */
	for (i = 0; i < 20; i++) {
		port = 20000 + (getpid() * 7 + i * 131) % 30000;
		snprintf(spec, sizeof(spec), "tcp=127.0.0.1:%d", port);
		if (com1_init(mp, spec) == 0)
			break;
	}
	T_CHECK(i < 20);
	machine_start(mp);
	io_out(mp, UART_RBR, '-');		/* no client: dropped */

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM, 0);
	T_CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	T_CHECK(write(c, "hi", 2) == 2);
	T_CHECK(wait_rx(mp) && io_in(mp, UART_RBR) == 'h');
	T_CHECK(wait_rx(mp) && io_in(mp, UART_RBR) == 'i');
	io_out(mp, UART_RBR, 'y');
	T_CHECK(read_exactly(c, buf, 1) && buf[0] == 'y');

	/* A second client is turned away while the first is connected. */
	c2 = socket(AF_INET, SOCK_STREAM, 0);
	T_CHECK(connect(c2, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	T_CHECK(!read_exactly(c2, buf, 1));	/* closed on it: EOF */
	close(c2);

	/* After the first leaves, another can come. */
	close(c);
	usleep(50000);
	io_out(mp, UART_RBR, '-');		/* dropped or EPIPE: no crash */
	c = socket(AF_INET, SOCK_STREAM, 0);
	T_CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	/* Output is dropped until the event loop has accepted: retry. */
	for (i = 0; i < 100; i++) {
		io_out(mp, UART_RBR, 'z');
		if (poll(&(struct pollfd){ .fd = c, .events = POLLIN }, 1, 20) == 1)
			break;
	}
	T_CHECK(read_exactly(c, buf, 1) && buf[0] == 'z');
	close(c);
	machine_stop(mp);
	vm_run_cleanups(&mp->vm);
}

static void
test_device_errors(void)
{
	struct machine *mp = &m_err;

	machine_new(mp);
	T_CHECK(com1_init(mp, "bogus") != 0);
	T_CHECK(com1_init(mp, "/nonexistent/tty") != 0);
	T_CHECK(com1_init(mp, "/dev/null") != 0);	/* not a terminal */
	T_CHECK(com1_init(mp, "tcp=nocolon") != 0);
	/* No path: the port exists and swallows output. */
	T_CHECK(com1_init(mp, NULL) == 0);
	io_out(mp, UART_RBR, 'x');
	T_CHECK(io_in(mp, UART_LSR) == (LSR_THRE | LSR_TEMT));
	vm_run_cleanups(&mp->vm);
	T_CHECK(com1_init(mp, NULL) == 0);	/* ports were given back */
	vm_run_cleanups(&mp->vm);
}

/* Only one port may own stdio. */
static struct machine m_stdio;

static void
test_device_stdio_once(void)
{
	struct machine *mp = &m_stdio;

	machine_new(mp);
	init_config();
	set_config_value("lpc.com1.path", "stdio");
	set_config_value("lpc.com2.path", "stdio");
	T_CHECK(device_find("com1", DEV_LPC)->init(&mp->vm,
	    find_config_node("lpc.com1")) == 0);
	T_CHECK(device_find("com2", DEV_LPC)->init(&mp->vm,
	    find_config_node("lpc.com2")) != 0);
	vm_run_cleanups(&mp->vm);
	/* Torn down, stdio is free again. */
	T_CHECK(device_find("com2", DEV_LPC)->init(&mp->vm,
	    find_config_node("lpc.com2")) == 0);
	vm_run_cleanups(&mp->vm);
}

/* Hostile guest: random accesses never break the model's invariants. */
static void
test_random_guest(void)
{
	unsigned seed = 1;
	int i;

	fresh();
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 4 == 0)
			(void)rd((seed >> 8) & 7);
		else if ((seed >> 16) % 4 == 1)
			(void)uart_regs_rx(&u, (uint8_t)seed);
		else
			(void)wr((seed >> 8) & 7, (uint8_t)(seed >> 20));
		T_CHECK(u.rx_count <= UART_FIFO_SIZE && u.rx_head < UART_FIFO_SIZE);
		T_CHECK((u.ier & 0xf0) == 0);
	}
}

int
main(void)
{
	T_RUN(test_divisor_latch);
	T_RUN(test_linux_autoconfig);
	T_RUN(test_fifo_and_overrun);
	T_RUN(test_rx_trigger);
	T_RUN(test_thre_semantics);
	T_RUN(test_iir_priorities);
	T_RUN(test_loopback);
	T_RUN(test_irq_transitions);
	T_RUN(test_device_pty);
	T_RUN(test_device_tcp);
	T_RUN(test_device_errors);
	T_RUN(test_device_stdio_once);
	T_RUN(test_random_guest);
	return (T_DONE());
}
