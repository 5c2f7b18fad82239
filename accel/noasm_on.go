//go:build noasm

package accel

// NoAsm reports whether this binary was built with the noasm tag, which
// turns every assembly path off (Cairn's, klauspost/reedsolomon's and
// klauspost/cpuid's). The SIMD backend reports ErrUnavailable in such builds.
const NoAsm = true
