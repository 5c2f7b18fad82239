package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus series of the storage API.
type metrics struct {
	uploads        *prometheus.CounterVec // by result: ok, error
	uploadBytes    prometheus.Counter
	uploadSeconds  prometheus.Histogram
	downloads      *prometheus.CounterVec // by result
	downloadBytes  prometheus.Counter
	blocksUploaded prometheus.Counter
}

// newMetrics creates the series and registers them with reg (nil: not
// registered, still counted).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_storage_uploads_total", Help: "Dataset uploads through the REST API, by result (ok, error).",
		}, []string{"result"}),
		uploadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_storage_upload_bytes_total", Help: "Bytes of datasets stored through the REST API.",
		}),
		uploadSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cairn_storage_upload_seconds", Help: "Time from the start of an upload to its commit.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 9),
		}),
		downloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_storage_downloads_total", Help: "Dataset and block downloads through the REST API, by result (ok, error).",
		}, []string{"result"}),
		downloadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_storage_download_bytes_total", Help: "Bytes served by REST downloads.",
		}),
		blocksUploaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cairn_storage_upload_blocks_total", Help: "Blocks hashed and staged by REST uploads.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.uploads, m.uploadBytes, m.uploadSeconds, m.downloads, m.downloadBytes, m.blocksUploaded)
	}
	return m
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
