package codec

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of a sealed payload. The key ID and the binding are in clear: the
// opener needs them to pick the key and rebuild the authenticated data, and the
// binding tells the codec endpoint whose process a payload belongs to.
const (
	// EncodingSealed is the encoding of a sealed payload, as Temporal's samples
	// name encrypted payloads.
	EncodingSealed = "binary/encrypted"
	MetaKeyID      = "encryption-key-id"
	MetaNamespace  = "tandem-namespace"
	MetaWorkflowID = "tandem-workflow-id"
)

var (
	// ErrClear is a payload that was not sealed: it did not come from a holder of
	// the key, so a strict codec refuses it.
	ErrClear = errors.New("the payload is not sealed by Tandem: it was not sent through Tandem")
	// ErrUnknownKey is a payload sealed with a key not in the ring.
	ErrUnknownKey = errors.New("the payload is sealed with a key this keyring does not hold")
	// ErrOtherWorkflow is a sealed payload presented to a workflow it was not
	// sealed for: copied from another history.
	ErrOtherWorkflow = errors.New("the payload was sealed for another workflow")
	// ErrTampered is a sealed payload that does not open: changed, truncated, or
	// its metadata altered.
	ErrTampered = errors.New("the sealed payload does not open: it was altered")
)

// Options tune a Codec.
type Options struct {
	// AcceptClear lets Decode pass payloads that were never sealed. Only for
	// histories written before encryption was turned on: with it, a command sent
	// around Tandem decodes again.
	AcceptClear bool
	// Spent, when set, adds up the nanoseconds Encode and Decode take: what
	// sealing costs, which `tandem bench` reports per operation. The work is
	// CPU only (no I/O), so this time is CPU time unless the process was
	// preempted meanwhile.
	Spent *atomic.Int64
}

// Binding is the namespace and workflow a payload is sealed for; empty when it
// was sealed without a serialization context.
type Binding struct {
	Namespace  string
	WorkflowID string
}

// Codec seals and opens payloads. It implements converter.PayloadCodec and
// converter.PayloadCodecWithSerializationContext: the SDK hands it the workflow
// a payload is for, which it binds the payload to.
type Codec struct {
	keys  *Keyring
	opts  Options
	bound Binding
}

// New makes a codec over keys.
func New(keys *Keyring, opts Options) *Codec { return &Codec{keys: keys, opts: opts} }

// WithSerializationContext returns a codec that binds to, and checks against,
// the workflow of sc. Activity payloads bind to the workflow that runs the
// activity.
func (c *Codec) WithSerializationContext(sc converter.SerializationContext) converter.PayloadCodec {
	var b Binding
	switch sc := sc.(type) {
	case converter.WorkflowSerializationContext:
		b = Binding{Namespace: sc.Namespace, WorkflowID: sc.WorkflowID}
	case converter.ActivitySerializationContext:
		b = Binding{Namespace: sc.Namespace, WorkflowID: sc.WorkflowID}
	}
	if b == c.bound {
		return c
	}
	return &Codec{keys: c.keys, opts: c.opts, bound: b}
}

// additionalData is what GCM authenticates besides the ciphertext: the key ID
// and the binding, so neither can be changed, nor the payload moved elsewhere.
func additionalData(keyID string, b Binding) []byte {
	return []byte("tandem payload v1\x00" + keyID + "\x00" + b.Namespace + "\x00" + b.WorkflowID)
}

// Encode seals each payload with the newest key, bound to this codec's workflow.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.opts.Spent != nil {
		defer c.spend(time.Now())
	}
	out := make([]*commonpb.Payload, len(payloads))
	id := c.keys.newest
	aead := c.keys.aeads[id]
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("seal payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("seal payload: %w", err)
		}
		meta := map[string][]byte{
			converter.MetadataEncoding: []byte(EncodingSealed),
			MetaKeyID:                  []byte(id),
		}
		if c.bound.WorkflowID != "" {
			meta[MetaNamespace], meta[MetaWorkflowID] = []byte(c.bound.Namespace), []byte(c.bound.WorkflowID)
		}
		out[i] = &commonpb.Payload{Metadata: meta, Data: aead.Seal(nonce, nonce, plain, additionalData(id, c.bound))}
	}
	return out, nil
}

// Decode opens each sealed payload. A payload sealed for another workflow than
// this codec's, or with an unknown key, or altered, is an error; so is a clear
// payload, unless the codec accepts clear ones.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.opts.Spent != nil {
		defer c.spend(time.Now())
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !Sealed(p) {
			if !c.opts.AcceptClear {
				return nil, ErrClear
			}
			out[i] = p
			continue
		}
		b := BindingOf(p)
		if c.bound.WorkflowID != "" && b != c.bound {
			return nil, ErrOtherWorkflow
		}
		opened, err := c.open(p, b)
		if err != nil {
			return nil, err
		}
		out[i] = opened
	}
	return out, nil
}

// spend adds the time since start to Options.Spent.
func (c *Codec) spend(start time.Time) { c.opts.Spent.Add(int64(time.Since(start))) }

func (c *Codec) open(p *commonpb.Payload, b Binding) (*commonpb.Payload, error) {
	id := string(p.GetMetadata()[MetaKeyID])
	aead, ok := c.keys.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (key %q)", ErrUnknownKey, id)
	}
	data := p.GetData()
	if len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrTampered
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], additionalData(id, b))
	if err != nil {
		return nil, ErrTampered
	}
	var opened commonpb.Payload
	if err := proto.Unmarshal(plain, &opened); err != nil {
		return nil, ErrTampered
	}
	return &opened, nil
}

// Sealed reports whether p is a sealed payload.
func Sealed(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingSealed
}

// BindingOf reads the workflow a sealed payload says it is bound to. It is only
// as true as the payload opens: the binding is authenticated when it is opened.
func BindingOf(p *commonpb.Payload) Binding {
	md := p.GetMetadata()
	return Binding{Namespace: string(md[MetaNamespace]), WorkflowID: string(md[MetaWorkflowID])}
}

// DataConverter is the SDK's default data converter with every payload passed
// through c.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter turns errors into failures whose message and stack trace are
// sealed too (they name people and say why they were refused), with dc, bound
// to the workflow like every other payload.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return failureConverter{
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true}),
		dc:               dc,
	}
}

// failureConverter passes the SDK's serialization context on to its data
// converter, which the default failure converter does not.
type failureConverter struct {
	converter.FailureConverter
	dc converter.DataConverter
}

func (f failureConverter) WithSerializationContext(sc converter.SerializationContext) converter.FailureConverter {
	return FailureConverter(converter.WithDataConverterSerializationContext(f.dc, sc))
}
