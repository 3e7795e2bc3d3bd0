/*
 * The PCI bus: PCI Local Bus 3.0 chapter 6 (configuration space, BARs,
 * capabilities, 6.8.2 MSI-X), configuration mechanism #1 (3.2.2.3.2) and
 * the PCI Express ECAM layout (PCIe base 7.2.2).  Bus 0 only, as bhyve's
 * default; BARs are placed at start-up (bhyve's pci_emul_alloc_bar) and
 * follow the guest when it moves them.
 *
 * Interrupts: MSI-X vectors leave through one eventfd each, bound by irqfd
 * to a GSI whose KVM route is the guest's address/data pair; INTx is a
 * level line into the IOAPIC, pin 16 + slot % 8 (the DSDT's _PRT says so).
 *
 * Locks: bus->lock guards the config address latch, the GSI routes and
 * the INTx counts; each function's lock guards its config space, BARs and
 * MSI-X state.  Device callbacks run without the bus lock.
 */
#include "devices/pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/inout.h"
#include "core/mmio.h"
#include "core/vm.h"
#include "devices/device.h"
#include "x86/platform.h"
#include "x86/x86.h"

#define PCI_IO_BASE	0x2000
#define PCI_IO_END	0x10000
#define CF8_PORT	0xcf8
#define CFC_PORT	0xcfc
#define NIRQCHIP_GSI	24		/* PIC + IOAPIC pins: KVM's default routes */
#define MAX_MSI_GSI	1024

#define MSIX_CAP_ID	0x11
#define MSIX_ENABLE	0x8000
#define MSIX_FMASK	0x4000
#define MSIX_ENTRY_MASKED 1

struct msix_entry {
	uint32_t	addr_lo, addr_hi, data, ctrl;
	bool		pending;
	int		gsi;
	int		fd;		/* irqfd */
};

struct pci_bar {
	struct pci_dev	*dev;
	int		idx;
	enum pci_bar_type type;
	uint64_t	addr, size;
	bool		mapped;
	uint64_t	mapped_addr;
};

struct pci_dev {
	struct pci_bus	*bus;
	int		slot, func;
	const struct pci_bar_ops *ops;
	void		*arg;
	pthread_mutex_t	lock;		/* cfg, bars, msix */
	uint8_t		cfg[PCI_CFG_SIZE];
	uint8_t		cap_end;	/* next free capability offset */
	uint8_t		cap_last;	/* the last capability's offset */
	struct pci_bar	bar[6];
	int		msix_cap, msix_bar, msix_n;
	uint32_t	msix_table, msix_pba;
	struct msix_entry *msix;
	int		msi_cap;	/* single-vector MSI (-W), 0 if none */
	struct msix_entry msi;
	bool		intx_on;
};

struct pci_bus {
	struct vm	*vm;
	pthread_mutex_t	lock;		/* cf8, routes, intx */
	uint32_t	cf8;
	struct pci_dev	*dev[PCI_NSLOT][PCI_NFUNC];
	int		cur_slot, cur_func;	/* the device being created */
	uint64_t	mmio32_next, mmio64_next, mmio64_end;
	uint32_t	io_next;
	int		next_gsi;
	struct kvm_irq_routing_entry msi[MAX_MSI_GSI - NIRQCHIP_GSI];
	int		intx_count[8];
};

static struct pci_bus *
bus_of(struct vm *vm)
{
	return (vm->pci);
}

void *
pci_dev_arg(const struct pci_dev *d)
{
	return (d->arg);
}

struct vm *
pci_dev_vm(const struct pci_dev *d)
{
	return (d->bus->vm);
}

int
pci_dev_slot(const struct pci_dev *d)
{
	return (d->slot);
}

int
pci_intx_irq(int slot)
{
	return (16 + (slot & 7));
}

void
pci_set_cfg8(struct pci_dev *d, int reg, uint8_t v)
{
	d->cfg[reg] = v;
}

void
pci_set_cfg16(struct pci_dev *d, int reg, uint16_t v)
{
	memcpy(&d->cfg[reg], &v, 2);
}

void
pci_set_cfg32(struct pci_dev *d, int reg, uint32_t v)
{
	memcpy(&d->cfg[reg], &v, 4);
}

