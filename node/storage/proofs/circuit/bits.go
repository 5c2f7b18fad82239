package circuit

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
)

func init() { solver.RegisterHint(log2MaskHint) }

// log2MaskHint computes, for inputs[0] = x, outputs[0] = bitlen(x) - 1 (the
// logarithm when x is a power of two) and outputs[1+i] = 1 when 2^i < x,
// else 0. Like upstream's witness code it never fails; the constraints of
// log2Mask reject an x that is not a power of two.
func log2MaskHint(_ *big.Int, inputs, outputs []*big.Int) error {
	if len(inputs) != 1 || len(outputs) < 2 {
		return fmt.Errorf("circuit: log2 hint: %d inputs, %d outputs", len(inputs), len(outputs))
	}
	x := inputs[0]
	outputs[0].SetInt64(int64(x.BitLen() - 1))
	p := big.NewInt(1)
	for i := 1; i < len(outputs); i++ {
		if p.Cmp(x) < 0 {
			outputs[i].SetInt64(1)
		} else {
			outputs[i].SetInt64(0)
		}
		p.Lsh(p, 1)
	}
	return nil
}

// log2Mask is log2.circom's Log2_CircomWitnessCalc_Hack(n): it constrains
// x = 2^k with 1 ≤ k ≤ n and returns mask[0..n] with mask[i] = 1 for i < k
// and 0 from k on. The mask is a hint; the constraints below force it (the
// differences mask[i] - mask[i+1] are zero except at i = k-1 and sum to 1).
func log2Mask(api frontend.API, x frontend.Variable, n int) ([]frontend.Variable, error) {
	out, err := api.Compiler().NewHint(log2MaskHint, n+2, x)
	if err != nil {
		return nil, fmt.Errorf("circuit: log2 hint: %w", err)
	}
	k, mask := out[0], out[1:]
	api.AssertIsEqual(mask[0], 1)
	api.AssertIsEqual(mask[n], 0)
	var sum frontend.Variable = 0
	for i := 0; i < n; i++ {
		d := api.Sub(mask[i], mask[i+1])
		sum = api.Add(sum, api.Mul(new(big.Int).Lsh(big.NewInt(1), uint(i+1)), d))
		api.AssertIsEqual(api.Mul(d, api.Sub(i+1, k)), 0)
	}
	api.AssertIsEqual(x, sum)
	return mask, nil
}

// ceilingLog2 is log2.circom's CeilingLog2(n) without its unused `out`: it
// returns the n bits of x - 1 (so 1 ≤ x ≤ 2^n) and mask[0..n], the bits of
// 2^ceil(log2 x) - 1 with mask[n] = 0.
func ceilingLog2(api frontend.API, x frontend.Variable, n int) (bits, mask []frontend.Variable) {
	bits = api.ToBinary(api.Sub(x, 1), n)
	mask = make([]frontend.Variable, n+1)
	var aux frontend.Variable = 1
	for i := n - 1; i >= 0; i-- {
		aux = api.Mul(aux, api.Sub(1, bits[i]))
		mask[i] = api.Sub(1, aux)
	}
	mask[n] = 0
	return bits, mask
}
