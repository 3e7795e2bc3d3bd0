/*
 * vmm: the only code in khyve that talks to KVM (bhyve's libvmmapi).
 *
 * Thin wrappers over the KVM ioctls, each returning 0 (or a value) on
 * success and -1 with errno set on failure.  No policy lives here: callers
 * decide what a failure means.
 */
#ifndef KHYVE_VMM_H
#define KHYVE_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <linux/kvm.h>

struct vmm_vm {
	int	kvm_fd;		/* /dev/kvm */
	int	vm_fd;
	int	run_size;	/* size of each vCPU's kvm_run mapping */
};

struct vmm_vcpu {
	int		id;
	int		fd;
	struct kvm_run	*run;	/* shared with the kernel, run_size bytes */
	int		run_size;
};

/* VM lifetime. */
int vmm_open(struct vmm_vm *vm, const char *dev);	/* dev: NULL = /dev/kvm */
void vmm_close(struct vmm_vm *vm);
int vmm_check_extension(struct vmm_vm *vm, long cap);	/* value, 0 if absent */
int vmm_enable_cap(struct vmm_vm *vm, uint32_t cap, uint64_t arg0, uint64_t arg1);

/* Memory. */
int vmm_set_memory(struct vmm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
    void *host, uint32_t flags);

/* Platform pieces KVM emulates for us (bhyve's vlapic/vioapic/vatpic/vatpit). */
int vmm_set_tss_addr(struct vmm_vm *vm, uint64_t addr);
int vmm_set_identity_map_addr(struct vmm_vm *vm, uint64_t addr);
int vmm_create_irqchip(struct vmm_vm *vm);
int vmm_create_pit(struct vmm_vm *vm);
int vmm_irq_line(struct vmm_vm *vm, uint32_t irq, int level);
int vmm_signal_msi(struct vmm_vm *vm, uint64_t addr, uint32_t data);
int vmm_set_gsi_routing(struct vmm_vm *vm, const struct kvm_irq_routing *r);
int vmm_irqfd(struct vmm_vm *vm, int fd, uint32_t gsi, bool assign);
int vmm_ioeventfd(struct vmm_vm *vm, int fd, uint64_t addr, uint32_t len,
    bool pio, bool match_data, uint64_t data, bool assign);
int vmm_set_msr_filter(struct vmm_vm *vm, const struct kvm_msr_filter *f);
int vmm_get_clock(struct vmm_vm *vm, struct kvm_clock_data *c);
int vmm_set_clock(struct vmm_vm *vm, const struct kvm_clock_data *c);

/* CPUID the host can give a guest; *out is malloc'ed, caller frees. */
int vmm_get_supported_cpuid(struct vmm_vm *vm, struct kvm_cpuid2 **out);

/* vCPUs. */
int vmm_vcpu_create(struct vmm_vm *vm, int id, struct vmm_vcpu *vcpu);
void vmm_vcpu_close(struct vmm_vcpu *vcpu);
int vmm_vcpu_run(struct vmm_vcpu *vcpu);	/* -1/EINTR when kicked */
int vmm_get_regs(struct vmm_vcpu *vcpu, struct kvm_regs *r);
int vmm_set_regs(struct vmm_vcpu *vcpu, const struct kvm_regs *r);
int vmm_get_sregs(struct vmm_vcpu *vcpu, struct kvm_sregs *s);
int vmm_set_sregs(struct vmm_vcpu *vcpu, const struct kvm_sregs *s);
int vmm_get_fpu(struct vmm_vcpu *vcpu, struct kvm_fpu *f);
int vmm_set_fpu(struct vmm_vcpu *vcpu, const struct kvm_fpu *f);
int vmm_set_cpuid(struct vmm_vcpu *vcpu, const struct kvm_cpuid2 *c);
int vmm_get_msr(struct vmm_vcpu *vcpu, uint32_t index, uint64_t *value);
int vmm_set_msr(struct vmm_vcpu *vcpu, uint32_t index, uint64_t value);
int vmm_get_lapic(struct vmm_vcpu *vcpu, struct kvm_lapic_state *l);
int vmm_set_lapic(struct vmm_vcpu *vcpu, const struct kvm_lapic_state *l);
int vmm_get_mp_state(struct vmm_vcpu *vcpu, struct kvm_mp_state *m);
int vmm_set_mp_state(struct vmm_vcpu *vcpu, const struct kvm_mp_state *m);
int vmm_get_vcpu_events(struct vmm_vcpu *vcpu, struct kvm_vcpu_events *e);
int vmm_set_vcpu_events(struct vmm_vcpu *vcpu, const struct kvm_vcpu_events *e);
int vmm_set_signal_mask(struct vmm_vcpu *vcpu, const void *sigset, unsigned len);

#endif
