//go:build amd64 && !noasm

#include "textflag.h"

// Eight BN254 Poseidon2 permutations at once with AVX-512 IFMA.
//
// A field element of the eight lanes is a vec: five 64-bit words per lane,
// limb i (52 bits, weight 2^(52·i)) of all lanes in the i-th 64-byte row.
// Values are in Montgomery form with R = 2^260 and are kept lazily reduced:
// limbs may exceed 52 bits (or be negative after REDUCE) between
// multiplications, and the value may exceed r; lanes.go gives the bounds.
//
// Fixed registers while a function runs:
//	Z18-Z22  the limbs of r        Z23  -r^-1 mod 2^52
//	Z24      2^52 - 1              Z25  C = floor(2^268 / r)
// Scratch: Z0-Z4 (multiplicand), Z5-Z9, Z10-Z15 (the product's
// accumulators), Z16, Z17, Z26-Z30 (the S-box input), Z31.

// Offsets in the constants block (kconsts in lanes.go).
#define K_P 0
#define K_PINV 40
#define K_MASK 48
#define K_C 56
#define K_EXT 64
#define K_INT 1024
#define EXT_ROUND 120
#define EXT_LATE 544

// Offsets of the state elements (vec is 320 bytes).
#define S_X 0
#define S_Y 320
#define S_Z 640

#define LOADK(k) \
	VPBROADCASTQ K_P+0(k), Z18; \
	VPBROADCASTQ K_P+8(k), Z19; \
	VPBROADCASTQ K_P+16(k), Z20; \
	VPBROADCASTQ K_P+24(k), Z21; \
	VPBROADCASTQ K_P+32(k), Z22; \
	VPBROADCASTQ K_PINV(k), Z23; \
	VPBROADCASTQ K_MASK(k), Z24; \
	VPBROADCASTQ K_C(k), Z25

#define LOADV(base, off, r0, r1, r2, r3, r4) \
	VMOVDQU64 off+0(base), r0; \
	VMOVDQU64 off+64(base), r1; \
	VMOVDQU64 off+128(base), r2; \
	VMOVDQU64 off+192(base), r3; \
	VMOVDQU64 off+256(base), r4

#define STOREV(base, off, r0, r1, r2, r3, r4) \
	VMOVDQU64 r0, off+0(base); \
	VMOVDQU64 r1, off+64(base); \
	VMOVDQU64 r2, off+128(base); \
	VMOVDQU64 r3, off+192(base); \
	VMOVDQU64 r4, off+256(base)

// ADDC adds the constant of five limbs at off(base) to every lane.
#define ADDC(base, off, r0, r1, r2, r3, r4) \
	VPBROADCASTQ off+0(base), Z17; \
	VPADDQ Z17, r0, r0; \
	VPBROADCASTQ off+8(base), Z17; \
	VPADDQ Z17, r1, r1; \
	VPBROADCASTQ off+16(base), Z17; \
	VPADDQ Z17, r2, r2; \
	VPBROADCASTQ off+24(base), Z17; \
	VPADDQ Z17, r3, r3; \
	VPBROADCASTQ off+32(base), Z17; \
	VPADDQ Z17, r4, r4

// ADDV sets d = y + x limb by limb (no carries: values are lazy).
#define ADDV(x0, x1, x2, x3, x4, y0, y1, y2, y3, y4, d0, d1, d2, d3, d4) \
	VPADDQ x0, y0, d0; \
	VPADDQ x1, y1, d1; \
	VPADDQ x2, y2, d2; \
	VPADDQ x3, y3, d3; \
	VPADDQ x4, y4, d4

// NORM propagates carries (signed: limbs may be negative) so that limbs
// 0-3 are in [0, 2^52); limb 4 takes the rest, below 2^52 when the value
// is in [0, 2^260).
#define NORM(r0, r1, r2, r3, r4) \
	VPSRAQ $52, r0, Z17; \
	VPANDQ Z24, r0, r0; \
	VPADDQ Z17, r1, r1; \
	VPSRAQ $52, r1, Z17; \
	VPANDQ Z24, r1, r1; \
	VPADDQ Z17, r2, r2; \
	VPSRAQ $52, r2, Z17; \
	VPANDQ Z24, r2, r2; \
	VPADDQ Z17, r3, r3; \
	VPSRAQ $52, r3, Z17; \
	VPANDQ Z24, r3, r3; \
	VPADDQ Z17, r4, r4

