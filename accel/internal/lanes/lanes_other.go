//go:build !amd64 || noasm

package lanes

func available() bool { return false }

func mul8(z, x, y *vec, k *kconsts) { panic("lanes: no AVX-512 IFMA kernel in this build") }

func sub8(z, x, y, d *vec) { panic("lanes: no AVX-512 IFMA kernel in this build") }

func add8(z, x, y *vec) { panic("lanes: no AVX-512 IFMA kernel in this build") }

func sqr8n(z, x *vec, n int, k *kconsts) { panic("lanes: no AVX-512 IFMA kernel in this build") }

func permute8(s *state, k *kconsts) { panic("lanes: no AVX-512 IFMA kernel in this build") }
