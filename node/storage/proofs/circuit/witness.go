package circuit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"

	"github.com/consensys/gnark/frontend"

	"github.com/cairn-node/cairn/accel/poseidon2"
)

// ErrWitness is returned for a witness that does not fit the circuit's
// parameters or holds a value that is not a field element.
var ErrWitness = errors.New("circuit: invalid witness")

// Witness is every input of SampleAndProve as plain Go values, what a
// prover fills from its slot trees. Field elements are integers in [0, r);
// paths are bottom-up sibling lists and may be shorter than the circuit's
// maximum depth (they are zero-padded, as upstream pads them). Assign does
// not modify or retain it.
type Witness struct {
	Entropy     *big.Int // public
	DataSetRoot *big.Int // public
	SlotIndex   uint64   // public

	SlotRoot         *big.Int
	NCellsPerSlot    uint64       // a power of two, at least 2
	NSlotsPerDataSet uint64       // at least 1
	SlotProof        []*big.Int   // slot root → dataset root, ≤ MaxLog2NSlots entries
	CellData         [][]*big.Int // per sample, CellElems elements
	MerklePaths      [][]*big.Int // per sample, cell → block → slot, ≤ MaxDepth entries
}

// Public returns the assignment of the public inputs only (entropy,
// dataSetRoot, slotIndex), for verification. It checks them like Assign.
func Public(entropy, dataSetRoot *big.Int, slotIndex uint64) (*SampleAndProve, error) {
	if err := checkElems("entropy", entropy); err != nil {
		return nil, err
	}
	if err := checkElems("dataSetRoot", dataSetRoot); err != nil {
		return nil, err
	}
	return &SampleAndProve{Entropy: entropy, DataSetRoot: dataSetRoot, SlotIndex: slotIndex}, nil
}

// Assign returns the full assignment of w for the circuit with parameters
// p. It returns an error wrapping ErrParams or ErrWitness when w does not
// fit: wrong sample count, a cell of the wrong length, a path too long, a
// nil or out-of-range element. Whether the statement holds is the solver's
// business, not Assign's.
func Assign(p Params, w *Witness) (*SampleAndProve, error) {
	c, err := New(p)
	if err != nil {
		return nil, err
	}
	if w == nil {
		return nil, fmt.Errorf("%w: nil", ErrWitness)
	}
	if err := checkElems("entropy, dataSetRoot, slotRoot", w.Entropy, w.DataSetRoot, w.SlotRoot); err != nil {
		return nil, err
	}
	c.Entropy, c.DataSetRoot, c.SlotIndex = w.Entropy, w.DataSetRoot, w.SlotIndex
	c.SlotRoot, c.NCellsPerSlot, c.NSlotsPerDataSet = w.SlotRoot, w.NCellsPerSlot, w.NSlotsPerDataSet
	if err := padInto(c.SlotProof, w.SlotProof, "slotProof"); err != nil {
		return nil, err
	}
	if len(w.CellData) != p.Samples || len(w.MerklePaths) != p.Samples {
		return nil, fmt.Errorf("%w: %d cells and %d paths for %d samples", ErrWitness, len(w.CellData), len(w.MerklePaths), p.Samples)
	}
	for i := range w.CellData {
		if len(w.CellData[i]) != p.CellElems {
			return nil, fmt.Errorf("%w: cell %d has %d elements, want %d", ErrWitness, i, len(w.CellData[i]), p.CellElems)
		}
		if err := padInto(c.CellData[i], w.CellData[i], fmt.Sprintf("cell %d", i)); err != nil {
			return nil, err
		}
		if err := padInto(c.MerklePaths[i], w.MerklePaths[i], fmt.Sprintf("merkle path %d", i)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// padInto copies src into dst and fills the rest of dst with zeros.
func padInto(dst []frontend.Variable, src []*big.Int, what string) error {
	if len(src) > len(dst) {
		return fmt.Errorf("%w: %s has %d entries, at most %d allowed", ErrWitness, what, len(src), len(dst))
	}
	if err := checkElems(what, src...); err != nil {
		return err
	}
	for i := range dst {
		if i < len(src) {
			dst[i] = src[i]
		} else {
			dst[i] = 0
		}
	}
	return nil
}

// checkElems checks that every value is in [0, r).
func checkElems(what string, vs ...*big.Int) error {
	r := poseidon2.Modulus()
	for i, v := range vs {
		if v == nil || v.Sign() < 0 || v.Cmp(r) >= 0 {
			return fmt.Errorf("%w: %s: element %d is not in [0, r)", ErrWitness, what, i)
		}
	}
	return nil
}

// inputJSON is the layout of logos-storage-nim's circuit input
// (tests/circuits/fixtures/input.json): field elements as decimal strings,
// counts and the slot index as JSON numbers (strings are accepted too).
type inputJSON struct {
	Entropy          decimal     `json:"entropy"`
	DataSetRoot      decimal     `json:"dataSetRoot"`
	SlotIndex        count       `json:"slotIndex"`
	SlotRoot         decimal     `json:"slotRoot"`
	NCellsPerSlot    count       `json:"nCellsPerSlot"`
	NSlotsPerDataSet count       `json:"nSlotsPerDataSet"`
	SlotProof        []decimal   `json:"slotProof"`
	CellData         [][]decimal `json:"cellData"`
	MerklePaths      [][]decimal `json:"merklePaths"`
}

// decimal is a non-negative integer written as a JSON string (read from a
// string or a number).
type decimal struct{ v *big.Int }

// UnmarshalJSON accepts "123" and 123.
func (d *decimal) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 {
		return fmt.Errorf("%w: %q is not a non-negative decimal integer", ErrWitness, truncate(s))
	}
	d.v = v
	return nil
}

// MarshalJSON writes "123".
func (d decimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, d.v.String()), nil
}

// count is a decimal written as a JSON number.
type count struct{ decimal }

// MarshalJSON writes 123.
func (c count) MarshalJSON() ([]byte, error) {
	return []byte(c.v.String()), nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// maxInputJSON bounds ParseInputJSON's input: 100 samples of 67 elements
// and 32 path entries are about 700 KB.
const maxInputJSON = 64 << 20

// ParseInputJSON reads a witness in the layout of upstream's circuit input
// (logos-storage-nim tests/circuits/fixtures/input.json,
// codex-storage-proofs-circuits reference/nim/proof_input). It returns an
// error wrapping ErrWitness for malformed JSON, a missing field or a count
// that does not fit in a uint64; it does not check the statement.
func ParseInputJSON(r io.Reader) (*Witness, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxInputJSON+1))
	if err != nil {
		return nil, fmt.Errorf("circuit: read input: %w", err)
	}
	if len(raw) > maxInputJSON {
		return nil, fmt.Errorf("%w: input larger than %d bytes", ErrWitness, maxInputJSON)
	}
	var in inputJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWitness, err)
	}
	for name, d := range map[string]decimal{
		"entropy": in.Entropy, "dataSetRoot": in.DataSetRoot, "slotIndex": in.SlotIndex.decimal, "slotRoot": in.SlotRoot,
		"nCellsPerSlot": in.NCellsPerSlot.decimal, "nSlotsPerDataSet": in.NSlotsPerDataSet.decimal,
	} {
		if d.v == nil {
			return nil, fmt.Errorf("%w: field %q missing", ErrWitness, name)
		}
	}
	w := &Witness{Entropy: in.Entropy.v, DataSetRoot: in.DataSetRoot.v, SlotRoot: in.SlotRoot.v}
	for _, f := range []struct {
		name string
		d    decimal
		dst  *uint64
	}{{"slotIndex", in.SlotIndex.decimal, &w.SlotIndex}, {"nCellsPerSlot", in.NCellsPerSlot.decimal, &w.NCellsPerSlot}, {"nSlotsPerDataSet", in.NSlotsPerDataSet.decimal, &w.NSlotsPerDataSet}} {
		if !f.d.v.IsUint64() {
			return nil, fmt.Errorf("%w: %s %v does not fit in 64 bits", ErrWitness, f.name, f.d.v)
		}
		*f.dst = f.d.v.Uint64()
	}
	w.SlotProof = bigs(in.SlotProof)
	for _, c := range in.CellData {
		w.CellData = append(w.CellData, bigs(c))
	}
	for _, p := range in.MerklePaths {
		w.MerklePaths = append(w.MerklePaths, bigs(p))
	}
	return w, nil
}

