// Package appliance makes a box an appliance: it is what the cairn binary
// does when it runs as PID 1 of a Cairn image. [Run] does the init duties
// in order, each in its own package, then supervises the node:
//
//   - pid1: mount /proc, /sys, /dev, /dev/pts, /run, /tmp and cgroup2; turn
//     Ctrl-Alt-Del into SIGINT; reap orphans. Required.
//   - kmod: load the modules named in /etc/modules.list. Best-effort: the
//     steps below say what is missing.
//   - watchdog: feed /dev/watchdog when the board has one. Best-effort.
//   - datadisk: mount the GPT partition labelled cairn-data at /data
//     (required: the node never runs on storage that would vanish), then
//     grow it and its ext4 to the end of the disk when the image was
//     flashed onto a larger medium (best-effort).
//   - netup: hostname, loopback, DHCPv4 (and DHCPv6 beside it) on every
//     wired link, static fallback from the kernel command line.
//     Best-effort, and in the background while the node starts: it
//     listens on every address.
//   - timesync: once the network is up, step the clock by SNTP
//     (cairn.ntp=HOST,… on the kernel command line; pool.ntp.org by
//     default). Best-effort.
//   - powerbutton: watch /dev/input for the power button (ACPI or
//     gpio-keys). Best-effort.
//   - supervise: run "cairn run --data-dir /data/cairn --api-addr
//     0.0.0.0:8080" as a child, restart it with back-off, keep its output in
//     a ring buffer and copy it to the console.
//   - mdns: beside the node, answer for <hostname>.local and announce
//     the node's API as "Cairn on <hostname>" (_http._tcp) on every up
//     interface, again when its addresses change; goodbye at shutdown.
//     Best-effort.
//
// # Why the node is a child process
//
// PID 1 re-executes its own binary (/proc/self/exe run …) instead of
// running the node in-process. A panic, a fatal runtime error or the OOM
// killer then ends only the child: were PID 1 to exit, the kernel would
// panic. And every restart is clean: the kernel releases the old node's
// files, sockets, memory and the flock on its data directory, which no
// in-process restart could promise with goroutines still running. The
// child gets its own process group, so stopping it also stops anything it
// started. The cost is a second Go runtime in memory; the initramfs stays
// one binary.
//
// # Shutdown
//
// SIGINT (Ctrl-Alt-Del) and SIGTERM reboot; SIGUSR2 and the power button
// power off. Either way the node gets SIGTERM and 10 s to stop, then /data
// is synced and unmounted.
//
// A/B updates and the dashboard come later (issue 5).
package appliance