uint32_t
pci_get_cfg32(struct pci_dev *d, int reg)
{
	uint32_t v;

	memcpy(&v, &d->cfg[reg], 4);
	return (v);
}

void
pci_set_ids(struct pci_dev *d, uint16_t vendor, uint16_t device,
    uint8_t class, uint8_t subclass, uint8_t progif, uint8_t rev)
{
	pci_set_cfg16(d, PCIR_VENDOR, vendor);
	pci_set_cfg16(d, PCIR_DEVICE, device);
	pci_set_cfg8(d, PCIR_CLASS, class);
	pci_set_cfg8(d, PCIR_SUBCLASS, subclass);
	pci_set_cfg8(d, PCIR_PROGIF, progif);
	pci_set_cfg8(d, PCIR_REVID, rev);
}

/* ---- interrupt routes ------------------------------------------------ */

/* KVM_SET_GSI_ROUTING replaces the table: KVM's irqchip defaults first. */
static int
routes_commit(struct pci_bus *bus)
{
	struct kvm_irq_routing *r;
	struct kvm_irq_routing_entry *e;
	int i, n = 0, rc;

	r = calloc(1, sizeof(*r) + sizeof(*e) * (3 * NIRQCHIP_GSI +
	    (size_t)bus->next_gsi));
	if (r == NULL)
		return (-1);
	for (i = 0; i < NIRQCHIP_GSI; i++) {
		if (i < 16) {
			e = &r->entries[n++];
			e->gsi = i;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = i < 8 ? KVM_IRQCHIP_PIC_MASTER :
			    KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = i % 8;
		}
		e = &r->entries[n++];
		e->gsi = i;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = i;
	}
	for (i = 0; i < bus->next_gsi - NIRQCHIP_GSI; i++)
		if (bus->msi[i].type == KVM_IRQ_ROUTING_MSI)
			r->entries[n++] = bus->msi[i];
	r->nr = n;
	rc = vmm_set_gsi_routing(&bus->vm->kvm, r);
	free(r);
	return (rc);
}

static void
route_set(struct pci_bus *bus, struct msix_entry *m)
{
	struct kvm_irq_routing_entry *e = &bus->msi[m->gsi - NIRQCHIP_GSI];

	pthread_mutex_lock(&bus->lock);
	if (e->u.msi.address_lo != m->addr_lo ||
	    e->u.msi.address_hi != m->addr_hi || e->u.msi.data != m->data ||
	    e->type != KVM_IRQ_ROUTING_MSI) {
		memset(e, 0, sizeof(*e));
		e->gsi = (uint32_t)m->gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = m->addr_lo;
		e->u.msi.address_hi = m->addr_hi;
		e->u.msi.data = m->data;
		if (routes_commit(bus) != 0)
			fprintf(stderr, "pci: cannot set MSI route: %s\n",
			    strerror(errno));
	}
	pthread_mutex_unlock(&bus->lock);
}

/* ---- MSI-X ----------------------------------------------------------- */

static uint16_t
msix_ctrl(struct pci_dev *d)
{
	uint16_t v;

	memcpy(&v, &d->cfg[d->msix_cap + 2], 2);
	return (v);
}

static bool
msix_vector_live(struct pci_dev *d, int v)
{
	uint16_t c = msix_ctrl(d);

	return ((c & MSIX_ENABLE) != 0 && (c & MSIX_FMASK) == 0 &&
	    (d->msix[v].ctrl & MSIX_ENTRY_MASKED) == 0);
}

static void
msix_fire(struct msix_entry *m)
{
	uint64_t one = 1;

	(void)!write(m->fd, &one, sizeof(one));
}

/* With d->lock held: deliver what was pending while masked. */
static void
msix_flush_pending(struct pci_dev *d)
{
	int v;

	for (v = 0; v < d->msix_n; v++)
		if (d->msix[v].pending && msix_vector_live(d, v)) {
			d->msix[v].pending = false;
			msix_fire(&d->msix[v]);
		}
}

bool
pci_msix_enabled(struct pci_dev *d)
{
	bool on;

	if (d->msix_n == 0)
		return (false);
	pthread_mutex_lock(&d->lock);
	on = (msix_ctrl(d) & MSIX_ENABLE) != 0;
	pthread_mutex_unlock(&d->lock);
	return (on);
}

