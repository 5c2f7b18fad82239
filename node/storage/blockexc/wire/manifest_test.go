package wire_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
)

func TestManifestRequest(t *testing.T) {
	m := cids.Manifest([]byte("manifest"))
	var buf bytes.Buffer
	if err := wire.WriteManifestRequest(&buf, m); err != nil {
		t.Fatal(err)
	}
	want := cat(u16(uint16(len(m.Bytes()))), m.Bytes())
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteManifestRequest(%s) = %x, want %x", cids.String(m), buf.Bytes(), want)
	}
	got, err := wire.ReadManifestRequest(&buf)
	if err != nil || !got.Equals(m) {
		t.Errorf("ReadManifestRequest(%x) = %v, %v, want %v", want, got, err, m)
	}
}

func TestManifestResponse(t *testing.T) {
	tests := []struct {
		name   string
		status wire.ManifestStatus
		data   []byte
		want   []byte
	}{
		{"found", wire.ManifestFound, []byte{0x0a, 0x01, 0x02}, []byte{4, 0, 0, 0, 0, 0x0a, 0x01, 0x02}},
		{"found, 64 KiB", wire.ManifestFound, bytes.Repeat([]byte{7}, wire.MaxManifestSize), cat(u32(1+wire.MaxManifestSize), []byte{0}, bytes.Repeat([]byte{7}, wire.MaxManifestSize))},
		{"not found", wire.ManifestNotFound, nil, []byte{1, 0, 0, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := wire.WriteManifestResponse(&buf, tc.status, tc.data); err != nil || !bytes.Equal(buf.Bytes(), tc.want) {
				t.Errorf("WriteManifestResponse(%d, %d bytes) = %.40x…, %v, want %.40x…", tc.status, len(tc.data), buf.Bytes(), err, tc.want)
			}
			st, data, err := wire.ReadManifestResponse(&buf)
			if err != nil || st != tc.status || !bytes.Equal(data, tc.data) {
				t.Errorf("ReadManifestResponse(%.40x…) = %d, %d bytes, %v, want %d, %d bytes", tc.want, st, len(data), err, tc.status, len(tc.data))
			}
		})
	}
}

func TestManifestErrors(t *testing.T) {
	c := cidA.Bytes()
	reqs := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"one byte", []byte{1}, io.ErrUnexpectedEOF},
		{"length 0", u16(0), wire.ErrMalformed},
		{"length 513", u16(513), wire.ErrTooLarge},
		{"CID short", cat(u16(36), c[:10]), io.ErrUnexpectedEOF},
		{"CID invalid", cat(u16(3), []byte{1, 2, 3}), wire.ErrMalformed},
	}
	for _, tc := range reqs {
		if got, err := wire.ReadManifestRequest(bytes.NewReader(tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("ReadManifestRequest(%s: %x) = %v, %v, want %v", tc.name, tc.in, got, err, tc.want)
		}
	}
	resps := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"length 0", u32(0), wire.ErrMalformed},
		{"over 64 KiB", u32(wire.MaxManifestSize + 2), wire.ErrTooLarge},
		{"4 GiB", u32(0xffffffff), wire.ErrTooLarge},
		{"status 2", cat(u32(1), []byte{2}), wire.ErrMalformed},
		{"short", cat(u32(10), []byte{0, 1}), io.ErrUnexpectedEOF},
	}
	for _, tc := range resps {
		if st, data, err := wire.ReadManifestResponse(bytes.NewReader(tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("ReadManifestResponse(%s: %x) = %d, %x, %v, want %v", tc.name, tc.in, st, data, err, tc.want)
		}
	}
	writes := []struct {
		name   string
		status wire.ManifestStatus
		data   []byte
		want   error
	}{
		{"status 2", 2, nil, wire.ErrMalformed},
		{"not found with bytes", wire.ManifestNotFound, []byte{1}, wire.ErrMalformed},
		{"over 64 KiB", wire.ManifestFound, make([]byte, wire.MaxManifestSize+1), wire.ErrTooLarge},
	}
	for _, tc := range writes {
		if err := wire.WriteManifestResponse(io.Discard, tc.status, tc.data); !errors.Is(err, tc.want) {
			t.Errorf("WriteManifestResponse(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}
	big, err := mh.Encode(make([]byte, 600), mh.IDENTITY)
	if err != nil {
		t.Fatal(err)
	}
	reqWrites := []struct {
		name string
		c    cid.Cid
		want error
	}{
		{"undefined CID", cid.Undef, wire.ErrMalformed},
		{"CID over 512 bytes", cid.NewCidV1(0x55, big), wire.ErrTooLarge},
	}
	for _, tc := range reqWrites {
		if err := wire.WriteManifestRequest(io.Discard, tc.c); !errors.Is(err, tc.want) {
			t.Errorf("WriteManifestRequest(%s) = %v, want %v", tc.name, err, tc.want)
		}
	}
}