// REDSTEP is one step of a Montgomery reduction of the product in
// t0..: m = t0·(-r^-1) mod 2^52, t += m·r, carry t0 into t1.
#define REDSTEP(t0, t1, t2, t3, t4, t5) \
	VPXORQ Z16, Z16, Z16; \
	VPMADD52LUQ Z23, t0, Z16; \
	VPMADD52LUQ Z18, Z16, t0; \
	VPMADD52LUQ Z19, Z16, t1; \
	VPMADD52LUQ Z20, Z16, t2; \
	VPMADD52LUQ Z21, Z16, t3; \
	VPMADD52LUQ Z22, Z16, t4; \
	VPMADD52HUQ Z18, Z16, t1; \
	VPMADD52HUQ Z19, Z16, t2; \
	VPMADD52HUQ Z20, Z16, t3; \
	VPMADD52HUQ Z21, Z16, t4; \
	VPMADD52HUQ Z22, Z16, t5; \
	VPSRLQ $52, t0, Z17; \
	VPADDQ Z17, t1, t1

// STEP is one round of the interleaved Montgomery multiplication:
// t += a·bi, then a reduction step (REDSTEP); t0, now a multiple of 2^52
// whose carry went to t1, is cleared to serve as the next t5.
#define STEP(bi, a0, a1, a2, a3, a4, t0, t1, t2, t3, t4, t5) \
	VPMADD52LUQ bi, a0, t0; \
	VPMADD52LUQ bi, a1, t1; \
	VPMADD52LUQ bi, a2, t2; \
	VPMADD52LUQ bi, a3, t3; \
	VPMADD52LUQ bi, a4, t4; \
	VPMADD52HUQ bi, a0, t1; \
	VPMADD52HUQ bi, a1, t2; \
	VPMADD52HUQ bi, a2, t3; \
	VPMADD52HUQ bi, a3, t4; \
	VPMADD52HUQ bi, a4, t5; \
	REDSTEP(t0, t1, t2, t3, t4, t5); \
	VPXORQ t0, t0, t0

// MONTMUL sets (Z15, Z10, Z11, Z12, Z13) to a·b·2^-260 mod r, normalized
// (below 2r·(1 + ...), see lanes.go); a and b must be normalized and must
// not be Z10-Z17.
#define MONTMUL(a0, a1, a2, a3, a4, b0, b1, b2, b3, b4) \
	VPXORQ Z10, Z10, Z10; \
	VPXORQ Z11, Z11, Z11; \
	VPXORQ Z12, Z12, Z12; \
	VPXORQ Z13, Z13, Z13; \
	VPXORQ Z14, Z14, Z14; \
	VPXORQ Z15, Z15, Z15; \
	STEP(b0, a0, a1, a2, a3, a4, Z10, Z11, Z12, Z13, Z14, Z15); \
	STEP(b1, a0, a1, a2, a3, a4, Z11, Z12, Z13, Z14, Z15, Z10); \
	STEP(b2, a0, a1, a2, a3, a4, Z12, Z13, Z14, Z15, Z10, Z11); \
	STEP(b3, a0, a1, a2, a3, a4, Z13, Z14, Z15, Z10, Z11, Z12); \
	STEP(b4, a0, a1, a2, a3, a4, Z14, Z15, Z10, Z11, Z12, Z13); \
	NORM(Z15, Z10, Z11, Z12, Z13)

