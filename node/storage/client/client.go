// Package client is a Go client of the Logos Storage REST API that a Cairn
// node (or a logos-storage-nim node) serves: upload, download, list,
// delete and space. The CLI's `cairn storage` commands use it.
//
//	c := client.New("http://127.0.0.1:8080", "")
//	cid, err := c.Upload(ctx, file, client.UploadOptions{Filename: "a.bin"})
//	err = c.Download(ctx, cid, out)
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/restapi"
)

// DefaultPrefix is the API prefix of Logos Storage 2026 nodes.
const DefaultPrefix = "/api/storage/v1"

// Client talks to one node. It is safe for concurrent use.
type Client struct {
	root string // scheme://host:port
	base string // root + prefix
	http *http.Client
}

// New returns a client of the node at baseURL ("http://127.0.0.1:8080",
// or a bare "127.0.0.1:8080"), under prefix ("" means DefaultPrefix).
func New(baseURL, prefix string) *Client {
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	if prefix == "" {
		prefix = DefaultPrefix
	}
	root := strings.TrimRight(baseURL, "/")
	return &Client{root: root, base: root + prefix, http: &http.Client{}}
}

// BaseURL returns scheme://host:port of the node, without the API prefix.
func (c *Client) BaseURL() string { return c.root }

// Error is an error response of the API.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Message is the server's error text.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("storage API: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader, hdr http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("storage API %s %s: %w", method, path, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("storage API %s %s: %w (is the node running? start it with `cairn run`)", method, path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct{ Error string }
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return nil, &Error{Status: resp.StatusCode, Message: msg}
	}
	return resp, nil
}

// UploadOptions are the optional parts of an upload.
type UploadOptions struct {
	// Filename and Mimetype are recorded in the manifest.
	Filename, Mimetype string
	// BlockSize is the block size (0: the node's default, 64 KiB).
	BlockSize int
	// ECK and ECM, when ECK > 0, erasure-code the upload with K data and
	// M parity blocks per codeword; Upload then returns the protected
	// manifest CID.
	ECK, ECM int
}

// Upload streams r to the node and returns the manifest CID.
func (c *Client) Upload(ctx context.Context, r io.Reader, opt UploadOptions) (string, error) {
	hdr := http.Header{}
	if opt.Mimetype != "" {
		hdr.Set("Content-Type", opt.Mimetype)
	}
	if opt.Filename != "" {
		hdr.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": opt.Filename}))
	}
	q := url.Values{}
	if opt.BlockSize != 0 {
		q.Set("blockSize", fmt.Sprint(opt.BlockSize))
	}
	if opt.ECK > 0 {
		q.Set("ec", fmt.Sprintf("%d,%d", opt.ECK, opt.ECM))
	}
	path := "/data"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.do(ctx, http.MethodPost, path, r, hdr)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("storage API upload: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Download opens dataset (or block) cid. The caller reads and closes the
// body; size is the Content-Length (-1 when unknown).
func (c *Client) Download(ctx context.Context, cid string) (body io.ReadCloser, size int64, err error) {
	resp, err := c.do(ctx, http.MethodGet, "/data/"+url.PathEscape(cid), nil, nil)
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

// Dataset is one entry of List (see package restapi).
type Dataset = restapi.Dataset

// List returns the node's local datasets.
func (c *Client) List(ctx context.Context) ([]Dataset, error) {
	var out restapi.DatasetList
	return out.Content, c.getJSON(ctx, "/data", &out)
}

// Space is the node's quota summary (GET /space).
type Space = storage.Space

// Space returns the node's quota summary.
func (c *Client) Space(ctx context.Context) (Space, error) {
	var s Space
	return s, c.getJSON(ctx, "/space", &s)
}

// Delete removes dataset (or block) cid from the node.
func (c *Client) Delete(ctx context.Context, cid string) error {
	resp, err := c.do(ctx, http.MethodDelete, "/data/"+url.PathEscape(cid), nil, nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("storage API GET %s: bad JSON: %w", path, err)
	}
	return nil
}
