// Package bench holds the benchmarks behind `make bench`. They start the
// local stack (embedded emulators, and moto_server when installed), drive it
// over HTTP like a client, and report ratios measured in one run, so that a
// noisy machine moves both sides of each ratio alike.
package bench
