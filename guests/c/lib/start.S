/*
 * Entry, exception stubs and the CPL3 round trip of the vmm C guest library (docs/guests-in-c.md).
 * Entry state (LongModeEnvironment): 64-bit mode, CPL0, IF=0, RSP = top of this vCPU's kernel stack,
 * RDI = vCPU index, RSI = vCPU count, R8 = top of its user stack.
 */
#define PERCPU_SIZE 512
#define TSS_BASE 0x16000
#define TSS_STRIDE 0x80

    .section .note.GNU-stack, "", @progbits

    .section .text.entry, "ax"
    .globl _start
_start:
    sub $PERCPU_SIZE, %rsp            /* the per-vCPU block sits above the usable kernel stack */
    mov %edi, 0(%rsp)                 /* percpu.cpu */
    mov %esi, 4(%rsp)                 /* percpu.cpus */
    mov %r8, 8(%rsp)                  /* percpu.user_stack_top */
    mov %rsp, 16(%rsp)                /* percpu.kernel_stack_top */
    /* TSS.RSP0 (offset 4) below the block too, so an exception from CPL3 never overwrites it. */
    mov %rdi, %rax
    shl $7, %rax
    mov %rsp, TSS_BASE+4(%rax)
    xor %ebp, %ebp
    call guest_start
1:  cli
    hlt
    jmp 1b

/* One 16-byte stub per vector: push a zero error code where the CPU pushes none, then the vector. */
    .section .text.stubs, "ax"
    .globl exception_stubs
exception_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if vec == 6
    jmp ud_entry                      /* #UD: the CPL3 hypercall escape first */
    .else
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp exception_common
    .endif
    .set vec, vec + 1
    .endr

    .text
/*
 * #UD. A UD2 at user_hv_hypercall_ud2 is a hypercall asked for at CPL3 (RCX, RDX, R8 and XMM0-XMM5 already
 * loaded): call the hypercall page and resume after the UD2 with the result in RAX. This path is a handful
 * of instructions because PVM hosts emulate CPL0 code one instruction at a time (docs/kvm-host.md), and
 * the flush guests make one such call per round. Any other #UD takes the general path.
 */
ud_entry:
    cmpq $user_hv_hypercall_ud2, (%rsp)  /* the saved RIP (SDM Vol. 3 §6.14.2: #UD pushes no error code) */
    jne 1f
    call *hv_hypercall_page(%rip)
    addq $2, (%rsp)                   /* past the UD2 */
    iretq
1:  pushq $0
    pushq $6
    jmp exception_common

exception_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi                    /* struct trap_frame *; RSP is 16-byte aligned here (176-byte frame) */
    call guest_exception
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                     /* vector and error code */
    iretq

/*
 * uint64_t user_call_asm(fn, arg, rflags, user_rsp): IRETQ to user_trampoline at CPL3. The kernel's
 * callee-saved registers and RSP stay here; user_resume() comes back to them from the #UD handler.
 * TSS.RSP0 is set to this RSP first, so the exception that ends the CPL3 part lands below our frame.
 */
    .globl user_call_asm
user_call_asm:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rax
    add $0x7FFF, %rax                 /* this vCPU's block: round RSP up to the stack block, minus PERCPU_SIZE */
    and $~(0x8000 - 1), %rax
    sub $PERCPU_SIZE, %rax
    mov %rsp, 56(%rax)                /* percpu.user_return_rsp */
    mov 0(%rax), %eax                 /* percpu.cpu */
    shl $7, %rax
    mov %rsp, TSS_BASE+4(%rax)        /* TSS.RSP0 */
    pushq $0x1B                       /* SS: user data */
    push %rcx                         /* RSP: user stack */
    push %rdx                         /* RFLAGS: IOPL 3, IF as asked */
    pushq $0x23                       /* CS: user code */
    lea user_trampoline(%rip), %rax
    push %rax
    iretq

user_trampoline:                      /* CPL3: RDI = fn, RSI = arg */
    mov %rdi, %rax
    mov %rsi, %rdi
    call *%rax
    .globl user_return_ud2
user_return_ud2:
    ud2

/* void user_resume(uint64_t rsp, uint64_t result): back into user_call_asm's frame, returning result. */
    .globl user_resume
user_resume:
    mov %rdi, %rsp
    mov %rsi, %rax
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

/* uint64_t user_kcall(fn, arg) at CPL3: the #UD handler sees this UD2 and runs fn(arg) at CPL0. */
    .globl user_kcall, user_kcall_ud2
user_kcall:
user_kcall_ud2:
    ud2
    ret

/*
 * An XMM fast hypercall's registers from (RDI = control, RSI = input[14]) (TLFS "XMM Fast Hypercall Input"):
 * RCX = control, the first 16 input bytes in RDX:R8, the next 96 in XMM0-XMM5. The C code is built without
 * SSE, so the XMM loads live here.
 */
.macro xmm_fast_input
    mov %rdi, %rcx
    mov 0(%rsi), %rdx
    mov 8(%rsi), %r8
    movdqu 16(%rsi), %xmm0
    movdqu 32(%rsi), %xmm1
    movdqu 48(%rsi), %xmm2
    movdqu 64(%rsi), %xmm3
    movdqu 80(%rsi), %xmm4
    movdqu 96(%rsi), %xmm5
.endm

/*
 * uint64_t user_hv_hypercall(control, input, output) at CPL3: RCX, RDX, R8 as the hypercall page takes them,
 * then the UD2 that ud_entry turns into the call. user_hv_hypercall_xmm(control, input[14]) loads an XMM fast
 * call (TLFS "XMM Fast Hypercall Input": 16 bytes in RDX:R8, the next 96 in XMM0-XMM5) first.
 */
    .globl user_hv_hypercall, user_hv_hypercall_xmm, user_hv_hypercall_ud2
user_hv_hypercall:
    mov %rdi, %rcx
    mov %rdx, %r8
    mov %rsi, %rdx
user_hv_hypercall_ud2:
    ud2
    ret
user_hv_hypercall_xmm:
    xmm_fast_input
    jmp user_hv_hypercall_ud2

/*
 * void hv_call_from_compat32(uint32_t page, uint32_t control): far-returns into the 32-bit kernel code
 * segment and calls the hypercall page from compatibility mode. The call must fault: the caller arms the
 * fixup (rip = compat32_back, cs = kernel code64), and R9 keeps the 64-bit stack pointer across it.
 */
    .globl hv_call_from_compat32, compat32_back
hv_call_from_compat32:
    mov %rsp, %r9
    mov %esi, %ecx
    pushq $0x28
    lea 1f(%rip), %rax
    push %rax
    lretq
    .code32
1:  mov %edi, %eax
    call *%eax
    ud2                               /* not reached: the call faults */
    .code64
compat32_back:
    mov %r9, %rsp
    ret

/* uint64_t hv_hypercall_xmm(uint64_t control, const uint64_t input[14]): an XMM fast hypercall at CPL0. */
    .globl hv_hypercall_xmm
hv_hypercall_xmm:
    xmm_fast_input
    call *hv_hypercall_page(%rip)
    ret