// SQUARE sets t5-t9 to a²·2^-260 mod r, normalized: the ten-limb square
// in t0-t9 (cross products once, doubled, then the diagonal: 30
// multiplications instead of 50), then five reduction steps. a must be
// normalized and must not be among t0-t9, Z16 or Z17.
#define SQUARE(a0, a1, a2, a3, a4, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9) \
	VPXORQ t0, t0, t0; \
	VPXORQ t1, t1, t1; \
	VPXORQ t2, t2, t2; \
	VPXORQ t3, t3, t3; \
	VPXORQ t4, t4, t4; \
	VPXORQ t5, t5, t5; \
	VPXORQ t6, t6, t6; \
	VPXORQ t7, t7, t7; \
	VPXORQ t8, t8, t8; \
	VPXORQ t9, t9, t9; \
	VPMADD52LUQ a1, a0, t1; \
	VPMADD52HUQ a1, a0, t2; \
	VPMADD52LUQ a2, a0, t2; \
	VPMADD52HUQ a2, a0, t3; \
	VPMADD52LUQ a3, a0, t3; \
	VPMADD52HUQ a3, a0, t4; \
	VPMADD52LUQ a4, a0, t4; \
	VPMADD52HUQ a4, a0, t5; \
	VPMADD52LUQ a2, a1, t3; \
	VPMADD52HUQ a2, a1, t4; \
	VPMADD52LUQ a3, a1, t4; \
	VPMADD52HUQ a3, a1, t5; \
	VPMADD52LUQ a4, a1, t5; \
	VPMADD52HUQ a4, a1, t6; \
	VPMADD52LUQ a3, a2, t5; \
	VPMADD52HUQ a3, a2, t6; \
	VPMADD52LUQ a4, a2, t6; \
	VPMADD52HUQ a4, a2, t7; \
	VPMADD52LUQ a4, a3, t7; \
	VPMADD52HUQ a4, a3, t8; \
	VPADDQ t1, t1, t1; \
	VPADDQ t2, t2, t2; \
	VPADDQ t3, t3, t3; \
	VPADDQ t4, t4, t4; \
	VPADDQ t5, t5, t5; \
	VPADDQ t6, t6, t6; \
	VPADDQ t7, t7, t7; \
	VPADDQ t8, t8, t8; \
	VPMADD52LUQ a0, a0, t0; \
	VPMADD52HUQ a0, a0, t1; \
	VPMADD52LUQ a1, a1, t2; \
	VPMADD52HUQ a1, a1, t3; \
	VPMADD52LUQ a2, a2, t4; \
	VPMADD52HUQ a2, a2, t5; \
	VPMADD52LUQ a3, a3, t6; \
	VPMADD52HUQ a3, a3, t7; \
	VPMADD52LUQ a4, a4, t8; \
	VPMADD52HUQ a4, a4, t9; \
	REDSTEP(t0, t1, t2, t3, t4, t5); \
	REDSTEP(t1, t2, t3, t4, t5, t6); \
	REDSTEP(t2, t3, t4, t5, t6, t7); \
	REDSTEP(t3, t4, t5, t6, t7, t8); \
	REDSTEP(t4, t5, t6, t7, t8, t9); \
	NORM(t5, t6, t7, t8, t9)

// SBOX sets the product registers (Z15, Z10-Z13) to x^5 for the
// normalized x in Z26-Z30: x² in Z10-Z14, x⁴ in Z5-Z9, then x⁴·x.
#define SBOX \
	SQUARE(Z26, Z27, Z28, Z29, Z30, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14); \
	SQUARE(Z10, Z11, Z12, Z13, Z14, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9); \
	MONTMUL(Z5, Z6, Z7, Z8, Z9, Z26, Z27, Z28, Z29, Z30)

// REDUCE subtracts q·r from a value v in [0, 2^260), q = floor(v/r) or one
// or two less, leaving v mod r plus at most 2r (limbs may be negative).
#define REDUCE(r0, r1, r2, r3, r4) \
	NORM(r0, r1, r2, r3, r4); \
	VPSRLQ $20, r4, Z16; \
	VPMULUDQ Z25, Z16, Z16; \
	VPSRLQ $40, Z16, Z16; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52LUQ Z18, Z16, Z17; \
	VPSUBQ Z17, r0, r0; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52LUQ Z19, Z16, Z17; \
	VPSUBQ Z17, r1, r1; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52LUQ Z20, Z16, Z17; \
	VPSUBQ Z17, r2, r2; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52LUQ Z21, Z16, Z17; \
	VPSUBQ Z17, r3, r3; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52LUQ Z22, Z16, Z17; \
	VPSUBQ Z17, r4, r4; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52HUQ Z18, Z16, Z17; \
	VPSUBQ Z17, r1, r1; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52HUQ Z19, Z16, Z17; \
	VPSUBQ Z17, r2, r2; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52HUQ Z20, Z16, Z17; \
	VPSUBQ Z17, r3, r3; \
	VPXORQ Z17, Z17, Z17; \
	VPMADD52HUQ Z21, Z16, Z17; \
	VPSUBQ Z17, r4, r4

