package wire

import (
	"github.com/ipfs/go-cid"
)

// Message is the control message of a TypeControl frame: a want list and
// block presences. Field numbers: 1 wantList, 4 blockPresences.
type Message struct {
	WantList       WantList
	BlockPresences []BlockPresence
}

// WantList asks a peer which blocks it has. Field numbers: 1 entries,
// 2 full.
type WantList struct {
	Entries []Entry
	// Full marks the list as the sender's complete want list.
	Full bool
}

// Address names a block by its dataset tree and leaf index. Field numbers:
// 1 treeCid (binary CID), 2 index.
type Address struct {
	TreeCID cid.Cid
	Index   uint64
}

// WantType is what an Entry asks for; the 2026 protocol knows only WantHave
// (blocks themselves travel as WantBlocks frames).
type WantType int32

// WantHave asks whether the peer has the addressed blocks.
const WantHave WantType = 0

// Entry is one want-list entry. Field numbers 1–7 in declaration order.
type Entry struct {
	Address Address
	// Priority is normalized by the sender; upstream defaults to 1.
	Priority int32
	// Cancel revokes an earlier entry for the same address.
	Cancel   bool
	WantType WantType
	// SendDontHave asks for a DontHave presence when the peer lacks blocks.
	SendDontHave bool
	// RangeCount is the number of consecutive blocks from Address.Index;
	// 0 means the single block.
	RangeCount uint64
	// DownloadID correlates presences with the download that asked.
	DownloadID uint64
}

// PresenceKind says what a BlockPresence reports.
type PresenceKind int32

// The presence kinds.
const (
	DontHave  PresenceKind = 0 // the peer has none of the blocks
	HaveRange PresenceKind = 1 // the peer has the blocks in Ranges
	Complete  PresenceKind = 2 // the peer has the whole dataset
)

// Range is a run of Count blocks from index Start. In a control message its
// field numbers are 1 start, 2 count.
type Range struct {
	Start uint64
	Count uint64
}

// BlockPresence answers an Entry. Field numbers: 1 address, 2 kind,
// 3 ranges, 4 downloadId.
type BlockPresence struct {
	Address    Address
	Kind       PresenceKind
	Ranges     []Range
	DownloadID uint64
}

// EncodeMessage returns the protobuf encoding of m, byte for byte as
// logos-storage-nim writes it: fields in ascending order, every scalar
// written even when zero (the empty Message is 0a 02 10 00). It returns an
// error wrapping ErrTooLarge for more than MaxWantListEntries entries,
// MaxBlockPresences presences or MaxControlSize bytes, and one wrapping
// ErrMalformed for an undefined tree CID or an unknown WantType or
// PresenceKind. m is only read.
func EncodeMessage(m *Message) ([]byte, error) {
	if err := checkMessage(m); err != nil {
		return nil, err
	}
	b := appendMessageField(nil, 1, func(b []byte) []byte {
		for i := range m.WantList.Entries {
			b = appendMessageField(b, 1, m.WantList.Entries[i].appendTo)
		}
		return appendBoolField(b, 2, m.WantList.Full)
	})
	for i := range m.BlockPresences {
		b = appendMessageField(b, 4, m.BlockPresences[i].appendTo)
	}
	if len(b) > MaxControlSize {
		return nil, tooLarge("message of %d bytes, limit %d", len(b), MaxControlSize)
	}
	return b, nil
}

func checkMessage(m *Message) error {
	if n := len(m.WantList.Entries); n > MaxWantListEntries {
		return tooLarge("%d want-list entries, limit %d", n, MaxWantListEntries)
	}
	if n := len(m.BlockPresences); n > MaxBlockPresences {
		return tooLarge("%d block presences, limit %d", n, MaxBlockPresences)
	}
	for i, e := range m.WantList.Entries {
		if !e.Address.TreeCID.Defined() {
			return malformed("entry %d: undefined tree CID", i)
		}
		if e.WantType != WantHave {
			return malformed("entry %d: unknown want type %d", i, e.WantType)
		}
	}
	for i, p := range m.BlockPresences {
		if !p.Address.TreeCID.Defined() {
			return malformed("presence %d: undefined tree CID", i)
		}
		if p.Kind < DontHave || p.Kind > Complete {
			return malformed("presence %d: unknown kind %d", i, p.Kind)
		}
	}
	return nil
}

func (a *Address) appendTo(b []byte) []byte {
	b = appendBytesField(b, 1, a.TreeCID.Bytes())
	return appendUintField(b, 2, a.Index)
}

func (e *Entry) appendTo(b []byte) []byte {
	b = appendMessageField(b, 1, e.Address.appendTo)
	b = appendInt32Field(b, 2, e.Priority)
	b = appendBoolField(b, 3, e.Cancel)
	b = appendInt32Field(b, 4, int32(e.WantType))
	b = appendBoolField(b, 5, e.SendDontHave)
	b = appendUintField(b, 6, e.RangeCount)
	return appendUintField(b, 7, e.DownloadID)
}

func (p *BlockPresence) appendTo(b []byte) []byte {
	b = appendMessageField(b, 1, p.Address.appendTo)
	b = appendInt32Field(b, 2, int32(p.Kind))
	for _, r := range p.Ranges {
		b = appendMessageField(b, 3, func(b []byte) []byte {
			b = appendUintField(b, 1, r.Start)
			return appendUintField(b, 2, r.Count)
		})
	}
	return appendUintField(b, 4, p.DownloadID)
}

