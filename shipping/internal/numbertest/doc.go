// Package numbertest holds the end-to-end tests of tracking-number and
// SSCC issue: central allocating ranges, tasks reaching two stations'
// SQLite files, stations issuing concurrently and being SIGKILLed mid-issue.
// They live apart from package shipping so its test binary (and fuzzing)
// does not link central, NATS and the rest.
package numbertest
