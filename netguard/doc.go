// Package netguard decides which network destinations Tandem may connect to on a
// user's behalf: today, webhook receivers. A URL someone subscribes must not
// reach the inside (loopback, private networks, the cloud metadata address and
// the like) unless an operator allowed it, and that is checked twice with the
// same function: when the URL is subscribed (the API) and when each delivery
// dials it (the worker), so a host name that resolves elsewhere later (DNS
// rebinding) is caught.
//
// It is a leaf package apart from domain because it resolves names and dials,
// which domain must not do, and both api and activities need it: it imports the
// standard library only, and nothing of Tandem.
package netguard
