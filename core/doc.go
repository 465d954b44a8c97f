// Package core is hookwatch's domain: the types a user edits (Site, Goal,
// Webhook), the types the engine produces (Event, Delivery, Attempt), the
// pure rules that decide what fires and how it is retried, and the
// interfaces that storage and the engine implement.
//
// It imports only the standard library so that every other package can
// depend on it without pulling in a driver or a toolkit.
package core