// LINEAR applies the external matrix circ(2,1,1) to the state at DI:
// s = x + y + z, then x, y and z each gain s.
#define LINEAR \
	LOADV(DI, S_X, Z0, Z1, Z2, Z3, Z4); \
	LOADV(DI, S_Y, Z5, Z6, Z7, Z8, Z9); \
	LOADV(DI, S_Z, Z26, Z27, Z28, Z29, Z30); \
	ADDV(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14); \
	ADDV(Z26, Z27, Z28, Z29, Z30, Z10, Z11, Z12, Z13, Z14, Z10, Z11, Z12, Z13, Z14); \
	ADDV(Z10, Z11, Z12, Z13, Z14, Z0, Z1, Z2, Z3, Z4, Z0, Z1, Z2, Z3, Z4); \
	ADDV(Z10, Z11, Z12, Z13, Z14, Z5, Z6, Z7, Z8, Z9, Z5, Z6, Z7, Z8, Z9); \
	ADDV(Z10, Z11, Z12, Z13, Z14, Z26, Z27, Z28, Z29, Z30, Z26, Z27, Z28, Z29, Z30); \
	STOREV(DI, S_X, Z0, Z1, Z2, Z3, Z4); \
	STOREV(DI, S_Y, Z5, Z6, Z7, Z8, Z9); \
	STOREV(DI, S_Z, Z26, Z27, Z28, Z29, Z30)

// SBOX_AT adds the constant at coff(AX) to the element at soff(DI) and
// replaces it by its fifth power.
#define SBOX_AT(soff, coff) \
	LOADV(DI, soff, Z26, Z27, Z28, Z29, Z30); \
	ADDC(AX, coff, Z26, Z27, Z28, Z29, Z30); \
	NORM(Z26, Z27, Z28, Z29, Z30); \
	SBOX; \
	STOREV(DI, soff, Z15, Z10, Z11, Z12, Z13)

// FULL is a full round with the three constants at AX.
#define FULL \
	SBOX_AT(S_X, 0); \
	SBOX_AT(S_Y, 40); \
	SBOX_AT(S_Z, 80); \
	LINEAR

// PARTIAL is a partial round with the constant at AX: S-box on x, then the
// internal matrix [[2,1,1],[1,2,1],[1,1,3]] (s = x + y + z; x += s;
// y += s; z = 2z + s), reducing y and z, which no S-box reduces.
#define PARTIAL \
	LOADV(DI, S_X, Z26, Z27, Z28, Z29, Z30); \
	ADDC(AX, 0, Z26, Z27, Z28, Z29, Z30); \
	NORM(Z26, Z27, Z28, Z29, Z30); \
	SBOX; \
	LOADV(DI, S_Y, Z0, Z1, Z2, Z3, Z4); \
	LOADV(DI, S_Z, Z5, Z6, Z7, Z8, Z9); \
	ADDV(Z15, Z10, Z11, Z12, Z13, Z0, Z1, Z2, Z3, Z4, Z26, Z27, Z28, Z29, Z30); \
	ADDV(Z5, Z6, Z7, Z8, Z9, Z26, Z27, Z28, Z29, Z30, Z26, Z27, Z28, Z29, Z30); \
	ADDV(Z26, Z27, Z28, Z29, Z30, Z15, Z10, Z11, Z12, Z13, Z15, Z10, Z11, Z12, Z13); \
	STOREV(DI, S_X, Z15, Z10, Z11, Z12, Z13); \
	ADDV(Z26, Z27, Z28, Z29, Z30, Z0, Z1, Z2, Z3, Z4, Z0, Z1, Z2, Z3, Z4); \
	REDUCE(Z0, Z1, Z2, Z3, Z4); \
	STOREV(DI, S_Y, Z0, Z1, Z2, Z3, Z4); \
	ADDV(Z5, Z6, Z7, Z8, Z9, Z5, Z6, Z7, Z8, Z9, Z5, Z6, Z7, Z8, Z9); \
	ADDV(Z26, Z27, Z28, Z29, Z30, Z5, Z6, Z7, Z8, Z9, Z5, Z6, Z7, Z8, Z9); \
	REDUCE(Z5, Z6, Z7, Z8, Z9); \
	STOREV(DI, S_Z, Z5, Z6, Z7, Z8, Z9)

