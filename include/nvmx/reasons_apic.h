/* SPDX-License-Identifier: MIT */
/* Named reasons of the APIC-virtualization module (block 0x7000). Values
 * are ABI (tests/util/test_names.c pins every one): never renumbered or
 * reused; a new row goes at the END of the list with the next free number. */
#ifndef NVMX_REASONS_APIC_H
#define NVMX_REASONS_APIC_H

#define NVMX_REASONS_APIC(X) \
	X(APIC_NONE, 0x7001, "no APIC-virtualization diagnostic") \
	X(APIC_NOT_ENABLED, 0x7002, "VMCS12 does not enable the APIC-virtualization feature: L0 handles the access for L1's own APIC or memory") \
	X(APIC_ACCESS_EXIT, 0x7003, "the access to the APIC-access page is not virtualized: APIC-access exit (44) to L1") \
	X(APIC_READ_VIRTUALIZED, 0x7004, "the read of the APIC-access page returns virtual-APIC page data") \
	X(APIC_WRITE_VIRTUALIZED, 0x7005, "the write went to the virtual-APIC page; APIC-write emulation needed no exit") \
	X(APIC_WRITE_EXIT, 0x7006, "APIC-write emulation causes an APIC-write exit (56) to L1") \
	X(APIC_TPR_BELOW_THRESHOLD, 0x7007, "TPR virtualization: VTPR[7:4] below the TPR threshold, exit 43 to L1") \
	X(APIC_EOI_EXIT, 0x7008, "EOI virtualization of a vector set in L1's EOI-exit bitmap: exit 45 to L1") \
	X(APIC_CR8_VIRTUALIZED, 0x7009, "MOV to/from CR8 used VTPR (TPR shadow)") \
	X(APIC_CR8_INTERCEPTED, 0x700a, "L1 intercepts the CR8 access: report it with nvmx_vcpu_handle_exit") \
	X(APIC_CR8_GP, 0x700b, "MOV to CR8 with bits 63:4 set: L2 takes #GP(0), nothing changed") \
	X(APIC_MSR_VIRTUALIZED, 0x700c, "the x2APIC MSR access was virtualized into the virtual-APIC page") \
	X(APIC_MSR_EXIT, 0x700d, "L1's MSR bitmap asks for the x2APIC MSR access: RDMSR/WRMSR exit to L1") \
	X(APIC_MSR_L1_APIC, 0x700e, "the x2APIC MSR access is not virtualized: it goes to L1's own APIC (L0 emulates it)") \
	X(APIC_MSR_GP, 0x700f, "virtualized WRMSR with a value the SDM refuses: L2 takes #GP(0), nothing changed") \
	X(APIC_VAPIC_UNMAPPED, 0x7010, "the virtual-APIC page is not backed by L0: refused, nothing changed") \
	X(APIC_PI_PROCESSED, 0x7011, "posted-interrupt processing moved L1's PIR into VIRR without an exit") \
	X(APIC_PI_NOT_ENABLED, 0x7012, "VMCS12 does not process posted interrupts: an ordinary external interrupt") \
	X(APIC_PI_OTHER_VECTOR, 0x7013, "the vector is not L1's notification vector: an ordinary external interrupt") \
	X(APIC_PI_DESC_UNMAPPED, 0x7014, "L1's posted-interrupt descriptor is not backed: refused, nothing changed") \
	X(APIC_PI_CONTENDED, 0x7015, "L1's posted-interrupt descriptor kept changing under the atomic update: retry") \
	X(APIC_INTR_DELIVERED, 0x7016, "a virtual interrupt was delivered to L2 through its IDT (VMCS02 injection)") \
	X(APIC_INTR_NONE, 0x7017, "no virtual interrupt is recognized (RVI[7:4] not above VPPR[7:4])") \
	X(APIC_INTR_BLOCKED, 0x7018, "a virtual interrupt is recognized but L2 cannot take it now (IF, STI/MOV SS, window, event pending)") \
	X(APIC_EOI_VIRTUALIZED, 0x7019, "EOI virtualization dismissed the in-service vector without an exit") \
	X(APIC_SELF_IPI_VIRTUALIZED, 0x701a, "self-IPI virtualization set the vector in VIRR") \
	X(APIC_ENTRY_TPR_EXIT, 0x701b, "right after VM entry VTPR[7:4] is below the TPR threshold: exit 43 to L1") \
	X(APIC_ACCESS_EMULATED, 0x701c, "NVMX_L0_EMULATE_APIC_VIRT: EPT02 does not map L1's APIC-access page; the host calls nvmx_vcpu_apic_access")

#endif