void
pci_msix_notify(struct pci_dev *d, int v)
{
	if (v < 0 || v >= d->msix_n)
		return;
	pthread_mutex_lock(&d->lock);
	if (msix_vector_live(d, v))
		msix_fire(&d->msix[v]);
	else
		d->msix[v].pending = true;
	pthread_mutex_unlock(&d->lock);
}

static uint64_t
msix_table_read(struct pci_dev *d, uint64_t off, int size)
{
	uint64_t v = 0;
	uint32_t w[4];
	int e = (int)(off / 16);

	if (e >= d->msix_n || (off & 3) + (uint64_t)size > 16 - (off & 12))
		return (0);
	w[0] = d->msix[e].addr_lo;
	w[1] = d->msix[e].addr_hi;
	w[2] = d->msix[e].data;
	w[3] = d->msix[e].ctrl;
	memcpy(&v, (uint8_t *)w + (off & 15), (size_t)size);
	return (v);
}

static void
msix_table_write(struct pci_dev *d, uint64_t off, int size, uint64_t val)
{
	struct msix_entry *m;
	uint32_t w[4];
	int e = (int)(off / 16);

	if (e >= d->msix_n || (off & 15) + (uint64_t)size > 16)
		return;
	m = &d->msix[e];
	w[0] = m->addr_lo;
	w[1] = m->addr_hi;
	w[2] = m->data;
	w[3] = m->ctrl;
	memcpy((uint8_t *)w + (off & 15), &val, (size_t)size);
	m->addr_lo = w[0];
	m->addr_hi = w[1];
	m->data = w[2];
	m->ctrl = w[3] & MSIX_ENTRY_MASKED;
	route_set(d->bus, m);
	msix_flush_pending(d);
}

static uint64_t
msix_pba_read(struct pci_dev *d, uint64_t off, int size)
{
	uint64_t v = 0;
	int i, bit;

	for (i = 0; i < size * 8; i++) {
		bit = (int)(off * 8) + i;
		if (bit < d->msix_n && d->msix[bit].pending)
			v |= 1ULL << i;
	}
	return (v);
}

int
pci_msix_init(struct pci_dev *d, int nvec, int bar, uint32_t table_off,
    uint32_t pba_off)
{
	struct pci_bus *bus = d->bus;
	uint8_t cap[12] = { MSIX_CAP_ID, 0 };
	uint16_t ctl = (uint16_t)(nvec - 1);
	uint32_t t = table_off | (uint32_t)bar, p = pba_off | (uint32_t)bar;
	int v;

	if (nvec < 1 || nvec > 2048 ||
	    bus->next_gsi + nvec > MAX_MSI_GSI)
		return (-1);
	d->msix = calloc((size_t)nvec, sizeof(*d->msix));
	if (d->msix == NULL)
		return (-1);
	memcpy(&cap[2], &ctl, 2);
	memcpy(&cap[4], &t, 4);
	memcpy(&cap[8], &p, 4);
	d->msix_bar = bar;
	d->msix_table = table_off;
	d->msix_pba = pba_off;
	d->msix_n = nvec;
	for (v = 0; v < nvec; v++) {
		d->msix[v].ctrl = MSIX_ENTRY_MASKED;
		d->msix[v].gsi = bus->next_gsi++;
		d->msix[v].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->msix[v].fd < 0 || vmm_irqfd(&bus->vm->kvm,
		    d->msix[v].fd, (uint32_t)d->msix[v].gsi, true) != 0) {
			fprintf(stderr, "pci: cannot bind an MSI-X irqfd: %s\n",
			    strerror(errno));
			return (-1);
		}
	}
	d->msix_cap = pci_cap_add(d, cap, sizeof(cap));
	return (d->msix_cap > 0 ? 0 : -1);
}

/* ---- MSI (one vector: bhyve's -W) ------------------------------------ */

#define MSI_CAP_ID	0x05
#define MSI_ENABLE	0x0001
#define MSI_64BIT	0x0080

static uint16_t
msi_ctrl(struct pci_dev *d)
{
	uint16_t v;

	memcpy(&v, &d->cfg[d->msi_cap + 2], 2);
	return (v);
}