// func mul8(z, x, y *vec, k *kconsts)
TEXT ·mul8(SB), NOSPLIT, $0-32
	MOVQ z+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ k+24(FP), CX
	LOADK(CX)
	LOADV(SI, 0, Z0, Z1, Z2, Z3, Z4)
	NORM(Z0, Z1, Z2, Z3, Z4)
	LOADV(DX, 0, Z5, Z6, Z7, Z8, Z9)
	NORM(Z5, Z6, Z7, Z8, Z9)
	MONTMUL(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9)
	STOREV(DI, 0, Z15, Z10, Z11, Z12, Z13)
	VZEROUPPER
	RET

// func permute8(s *state, k *kconsts)
TEXT ·permute8(SB), NOSPLIT, $0-16
	MOVQ s+0(FP), DI
	MOVQ k+8(FP), SI
	LOADK(SI)
	LINEAR

	LEAQ K_EXT(SI), AX
	MOVQ $4, CX

early:
	FULL
	ADDQ $EXT_ROUND, AX
	DECQ CX
	JNZ  early

	LEAQ K_INT(SI), AX
	MOVQ $56, CX

partial:
	PARTIAL
	ADDQ $40, AX
	DECQ CX
	JNZ  partial

	LEAQ EXT_LATE(SI), AX
	MOVQ $4, CX

late:
	FULL
	ADDQ $EXT_ROUND, AX
	DECQ CX
	JNZ  late

	VZEROUPPER
	RET

// func sub8(z, x, y, d *vec)
// z = x + d - y limb by limb, without carries: d is a borrowless
// representation of a multiple of the modulus whose limbs are at least
// y's, so no limb goes negative (field.go).
TEXT ·sub8(SB), NOSPLIT, $0-32
	MOVQ z+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ d+24(FP), CX
	LOADV(SI, 0, Z0, Z1, Z2, Z3, Z4)
	LOADV(CX, 0, Z5, Z6, Z7, Z8, Z9)
	VPADDQ Z5, Z0, Z0
	VPADDQ Z6, Z1, Z1
	VPADDQ Z7, Z2, Z2
	VPADDQ Z8, Z3, Z3
	VPADDQ Z9, Z4, Z4
	LOADV(DX, 0, Z5, Z6, Z7, Z8, Z9)
	VPSUBQ Z5, Z0, Z0
	VPSUBQ Z6, Z1, Z1
	VPSUBQ Z7, Z2, Z2
	VPSUBQ Z8, Z3, Z3
	VPSUBQ Z9, Z4, Z4
	STOREV(DI, 0, Z0, Z1, Z2, Z3, Z4)
	VZEROUPPER
	RET

// func add8(z, x, y *vec)
// z = x + y limb by limb, without carries (Field.Add).
TEXT ·add8(SB), NOSPLIT, $0-24
	MOVQ z+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	LOADV(SI, 0, Z0, Z1, Z2, Z3, Z4)
	LOADV(DX, 0, Z5, Z6, Z7, Z8, Z9)
	ADDV(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z0, Z1, Z2, Z3, Z4)
	STOREV(DI, 0, Z0, Z1, Z2, Z3, Z4)
	VZEROUPPER
	RET

// func sqr8n(z, x *vec, n int, k *kconsts)
TEXT ·sqr8n(SB), NOSPLIT, $0-32
	MOVQ z+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ k+24(FP), CX
	LOADK(CX)
	LOADV(SI, 0, Z0, Z1, Z2, Z3, Z4)
	NORM(Z0, Z1, Z2, Z3, Z4)
	TESTQ BX, BX
	JZ   sqrdone

sqrloop:
	SQUARE(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14)
	VMOVDQA64 Z10, Z0
	VMOVDQA64 Z11, Z1
	VMOVDQA64 Z12, Z2
	VMOVDQA64 Z13, Z3
	VMOVDQA64 Z14, Z4
	DECQ BX
	JNZ  sqrloop

sqrdone:
	STOREV(DI, 0, Z0, Z1, Z2, Z3, Z4)
	VZEROUPPER
	RET
