// Package restapi holds the JSON shapes of the Logos Storage REST API, as
// logos-storage-nim writes them, shared by the server (httpapi) and the
// client (client) so the two cannot drift apart.
package restapi

// Manifest is the manifest object of the API's JSON responses.
type Manifest struct {
	TreeCID     string `json:"treeCid"`
	DatasetSize uint64 `json:"datasetSize"`
	BlockSize   uint32 `json:"blockSize"`
	Protected   bool   `json:"protected"`
	Filename    string `json:"filename,omitempty"`
	Mimetype    string `json:"mimetype,omitempty"`
	// ECK, ECM, OriginalTreeCID and OriginalDatasetSize are set for
	// erasure-coded manifests only.
	ECK                 uint32 `json:"ecK,omitempty"`
	ECM                 uint32 `json:"ecM,omitempty"`
	OriginalTreeCID     string `json:"originalTreeCid,omitempty"`
	OriginalDatasetSize uint64 `json:"originalDatasetSize,omitempty"`
}

// Dataset is one entry of GET /data: a manifest CID and its manifest.
type Dataset struct {
	CID      string   `json:"cid"`
	Manifest Manifest `json:"manifest"`
}

// DatasetList is the body of GET /data.
type DatasetList struct {
	Content []Dataset `json:"content"`
}