int
pci_msi_init(struct pci_dev *d)
{
	struct pci_bus *bus = d->bus;
	uint8_t cap[14] = { MSI_CAP_ID, 0, MSI_64BIT, 0 };

	if (bus->next_gsi + 1 > MAX_MSI_GSI)
		return (-1);
	d->msi.gsi = bus->next_gsi++;
	d->msi.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->msi.fd < 0 || vmm_irqfd(&bus->vm->kvm, d->msi.fd,
	    (uint32_t)d->msi.gsi, true) != 0) {
		fprintf(stderr, "pci: cannot bind an MSI irqfd: %s\n",
		    strerror(errno));
		return (-1);
	}
	d->msi_cap = pci_cap_add(d, cap, sizeof(cap));
	return (d->msi_cap > 0 ? 0 : -1);
}

bool
pci_msi_enabled(struct pci_dev *d)
{
	bool on;

	if (d->msi_cap == 0)
		return (false);
	pthread_mutex_lock(&d->lock);
	on = (msi_ctrl(d) & MSI_ENABLE) != 0;
	pthread_mutex_unlock(&d->lock);
	return (on);
}

void
pci_msi_notify(struct pci_dev *d)
{
	if (pci_msi_enabled(d))
		msix_fire(&d->msi);
}

/* With d->lock held, after a write into the MSI capability. */
static void
msi_update(struct pci_dev *d)
{
	int c = d->msi_cap;

	memcpy(&d->msi.addr_lo, &d->cfg[c + 4], 4);
	memcpy(&d->msi.addr_hi, &d->cfg[c + 8], 4);
	d->msi.data = 0;
	memcpy(&d->msi.data, &d->cfg[c + 12], 2);
	if (msi_ctrl(d) & MSI_ENABLE)
		route_set(d->bus, &d->msi);
}

/* ---- INTx ------------------------------------------------------------ */

static void
intx_set(struct pci_dev *d, bool on)
{
	struct pci_bus *bus = d->bus;
	int irq = pci_intx_irq(d->slot), *cnt = &bus->intx_count[irq - 16];

	pthread_mutex_lock(&bus->lock);
	if (on != d->intx_on) {
		d->intx_on = on;
		*cnt += on ? 1 : -1;
		if (on && *cnt == 1)
			vm_irq_assert(bus->vm, irq);
		else if (!on && *cnt == 0)
			vm_irq_deassert(bus->vm, irq);
	}
	pthread_mutex_unlock(&bus->lock);
}

void
pci_intx_assert(struct pci_dev *d)
{
	intx_set(d, true);
}

void
pci_intx_deassert(struct pci_dev *d)
{
	intx_set(d, false);
}

/* ---- BARs ------------------------------------------------------------ */

