package disk

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/diskfs/go-diskfs/partition/gpt"
)

// MBR partition types of a hybrid MBR.
const (
	// MBRTypeFAT32LBA marks the boot partition for firmware that reads
	// only the MBR (the Raspberry Pi's): FAT32 with LBA addressing.
	MBRTypeFAT32LBA = 0x0c
	// MBRTypeGPTProtective covers the GPT itself, so that Linux, which
	// prefers the GPT when the MBR has such an entry, still reads the
	// partition names (the data partition is found by its name).
	MBRTypeGPTProtective = 0xee

	mbrEntries   = 446 // offset of the four 16-byte partition entries
	mbrSignature = 510 // offset of 0x55 0xAA
)

// MakeHybridMBR turns the protective MBR of an image written by Write into
// a hybrid one: entry 1 is the ESP as a FAT32 LBA partition, entry 2 the
// GPT protective partition over the sectors before it. The Raspberry Pi
// firmware boots from the first FAT partition of the MBR (its GPT support
// on SD cards is unreliable), while Linux keeps using the GPT. f must hold
// an image laid out by l.
func MakeHybridMBR(f interface {
	io.ReaderAt
	io.WriterAt
}, l Layout) error {
	var mbr [sector]byte
	if _, err := f.ReadAt(mbr[:], 0); err != nil {
		return fmt.Errorf("disk: read the MBR: %w", err)
	}
	if mbr[mbrSignature] != 0x55 || mbr[mbrSignature+1] != 0xaa || mbr[mbrEntries+4] != MBRTypeGPTProtective {
		return fmt.Errorf("disk: sector 0 is not the protective MBR of a GPT image; write the image with disk.Write first")
	}
	var esp *gpt.Partition
	for _, p := range l.Table().Partitions {
		if p.Type == gpt.EFISystemPartition {
			esp = p
			break
		}
	}
	if esp == nil {
		return fmt.Errorf("disk: the layout has no EFI system partition to expose in the MBR")
	}
	clear(mbr[mbrEntries:mbrSignature])
	putEntry(mbr[mbrEntries:], MBRTypeFAT32LBA, uint32(esp.Start), uint32(esp.End-esp.Start+1))
	putEntry(mbr[mbrEntries+16:], MBRTypeGPTProtective, 1, uint32(esp.Start-1))
	if _, err := f.WriteAt(mbr[:], 0); err != nil {
		return fmt.Errorf("disk: write the hybrid MBR: %w", err)
	}
	return nil
}

// putEntry writes one MBR partition entry addressed by LBA only (the CHS
// fields hold the "beyond CHS" marker).
func putEntry(e []byte, typ byte, start, sectors uint32) {
	e[0] = 0x00 // not marked active: the Pi firmware ignores the flag
	copy(e[1:4], []byte{0xfe, 0xff, 0xff})
	e[4] = typ
	copy(e[5:8], []byte{0xfe, 0xff, 0xff})
	binary.LittleEndian.PutUint32(e[8:12], start)
	binary.LittleEndian.PutUint32(e[12:16], sectors)
}
