// Package appliance makes a box an appliance: the PID-1 duties (mounts,
// network, time, disks, mDNS), supervision of the node, A/B updates and the
// web dashboard. Its packages arrive with the appliance issue; until then a
// Cairn binary runs only as `cairn run` on a Linux host.
package appliance