static int
bar_mmio(struct vm *vm, int vcpu, bool write, uint64_t addr, int size,
    uint64_t *val, void *arg)
{
	struct pci_bar *b = arg;
	struct pci_dev *d = b->dev;
	uint64_t off;
	bool msix = false;

	(void)vm;
	(void)vcpu;
	pthread_mutex_lock(&d->lock);
	off = addr - b->mapped_addr;
	if (d->msix_n > 0 && b->idx == d->msix_bar) {
		if (off >= d->msix_table && off < d->msix_table +
		    16 * (uint64_t)d->msix_n) {
			msix = true;
			if (write)
				msix_table_write(d, off - d->msix_table, size,
				    *val);
			else
				*val = msix_table_read(d, off - d->msix_table,
				    size);
		} else if (off >= d->msix_pba && off < d->msix_pba +
		    8 * (((uint64_t)d->msix_n + 63) / 64)) {
			msix = true;
			if (!write)
				*val = msix_pba_read(d, off - d->msix_pba, size);
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (msix)
		return (0);
	if (write)
		d->ops->write(d, b->idx, off, size, *val);
	else
		*val = d->ops->read(d, b->idx, off, size);
	return (0);
}

static int
bar_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct pci_bar *b = arg;
	uint64_t v = *val;
	int rc;

	rc = bar_mmio(vm, vcpu, !in, port, bytes, &v, arg);
	if (in)
		*val = (uint32_t)v;
	(void)b;
	return (rc);
}

static void
bar_unmap(struct pci_dev *d, struct pci_bar *b)
{
	struct vm *vm = d->bus->vm;

	if (!b->mapped)
		return;
	if (b->type == PCIBAR_IO)
		unregister_inout(vm, (uint16_t)b->mapped_addr,
		    (uint16_t)b->size);
	else
		unregister_mmio(vm, b->mapped_addr);
	b->mapped = false;
	if (d->ops->moved != NULL)
		d->ops->moved(d, b->idx, b->mapped_addr, false);
}

static void
bar_map(struct pci_dev *d, struct pci_bar *b)
{
	struct vm *vm = d->bus->vm;
	char name[] = "pci-bar";
	int rc;

	if (b->type == PCIBAR_IO) {
		struct inout_port p = { name, (uint16_t)b->addr,
		    (uint16_t)b->size, bar_io, b };

		rc = b->addr + b->size <= 0x10000 ? register_inout(vm, &p) : -1;
	} else {
		struct mmio_range r = { name, b->addr, b->size, bar_mmio, b };

		rc = register_mmio(vm, &r);
	}
	if (rc != 0)
		return;		/* overlapping or bogus: stays unmapped */
	b->mapped = true;
	b->mapped_addr = b->addr;
	if (d->ops->moved != NULL)
		d->ops->moved(d, b->idx, b->addr, true);
}

/* After a command or BAR write: decode where the registers now say. */
static void
bar_update(struct pci_dev *d, struct pci_bar *b)
{
	uint16_t cmd;
	bool want;

	memcpy(&cmd, &d->cfg[PCIR_COMMAND], 2);
	/* Nothing that wraps or lies beyond a 52-bit physical address. */
	want = b->addr != 0 && b->addr + b->size > b->addr &&
	    b->addr + b->size <= (1ULL << 52) && (b->type == PCIBAR_IO ?
	    (cmd & PCIM_CMD_IO) != 0 : (cmd & PCIM_CMD_MEM) != 0);
	if (b->mapped && (!want || b->mapped_addr != b->addr))
		bar_unmap(d, b);
	if (want && !b->mapped)
		bar_map(d, b);
}

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return ((v + a - 1) & ~(a - 1));
}

int
pci_bar_alloc(struct pci_dev *d, int idx, enum pci_bar_type t, uint64_t size)
{
	struct pci_bus *bus = d->bus;
	struct pci_bar *b = &d->bar[idx];
	uint64_t *next, end, addr;
	uint32_t lo;

	if (idx < 0 || idx > 5 || (t == PCIBAR_MEM64 && idx == 5) ||
	    size == 0 || (size & (size - 1)) != 0)
		return (-1);
	if (t == PCIBAR_IO) {
		uint64_t io = bus->io_next;

		if (size < 4)
			size = 4;
		addr = align_up(io, size);
		if (addr + size > PCI_IO_END)
			return (-1);
		bus->io_next = (uint32_t)(addr + size);
		lo = (uint32_t)addr | 1;
	} else {
		if (size < 4096)
			size = 4096;	/* a page each: mappings stay separate */
		next = t == PCIBAR_MEM64 ? &bus->mmio64_next : &bus->mmio32_next;
		end = t == PCIBAR_MEM64 ? bus->mmio64_end : PCI_MMIO32_END;
		addr = align_up(*next, size);
		if (addr + size > end)
			return (-1);
		*next = addr + size;
		lo = (uint32_t)addr | (t == PCIBAR_MEM64 ? 4 : 0);
	}
	b->dev = d;
	b->idx = idx;
	b->type = t;
	b->size = size;
	b->addr = addr;
	pci_set_cfg32(d, PCIR_BAR0 + 4 * idx, lo);
	if (t == PCIBAR_MEM64)
		pci_set_cfg32(d, PCIR_BAR0 + 4 * idx + 4,
		    (uint32_t)(addr >> 32));
	return (0);
}

