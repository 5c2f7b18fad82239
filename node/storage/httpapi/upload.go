package httpapi

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/ec"
)

// Limits of the manifest's optional strings (Logos Storage 2026).
const (
	maxFilename = 255
	maxMimetype = 128
)

// upload stores the request body as a dataset and answers its manifest CID.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	mc, size, err := s.storeUpload(r)
	s.metrics.uploads.WithLabelValues(result(err)).Inc()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.uploadBytes.Add(float64(size))
	s.metrics.uploadSeconds.Observe(time.Since(start).Seconds())
	s.announce(mc)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, cids.String(mc))
}

// store1 stores the body of upload request r as one dataset and returns
// its manifest CID and size.
func (s *Server) storeUpload(r *http.Request) (cid.Cid, uint64, error) {
	filename, mimetype, blockSize, err := uploadParams(r)
	if err != nil {
		return cid.Undef, 0, err
	}
	ecK, ecM, err := ecParam(r)
	if err != nil {
		return cid.Undef, 0, err
	}
	ctx := r.Context()
	im, err := dataset.Import(ctx, s.store, r.Body, dataset.ImportOptions{
		Options:  dataset.Options{Hasher: s.hasher, BlockSize: blockSize},
		Filename: filename, Mimetype: mimetype,
		Check: func(res *dataset.Result) error {
			s.metrics.blocksUploaded.Add(float64(len(res.Digests)))
			if ecK == 0 {
				return nil
			}
			// Check the code against the block count before anything is
			// committed, so a refused request stores nothing.
			_, err := ec.NewGeometry(len(res.Digests), ecK, ecM)
			return err
		},
	})
	if err != nil {
		return cid.Undef, 0, err
	}
	mc, res := im.ManifestCID, im.Result
	s.log.Info("stored dataset", "manifest", cids.String(mc), "bytes", res.Size, "blocks", len(res.Digests))
	if ecK == 0 {
		return mc, res.Size, nil
	}
	pc, err := ec.Encode(ctx, s.store, mc, ecK, ecM, s.ecOptions())
	if err != nil {
		return cid.Undef, 0, fmt.Errorf("erasure-code the upload (K=%d, M=%d): %w", ecK, ecM, err)
	}
	s.log.Info("erasure-coded dataset", "manifest", cids.String(pc), "plain", cids.String(mc), "k", ecK, "m", ecM)
	return pc, res.Size, nil
}

// ecParam reads ?ec=K,M: erasure-code the upload with K data and M parity
// blocks per codeword. Absent gives 0, 0.
func ecParam(r *http.Request) (k, m int, err error) {
	v := r.URL.Query().Get("ec")
	if v == "" {
		return 0, 0, nil
	}
	ks, ms, ok := strings.Cut(v, ",")
	k, kerr := strconv.Atoi(ks)
	m, merr := strconv.Atoi(ms)
	if !ok || kerr != nil || merr != nil || k < 1 || m < 1 {
		return 0, 0, errStatus(http.StatusBadRequest, "ec %q: want K,M with K >= 1 data and M >= 1 parity blocks per codeword, e.g. ec=10,4", v)
	}
	return k, m, nil
}

// uploadParams reads the filename (Content-Disposition), MIME type
// (Content-Type) and ?blockSize= of an upload, as Logos Storage does.
func uploadParams(r *http.Request) (filename, mimetype string, blockSize int, err error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, perr := mime.ParseMediaType(ct)
		if perr != nil || len(mt) > maxMimetype {
			return "", "", 0, errStatus(http.StatusUnprocessableEntity, "Content-Type %q is not a valid MIME type of at most %d bytes", ct, maxMimetype)
		}
		mimetype = mt
	}
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		_, params, perr := mime.ParseMediaType(cd)
		if perr != nil {
			return "", "", 0, errStatus(http.StatusUnprocessableEntity, "Content-Disposition %q: %w", cd, perr)
		}
		filename = params["filename"]
		if len(filename) > maxFilename || !utf8.ValidString(filename) {
			return "", "", 0, errStatus(http.StatusUnprocessableEntity, "filename must be valid UTF-8 of at most %d bytes", maxFilename)
		}
	}
	blockSize = dataset.DefaultBlockSize
	if v := r.URL.Query().Get("blockSize"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || dataset.CheckBlockSize(n) != nil {
			return "", "", 0, errStatus(http.StatusBadRequest, "blockSize %q: want a power of two from %d to %d", v, dataset.MinBlockSize, dataset.MaxBlockSize)
		}
		blockSize = n
	}
	return filename, mimetype, blockSize, nil
}
