// Package codec seals what Tandem writes into Temporal: every payload its clients
// and workers encode (workflow inputs, update and signal arguments, activity
// inputs and results, query answers, failures, summaries) is encrypted with
// AES-256-GCM under the newest key of a keyring, and bound to the namespace and
// workflow it was written for.
//
// Sealing does three things. Whoever reads a history through Temporal's frontend
// or Web UI without the key sees ciphertext. A command sent around Tandem's API
// (the Temporal CLI, a forged Update or signal) cannot be decoded by a worker,
// so the workflow refuses it: only holders of the key can make a payload the
// worker accepts. And a sealed payload copied from one workflow's history into a
// command to another fails to open, because the workflow ID is part of the
// authenticated data.
//
// Keys rotate: each sealed payload names its key ID in clear metadata, new
// payloads use the newest key, and older keys stay in the ring to open what they
// sealed.
//
// The same keyring also seals small secrets kept outside Temporal (Secrets: an
// identity provider's refresh token kept with a board session), under keys
// derived from it for each purpose, so neither kind opens as the other.
//
// It imports the Temporal SDK's converter (with the payloads it works on, their
// proto encoding and the SDK's application errors) and the standard library
// only; the commands wire it into every Temporal client, and the API serves its
// Decode to the Temporal UI behind Tandem's own permission checks.
package codec
