// Package pebblestore implements the storage interfaces on pebble.
package pebblestore
