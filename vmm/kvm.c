/*
 * vmm/kvm.c: KVM ioctl wrappers (see vmm.h).  Documentation: the kernel's
 * Documentation/virt/kvm/api.rst.
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int
vmm_open(struct vmm_vm *vm, const char *dev)
{
	int version;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	vm->kvm_fd = open(dev != NULL ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return (-1);
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		errno = ENOTSUP;
		goto fail;
	}
	/* Retry on EINTR: KVM_CREATE_VM can be interrupted while the host is busy. */
	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0)
		goto fail;
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		goto fail;
	return (0);
fail:
	vmm_close(vm);
	return (-1);
}

void
vmm_close(struct vmm_vm *vm)
{
	int saved = errno;

	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
	errno = saved;
}

int
vmm_check_extension(struct vmm_vm *vm, long cap)
{
	int r = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, cap);

	return (r < 0 ? 0 : r);
}

int
vmm_enable_cap(struct vmm_vm *vm, uint32_t cap, uint64_t arg0, uint64_t arg1)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0, arg1 } };

	return (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &ec) < 0 ? -1 : 0);
}

int
vmm_set_memory(struct vmm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
    void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -1 : 0);
}

int
vmm_set_tss_addr(struct vmm_vm *vm, uint64_t addr)
{
	return (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)addr) < 0 ? -1 : 0);
}

int
vmm_set_identity_map_addr(struct vmm_vm *vm, uint64_t addr)
{
	return (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0 ? -1 : 0);
}

int
vmm_create_irqchip(struct vmm_vm *vm)
{
	return (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ? -1 : 0);
}

int
vmm_create_pit(struct vmm_vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	return (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0 ? -1 : 0);
}

int
vmm_irq_line(struct vmm_vm *vm, uint32_t irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };

	return (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -1 : 0);
}

int
vmm_signal_msi(struct vmm_vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};

	return (ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -1 : 0);
}

int
vmm_set_gsi_routing(struct vmm_vm *vm, const struct kvm_irq_routing *r)
{
	return (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r) < 0 ? -1 : 0);
}

int
vmm_irqfd(struct vmm_vm *vm, int fd, uint32_t gsi, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -1 : 0);
}

int
vmm_ioeventfd(struct vmm_vm *vm, int fd, uint64_t addr, uint32_t len, bool pio,
    bool match_data, uint64_t data, bool assign)
{
	struct kvm_ioeventfd ev = {
		.datamatch = data,
		.addr = addr,
		.len = len,
		.fd = fd,
	};

	if (pio)
		ev.flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (match_data)
		ev.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	if (!assign)
		ev.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	return (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ev) < 0 ? -1 : 0);
}

int
vmm_set_msr_filter(struct vmm_vm *vm, const struct kvm_msr_filter *f)
{
	return (ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, f) < 0 ? -1 : 0);
}

int
vmm_get_clock(struct vmm_vm *vm, struct kvm_clock_data *c)
{
	return (ioctl(vm->vm_fd, KVM_GET_CLOCK, c) < 0 ? -1 : 0);
}

int
vmm_set_clock(struct vmm_vm *vm, const struct kvm_clock_data *c)
{
	return (ioctl(vm->vm_fd, KVM_SET_CLOCK, c) < 0 ? -1 : 0);
}

int
vmm_get_supported_cpuid(struct vmm_vm *vm, struct kvm_cpuid2 **out)
{
	struct kvm_cpuid2 *c;
	int n;

	/* The kernel says E2BIG until the buffer is large enough. */
	for (n = 64; n <= 4096; n *= 2) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (c == NULL)
			return (-1);
		c->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*out = c;
			return (0);
		}
		free(c);
		if (errno != E2BIG)
			return (-1);
	}
	errno = E2BIG;
	return (-1);
}

int
vmm_vcpu_create(struct vmm_vm *vm, int id, struct vmm_vcpu *vcpu)
{
	void *run;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return (-1);
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		int saved = errno;

		close(vcpu->fd);
		vcpu->fd = -1;
		errno = saved;
		return (-1);
	}
	vcpu->run = run;
	vcpu->run_size = vm->run_size;
	return (0);
}

void
vmm_vcpu_close(struct vmm_vcpu *vcpu)
{
	if (vcpu->run != NULL)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int
vmm_vcpu_run(struct vmm_vcpu *vcpu)
{
	return (ioctl(vcpu->fd, KVM_RUN, 0) < 0 ? -1 : 0);
}

#define VCPU_IOCTL(name, req, type, cq)				\
int								\
name(struct vmm_vcpu *vcpu, cq type *arg)			\
{								\
	return (ioctl(vcpu->fd, req, arg) < 0 ? -1 : 0);	\
}

VCPU_IOCTL(vmm_get_regs, KVM_GET_REGS, struct kvm_regs, )
VCPU_IOCTL(vmm_set_regs, KVM_SET_REGS, struct kvm_regs, const)
VCPU_IOCTL(vmm_get_sregs, KVM_GET_SREGS, struct kvm_sregs, )
VCPU_IOCTL(vmm_set_sregs, KVM_SET_SREGS, struct kvm_sregs, const)
VCPU_IOCTL(vmm_get_fpu, KVM_GET_FPU, struct kvm_fpu, )
VCPU_IOCTL(vmm_set_fpu, KVM_SET_FPU, struct kvm_fpu, const)
VCPU_IOCTL(vmm_set_cpuid, KVM_SET_CPUID2, struct kvm_cpuid2, const)
VCPU_IOCTL(vmm_get_lapic, KVM_GET_LAPIC, struct kvm_lapic_state, )
VCPU_IOCTL(vmm_set_lapic, KVM_SET_LAPIC, struct kvm_lapic_state, const)
VCPU_IOCTL(vmm_get_mp_state, KVM_GET_MP_STATE, struct kvm_mp_state, )
VCPU_IOCTL(vmm_set_mp_state, KVM_SET_MP_STATE, struct kvm_mp_state, const)
VCPU_IOCTL(vmm_get_vcpu_events, KVM_GET_VCPU_EVENTS, struct kvm_vcpu_events, )
VCPU_IOCTL(vmm_set_vcpu_events, KVM_SET_VCPU_EVENTS, struct kvm_vcpu_events, const)

/* One MSR at a time: KVM_GET/SET_MSRS take a counted array. */
struct one_msr {
	struct kvm_msrs		hdr;
	struct kvm_msr_entry	entry;
};

int
vmm_get_msr(struct vmm_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .entry.index = index };

	if (ioctl(vcpu->fd, KVM_GET_MSRS, &m) != 1) {
		if (errno == 0)
			errno = EINVAL;
		return (-1);
	}
	*value = m.entry.data;
	return (0);
}

int
vmm_set_msr(struct vmm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .entry.index = index, .entry.data = value };

	if (ioctl(vcpu->fd, KVM_SET_MSRS, &m) != 1) {
		if (errno == 0)
			errno = EINVAL;
		return (-1);
	}
	return (0);
}

int
vmm_set_signal_mask(struct vmm_vcpu *vcpu, const void *sigset, unsigned len)
{
	struct kvm_signal_mask *m;
	int r;

	m = calloc(1, sizeof(*m) + len);
	if (m == NULL)
		return (-1);
	m->len = len;
	if (sigset != NULL)
		memcpy(m->sigset, sigset, len);
	r = ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, sigset != NULL ? m : NULL);
	free(m);
	return (r < 0 ? -1 : 0);
}
