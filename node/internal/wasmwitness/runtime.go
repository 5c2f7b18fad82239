package wasmwitness

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// instantiateRuntimeHost defines the "runtime" host module that circom 2
// witness calculators import. The functions find the per-call state in the
// context that Calculate passes to every module call.
func instantiateRuntimeHost(ctx context.Context, rt wazero.Runtime) error {
	_, err := rt.NewHostModuleBuilder("runtime").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, code int32) {
		// Unwind the wasm stack, as the JS runtime's throw does; wazero
		// recovers the panic and returns it from the exported call.
		panic(exception{code: uint32(code)})
	}).Export("exceptionHandler").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module) {
		if st := stateOf(ctx); st != nil {
			st.errMsg.WriteString(message(ctx, m))
			st.errMsg.WriteByte('\n')
		}
	}).Export("printErrorMessage").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module) {
		message(ctx, m) // circom log() output: consumed and dropped
	}).Export("writeBufferMessage").
		NewFunctionBuilder().WithFunc(func(context.Context) {}).Export("showSharedRWMemory").
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("wasmwitness: define runtime imports: %w", err)
	}
	return nil
}

func stateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

// maxMessage bounds a message read with getMessageChar, so a broken module
// cannot loop forever.
const maxMessage = 1 << 16

// message reads the module's pending message, one character per
// getMessageChar call, up to the terminating 0.
func message(ctx context.Context, m api.Module) string {
	f := m.ExportedFunction("getMessageChar")
	if f == nil {
		return ""
	}
	var b []byte
	for len(b) < maxMessage {
		res, err := f.Call(ctx)
		if err != nil || len(res) == 0 || uint32(res[0]) == 0 {
			break
		}
		b = append(b, byte(res[0]))
	}
	return string(b)
}