/* A write to BAR register idx (the low or the high half of a 64-bit one). */
static void
bar_write(struct pci_dev *d, int idx, uint32_t val)
{
	struct pci_bar *b = &d->bar[idx];
	uint32_t lo;

	if (b->type == PCIBAR_NONE && idx > 0 &&
	    d->bar[idx - 1].type == PCIBAR_MEM64) {
		b = &d->bar[idx - 1];
		b->addr = (b->addr & 0xffffffffULL) | ((uint64_t)val << 32);
		b->addr &= ~(b->size - 1);
		pci_set_cfg32(d, PCIR_BAR0 + 4 * idx, (uint32_t)(b->addr >> 32));
		bar_update(d, b);
		return;
	}
	if (b->type == PCIBAR_NONE)
		return;		/* unimplemented BARs read 0 */
	lo = val & ~(uint32_t)(b->size - 1);
	if (b->type == PCIBAR_IO) {
		lo &= 0xfffc;
		b->addr = lo;
		lo |= 1;
	} else {
		lo &= ~0xfU;
		b->addr = (b->addr & ~0xffffffffULL) | lo;
		lo |= b->type == PCIBAR_MEM64 ? 4 : 0;
	}
	pci_set_cfg32(d, PCIR_BAR0 + 4 * idx, lo);
	bar_update(d, b);
}

/* ---- capabilities ----------------------------------------------------- */

int
pci_cap_add(struct pci_dev *d, const void *cap, int len)
{
	int off = d->cap_end == 0 ? 0x40 : d->cap_end;

	len = (len + 3) & ~3;
	if (off + len > 256)
		return (-1);
	memcpy(&d->cfg[off], cap, (size_t)len);
	d->cfg[off + 1] = 0;
	if (d->cap_last == 0)
		d->cfg[PCIR_CAP_PTR] = (uint8_t)off;
	else
		d->cfg[d->cap_last + 1] = (uint8_t)off;
	d->cap_last = (uint8_t)off;
	d->cap_end = (uint8_t)(off + len);
	d->cfg[PCIR_STATUS] |= PCIM_STATUS_CAP;
	return (off);
}

/* ---- configuration space ---------------------------------------------- */

static uint32_t
cfg_read(struct pci_bus *bus, int s, int f, int reg, int size)
{
	struct pci_dev *d = bus->dev[s][f];
	uint32_t v = 0;
	int i;

	if (d == NULL)
		return (size == 4 ? 0xffffffffU : (1U << (size * 8)) - 1);
	pthread_mutex_lock(&d->lock);
	memcpy(&v, &d->cfg[reg], (size_t)size);
	pthread_mutex_unlock(&d->lock);
	/* Multi-function bit, computed: function 0 says others exist. */
	if (f == 0 && reg <= PCIR_HDRTYPE && reg + size > PCIR_HDRTYPE)
		for (i = 1; i < PCI_NFUNC; i++)
			if (bus->dev[s][i] != NULL)
				v |= 0x80U << ((PCIR_HDRTYPE - reg) * 8);
	return (v);
}

static void
cfg_write_byte(struct pci_dev *d, int reg, uint8_t v)
{
	if (reg == PCIR_COMMAND)
		d->cfg[reg] = v & 0x47;		/* I/O, mem, master, parity */
	else if (reg == PCIR_COMMAND + 1)
		d->cfg[reg] = v & 0x05;		/* SERR, INTx disable */
	else if (reg == 0x0c || reg == 0x0d || reg == PCIR_INTLINE)
		d->cfg[reg] = v;
	else if (d->msix_n > 0 && reg == d->msix_cap + 3)
		d->cfg[reg] = (d->cfg[reg] & 0x3f) | (v & 0xc0);
	else if (d->msi_cap > 0 && reg == d->msi_cap + 2)
		d->cfg[reg] = (d->cfg[reg] & 0x80) | (v & 0x01);
	else if (d->msi_cap > 0 && reg >= d->msi_cap + 4 &&
	    reg < d->msi_cap + 14)
		d->cfg[reg] = v;
}