// DecodeMessage decodes a control message. Like upstream it skips unknown
// fields, lets a repeated scalar's last value win, merges a repeated
// submessage into the earlier one, reads int32 and enum fields as the low
// 32 bits of the varint and any non-zero bool as true, and fails when a
// required field (all but the repeated ones) is missing. It is stricter than
// upstream in two ways no upstream encoder can notice: a known field with
// the wrong wire type, or an unknown enum value, is an error rather than
// skipped. Errors wrap ErrMalformed, or ErrTooLarge for more than
// MaxWantListEntries entries, MaxBlockPresences presences or a b longer than
// MaxControlSize. The result shares no memory with b.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxControlSize {
		return m, tooLarge("message of %d bytes, limit %d", len(b), MaxControlSize)
	}
	r := pbReader{buf: b, what: "message"}
	var seen uint32
	for r.more() {
		f, wt, err := r.next()
		if err != nil {
			return Message{}, err
		}
		switch f {
		case 1:
			p, err := r.bytesField(f, wt)
			if err != nil {
				return Message{}, err
			}
			if err := decodeWantList(p, &m.WantList); err != nil {
				return Message{}, err
			}
		case 4:
			if len(m.BlockPresences) >= MaxBlockPresences {
				return Message{}, tooLarge("more than %d block presences", MaxBlockPresences)
			}
			p, err := r.bytesField(f, wt)
			if err != nil {
				return Message{}, err
			}
			var bp BlockPresence
			if err := decodePresence(p, &bp); err != nil {
				return Message{}, err
			}
			m.BlockPresences = append(m.BlockPresences, bp)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return Message{}, err
		}
		seen |= 1 << min(f, 31)
	}
	if err := r.required(seen, 1<<1); err != nil {
		return Message{}, err
	}
	return m, nil
}

func decodeWantList(b []byte, wl *WantList) error {
	r := pbReader{buf: b, what: "want list"}
	return r.fields(1<<2, func(f, wt int) (err error) {
		switch f {
		case 1:
			if len(wl.Entries) >= MaxWantListEntries {
				return tooLarge("more than %d want-list entries", MaxWantListEntries)
			}
			var p []byte
			if p, err = r.bytesField(f, wt); err == nil {
				var e Entry
				if err = decodeEntry(p, &e); err == nil {
					wl.Entries = append(wl.Entries, e)
				}
			}
		case 2:
			var v uint64
			v, err = r.varintField(f, wt)
			wl.Full = v != 0
		default:
			err = r.skip(wt)
		}
		return err
	})
}

func decodeAddress(b []byte, a *Address, what string) error {
	r := pbReader{buf: b, what: what}
	return r.fields(1<<1|1<<2, func(f, wt int) (err error) {
		switch f {
		case 1:
			var p []byte
			if p, err = r.bytesField(f, wt); err == nil {
				a.TreeCID, err = castCID(p, what+": tree CID")
			}
		case 2:
			a.Index, err = r.varintField(f, wt)
		default:
			err = r.skip(wt)
		}
		return err
	})
}

func decodeEntry(b []byte, e *Entry) error {
	r := pbReader{buf: b, what: "want-list entry"}
	return r.fields(0xfe, func(f, wt int) (err error) { // fields 1–7
		var v uint64
		switch f {
		case 1:
			var p []byte
			if p, err = r.bytesField(f, wt); err == nil {
				err = decodeAddress(p, &e.Address, "want-list entry address")
			}
		case 2, 3, 4, 5, 6, 7:
			if v, err = r.varintField(f, wt); err != nil {
				return err
			}
			switch f {
			case 2:
				e.Priority = int32(v)
			case 3:
				e.Cancel = v != 0
			case 4:
				if e.WantType = WantType(int32(v)); e.WantType != WantHave {
					err = malformed("want-list entry: unknown want type %d", e.WantType)
				}
			case 5:
				e.SendDontHave = v != 0
			case 6:
				e.RangeCount = v
			case 7:
				e.DownloadID = v
			}
		default:
			err = r.skip(wt)
		}
		return err
	})
}

func decodePresence(b []byte, p *BlockPresence) error {
	r := pbReader{buf: b, what: "block presence"}
	return r.fields(1<<1|1<<2|1<<4, func(f, wt int) (err error) {
		switch f {
		case 1:
			var q []byte
			if q, err = r.bytesField(f, wt); err == nil {
				err = decodeAddress(q, &p.Address, "block presence address")
			}
		case 2:
			var v uint64
			if v, err = r.varintField(f, wt); err == nil {
				if p.Kind = PresenceKind(int32(v)); p.Kind < DontHave || p.Kind > Complete {
					err = malformed("block presence: unknown kind %d", p.Kind)
				}
			}
		case 3:
			var q []byte
			if q, err = r.bytesField(f, wt); err == nil {
				var rg Range
				if err = decodeRange(q, &rg); err == nil {
					p.Ranges = append(p.Ranges, rg)
				}
			}
		case 4:
			p.DownloadID, err = r.varintField(f, wt)
		default:
			err = r.skip(wt)
		}
		return err
	})
}

func decodeRange(b []byte, rg *Range) error {
	r := pbReader{buf: b, what: "range"}
	return r.fields(1<<1|1<<2, func(f, wt int) (err error) {
		switch f {
		case 1:
			rg.Start, err = r.varintField(f, wt)
		case 2:
			rg.Count, err = r.varintField(f, wt)
		default:
			err = r.skip(wt)
		}
		return err
	})
}
