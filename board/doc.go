// Package board holds one small description per supported board (x86-64
// mini PCs, Raspberry Pi 4/5, RK3588): kernel, firmware, device tree,
// console and partition layout. The descriptions arrive with the image
// issue.
package board
