// Package temporalclient builds the options of every Temporal client Tandem
// makes (the API's, the worker's, tandem dev's, the end-to-end tests' and the
// bench's): the frontend address and namespace, transport security (TLS,
// mutual TLS, an API key) and the sealing payload codec, so no client talks to
// Temporal in clear by accident. It also exports the SDK's metrics to Prometheus
// (SDKMetrics) and says which pollers of a task queue are live (LivePollers).
//
// It imports the Temporal SDK client, Prometheus's client and the codec
// package; nothing of Tandem's domain.
package temporalclient