static void
cfg_write(struct pci_bus *bus, int s, int f, int reg, int size, uint32_t val)
{
	struct pci_dev *d = bus->dev[s][f];
	int i;

	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	if (reg >= PCIR_BAR0 && reg < PCIR_BAR0 + 24) {
		/* BARs are written as dwords; narrower writes merge. */
		int r = reg & ~3;
		uint32_t old = pci_get_cfg32(d, r);

		memcpy((uint8_t *)&old + (reg & 3), &val, (size_t)size);
		bar_write(d, (r - PCIR_BAR0) / 4, old);
	} else {
		for (i = 0; i < size; i++)
			cfg_write_byte(d, reg + i, (uint8_t)(val >> (8 * i)));
		if (reg <= PCIR_COMMAND + 1 && reg + size > PCIR_COMMAND)
			for (i = 0; i < 6; i++)
				if (d->bar[i].type != PCIBAR_NONE)
					bar_update(d, &d->bar[i]);
		if (d->msix_n > 0 && reg <= d->msix_cap + 3 &&
		    reg + size > d->msix_cap + 2)
			msix_flush_pending(d);
		if (d->msi_cap > 0 && reg < d->msi_cap + 14 &&
		    reg + size > d->msi_cap + 2)
			msi_update(d);
	}
	pthread_mutex_unlock(&d->lock);
}

/* One access at bus 0 slot s function f register reg; !bus0 reads ones. */
static void
cfg_access(struct pci_bus *bus, int b, int s, int f, int reg, int size,
    bool write, uint32_t *val)
{
	if (b != 0 || (reg & (size - 1)) != 0) {
		if (!write)
			*val = size == 4 ? 0xffffffffU : (1U << (size * 8)) - 1;
		return;
	}
	if (write)
		cfg_write(bus, s, f, reg, size, *val);
	else
		*val = cfg_read(bus, s, f, reg, size);
}

static int
cf8_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct pci_bus *bus = arg;

	(void)vm;
	(void)vcpu;
	(void)port;
	if (bytes != 4) {
		/* 0xCF9 is the reset register; byte accesses here are not ours. */
		if (in)
			*val = 0xffffffff;
		return (0);
	}
	pthread_mutex_lock(&bus->lock);
	if (in)
		*val = bus->cf8;
	else
		bus->cf8 = *val & 0x80fffffcU;
	pthread_mutex_unlock(&bus->lock);
	return (0);
}

static int
cfc_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct pci_bus *bus = arg;
	uint32_t a;

	(void)vm;
	(void)vcpu;
	pthread_mutex_lock(&bus->lock);
	a = bus->cf8;
	pthread_mutex_unlock(&bus->lock);
	if ((a & 0x80000000U) == 0) {
		if (in)
			*val = 0xffffffff;
		return (0);
	}
	cfg_access(bus, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7,
	    (int)(a & 0xfc) + (port - CFC_PORT), bytes, !in, val);
	return (0);
}

static int
ecam_mmio(struct vm *vm, int vcpu, bool write, uint64_t addr, int size,
    uint64_t *val, void *arg)
{
	struct pci_bus *bus = arg;
	uint64_t off = addr - PCI_ECAM_BASE;
	uint32_t v = (uint32_t)*val;

	(void)vm;
	(void)vcpu;
	if (size == 8) {
		if (!write)
			*val = ~0ULL;
		return (0);
	}
	cfg_access(bus, (int)(off >> 20), (int)(off >> 15) & 31,
	    (int)(off >> 12) & 7, (int)(off & 0xfff), size, write, &v);
	if (!write)
		*val = v;
	return (0);
}

/* ---- bus and devices ---------------------------------------------------- */

