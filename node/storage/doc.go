// Package storage declares the Logos Storage–compatible storage layer of
// the node: block and manifest stores, their errors and the invariants
// every implementation keeps. Implementations live in sub-packages
// (node/storage/pebblestore); formats in node/storage/cids and
// node/storage/manifest; the upload pipeline in node/storage/dataset.
package storage
