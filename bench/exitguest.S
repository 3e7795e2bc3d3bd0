/*
 * bench/exitguest.S: the exit-cost guest.  A PVH kernel of a few bytes:
 * entered in flat 32-bit protected mode (khyve's boot/pvh.c, or the bench's
 * own bare loop), it writes COUNT bytes to port 0x80 (each one a port-I/O
 * exit that khyve's POST sink handles in userspace), then powers the
 * machine off through the ACPI PM1a control register at 0x404 with
 * SLP_TYP=5 and SLP_EN, the way an ACPI OS enters S5.
 *
 * Build: as --32 --defsym COUNT=N, ld -m elf_i386 -T bench/exitguest.ld.
 */
	.code32
	.section .text, "ax"
	.globl	start
start:
	movl	$COUNT, %ecx
	xorl	%eax, %eax
	testl	%ecx, %ecx
	jz	2f
1:	outb	%al, $0x80
	decl	%ecx
	jnz	1b
2:	movw	$0x404, %dx
	movw	$((5 << 10) | (1 << 13)), %ax	/* SLP_TYP=S5, SLP_EN */
	outw	%ax, %dx
3:	cli
	hlt
	jmp	3b

/* XEN_ELFNOTE_PHYS32_ENTRY (18), owner "Xen": the 32-bit PVH entry point. */
	.section .note.Xen, "a", @note
	.p2align 2
	.long	4		/* namesz */
	.long	4		/* descsz */
	.long	18		/* type */
	.asciz	"Xen"
	.long	start