struct pci_dev *
pci_dev_create(struct vm *vm, config_node_t *node,
    const struct pci_bar_ops *ops, void *arg)
{
	struct pci_bus *bus = bus_of(vm);
	struct pci_dev *d;

	(void)node;
	if (bus == NULL || (d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	d->bus = bus;
	d->slot = bus->cur_slot;
	d->func = bus->cur_func;
	d->ops = ops;
	d->arg = arg;
	pthread_mutex_init(&d->lock, NULL);
	bus->dev[d->slot][d->func] = d;
	return (d);
}

static void
pci_destroy(struct vm *vm, void *arg)
{
	struct pci_bus *bus = arg;
	struct pci_dev *d;
	int s, f, i;

	for (s = 0; s < PCI_NSLOT; s++)
		for (f = 0; f < PCI_NFUNC; f++) {
			if ((d = bus->dev[s][f]) == NULL)
				continue;
			for (i = 0; i < d->msix_n; i++)
				if (d->msix[i].fd >= 0)
					close(d->msix[i].fd);
			if (d->msi_cap > 0 && d->msi.fd >= 0)
				close(d->msi.fd);
			free(d->msix);
			free(d);
		}
	unregister_inout(vm, CF8_PORT, 1);
	unregister_inout(vm, CFC_PORT, 4);
	unregister_mmio(vm, PCI_ECAM_BASE);
	vm->pci = NULL;
	free(bus);
}

static struct pci_bus *
bus_create(struct vm *vm)
{
	struct pci_bus *bus;
	char n8[] = "pci-cf8", nc[] = "pci-cfc", ne[] = "pci-ecam";
	struct inout_port p8 = { n8, CF8_PORT, 1, cf8_io, NULL };
	struct inout_port pc = { nc, CFC_PORT, 4, cfc_io, NULL };
	struct mmio_range e = { ne, PCI_ECAM_BASE, PCI_ECAM_SIZE, ecam_mmio,
	    NULL };
	uint64_t base64;

	if ((bus = calloc(1, sizeof(*bus))) == NULL)
		return (NULL);
	bus->vm = vm;
	pthread_mutex_init(&bus->lock, NULL);
	bus->mmio32_next = PCI_MMIO32_BASE;
	x86_pci_mmio64_window(vm, &base64, &bus->mmio64_end);
	bus->mmio64_next = base64;
	bus->io_next = PCI_IO_BASE;
	bus->next_gsi = NIRQCHIP_GSI;
	p8.arg = pc.arg = e.arg = bus;
	vm->pci = bus;
	/*
	 * 0xCF8 is a dword register but 0xCF9 belongs to the reset control:
	 * only the first port is ours, dword accesses to it cover both.
	 */
	if (register_inout(vm, &p8) != 0 || register_inout(vm, &pc) != 0 ||
	    register_mmio(vm, &e) != 0 ||
	    vm_at_destroy(vm, pci_destroy, bus) != 0) {
		fprintf(stderr, "pci: cannot claim the configuration ports: %s\n",
		    strerror(errno));
		return (NULL);
	}
	return (bus);
}

struct init_ctx {
	struct vm	*vm;
	struct pci_bus	*bus;
	int		depth, b, s;
};

static int init_walk(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg);

static int
init_function(struct init_ctx *c, int f, config_node_t *node)
{
	const struct device_emu *d;
	const char *name = get_config_value_node(node, "device");

	if (name == NULL)
		return (0);
	if (c->b != 0) {
		fprintf(stderr, "pci slot %d:%d:%d: only bus 0 is supported\n",
		    c->b, c->s, f);
		return (-1);
	}
	d = device_find(name, DEV_PCI);
	if (d == NULL) {
		fprintf(stderr, "pci slot %d:%d:%d: unknown device \"%s\"\n",
		    c->b, c->s, f, name);
		return (-1);
	}
	c->bus->cur_slot = c->s;
	c->bus->cur_func = f;
	return (d->init(c->vm, node));
}

static int
init_walk(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	struct init_ctx *c = arg;
	char *end;
	long n;
	int rc;

	(void)value;
	if (!is_node)
		return (0);
	n = strtol(name, &end, 10);
	if (*end != '\0' || n < 0 || n > 255 ||
	    (c->depth > 0 && n >= (c->depth == 1 ? PCI_NSLOT : PCI_NFUNC)))
		return (0);	/* not a bus/slot/function number */
	if (c->depth == 2)
		return (init_function(c, (int)n, child));
	if (c->depth == 0)
		c->b = (int)n;
	else
		c->s = (int)n;
	c->depth++;
	rc = walk_config_nodes(child, init_walk, c);
	c->depth--;
	return (rc);
}

int
pci_init_devices(struct vm *vm)
{
	struct init_ctx c = { vm, NULL, 0, 0, 0 };
	config_node_t *pci = find_config_node("pci");

	if ((c.bus = bus_create(vm)) == NULL)
		return (-1);
	/* KVM's default routes stand until the first MSI-X route is set. */
	if (pci != NULL && walk_config_nodes(pci, init_walk, &c) != 0)
		return (-1);
	return (0);
}