// MarshalInputJSON writes w in the layout ParseInputJSON reads, which is
// upstream's circuit input (input.json): what upstream's witness generator
// (proof_main.wasm) and so its provers take, for the circuit with
// parameters p. The slot proof and the Merkle paths are zero-padded to p's
// MaxLog2NSlots and MaxDepth, as upstream pads them; counts and the slot
// index are JSON numbers, field elements decimal strings. It returns an
// error wrapping ErrParams or ErrWitness where Assign would.
func MarshalInputJSON(p Params, w *Witness) ([]byte, error) {
	if _, err := Assign(p, w); err != nil {
		return nil, err
	}
	out := inputJSON{
		Entropy: decimal{w.Entropy}, DataSetRoot: decimal{w.DataSetRoot}, SlotRoot: decimal{w.SlotRoot},
		SlotIndex:        count{decimal{new(big.Int).SetUint64(w.SlotIndex)}},
		NCellsPerSlot:    count{decimal{new(big.Int).SetUint64(w.NCellsPerSlot)}},
		NSlotsPerDataSet: count{decimal{new(big.Int).SetUint64(w.NSlotsPerDataSet)}},
		SlotProof:        decimals(w.SlotProof, p.MaxLog2NSlots),
	}
	for i := range w.CellData {
		out.CellData = append(out.CellData, decimals(w.CellData[i], p.CellElems))
		out.MerklePaths = append(out.MerklePaths, decimals(w.MerklePaths[i], p.MaxDepth))
	}
	return json.Marshal(out)
}

// decimals returns vs zero-padded to n entries (len(vs) ≤ n, which Assign
// checked).
func decimals(vs []*big.Int, n int) []decimal {
	out := make([]decimal, n)
	for i := range out {
		if i < len(vs) {
			out[i] = decimal{vs[i]}
		} else {
			out[i] = decimal{new(big.Int)}
		}
	}
	return out
}

// bigs unwraps decimals; a JSON null entry becomes nil, which Assign rejects.
func bigs(ds []decimal) []*big.Int {
	out := make([]*big.Int, len(ds))
	for i, d := range ds {
		out[i] = d.v
	}
	return out
}
