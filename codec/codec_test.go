package codec

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

func ring(t *testing.T, ids ...string) *Keyring {
	t.Helper()
	var lines []string
	for _, id := range ids {
		e, err := NewKeyEntry(id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, e)
	}
	k, err := ParseKeys(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func forWorkflow(c *Codec, wid string) converter.PayloadCodec {
	return c.WithSerializationContext(converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: wid})
}

func TestSealedPayloadHidesItsContentAndOpensForItsWorkflow(t *testing.T) {
	c := New(ring(t, "k1"), Options{})
	secret := map[string]any{"offer_amount": 95000, "comment": "strong hire, says Maya"}
	sealed, err := forWorkflow(c, "hiring/hir_1").Encode([]*commonpb.Payload{payload(t, secret)})
	if err != nil {
		t.Fatal(err)
	}
	p := sealed[0]
	if !Sealed(p) || string(p.Metadata[MetaKeyID]) != "k1" {
		t.Fatalf("metadata %v: want sealed with k1", p.Metadata)
	}
	for _, clear := range []string{"offer_amount", "95000", "Maya", "json/plain"} {
		if strings.Contains(string(p.Data), clear) || strings.Contains(p.String(), clear) {
			t.Errorf("sealed payload shows %q", clear)
		}
	}
	if b := BindingOf(p); b != (Binding{"default", "hiring/hir_1"}) {
		t.Errorf("binding %+v", b)
	}
	opened, err := forWorkflow(c, "hiring/hir_1").Decode(sealed)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := converter.GetDefaultDataConverter().FromPayload(opened[0], &got); err != nil {
		t.Fatal(err)
	}
	if got["comment"] != secret["comment"] {
		t.Errorf("opened %v", got)
	}
	// Without a context (the codec endpoint) it opens too: the binding is read
	// from the payload and authenticated by opening it.
	if _, err := c.Decode(sealed); err != nil {
		t.Errorf("decode without context: %v", err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	c := New(ring(t, "k1"), Options{})
	sealed, err := forWorkflow(c, "campaign/cmp_a").Encode([]*commonpb.Payload{payload(t, "cancel: budget cut")})
	if err != nil {
		t.Fatal(err)
	}
	retarget := func(p *commonpb.Payload, wid string) *commonpb.Payload {
		q := &commonpb.Payload{Metadata: map[string][]byte{}, Data: p.Data}
		for k, v := range p.Metadata {
			q.Metadata[k] = v
		}
		q.Metadata[MetaWorkflowID] = []byte(wid)
		return q
	}
	flipped := &commonpb.Payload{Metadata: sealed[0].Metadata, Data: append([]byte(nil), sealed[0].Data...)}
	flipped.Data[len(flipped.Data)-1] ^= 1

	for _, tc := range []struct {
		name    string
		codec   converter.PayloadCodec
		payload *commonpb.Payload
		want    error
	}{
		{"a clear payload (a command sent around Tandem)", forWorkflow(c, "campaign/cmp_a"), payload(t, "forged"), ErrClear},
		{"a clear payload, without context", c, payload(t, "forged"), ErrClear},
		{"a payload copied into another workflow's command", forWorkflow(c, "campaign/cmp_b"), sealed[0], ErrOtherWorkflow},
		{"a copied payload whose binding was rewritten", forWorkflow(c, "campaign/cmp_b"), retarget(sealed[0], "campaign/cmp_b"), ErrTampered},
		{"a flipped bit", forWorkflow(c, "campaign/cmp_a"), flipped, ErrTampered},
		{"a key the ring does not hold", New(ring(t, "k2"), Options{}), sealed[0], ErrUnknownKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.codec.Decode([]*commonpb.Payload{tc.payload})
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAcceptClearPassesClearPayloadsOnly(t *testing.T) {
	c := New(ring(t, "k1"), Options{AcceptClear: true})
	clear := payload(t, "from before encryption")
	got, err := forWorkflow(c, "risk/rsk_1").Decode([]*commonpb.Payload{clear})
	if err != nil || got[0] != clear {
		t.Fatalf("clear payload: %v", err)
	}
	sealed, _ := forWorkflow(c, "risk/rsk_1").Encode([]*commonpb.Payload{payload(t, 1)})
	if _, err := forWorkflow(c, "risk/rsk_2").Decode(sealed); !errors.Is(err, ErrOtherWorkflow) {
		t.Errorf("accepting clear payloads must not accept moved sealed ones: %v", err)
	}
}

func TestRotationSealsWithNewestAndOpensWithAny(t *testing.T) {
	old := "k1 " + strings.Repeat("A", 43) + "="
	newer := "k2 " + strings.Repeat("B", 43) + "="
	before, err := ParseKeys(old)
	if err != nil {
		t.Fatal(err)
	}
	after, err := ParseKeys("# rotated, newest last\n" + old + "\n\n" + newer + "\n")
	if err != nil {
		t.Fatal(err)
	}
	sealedOld, _ := New(before, Options{}).Encode([]*commonpb.Payload{payload(t, "old")})
	c := New(after, Options{})
	if _, err := c.Decode(sealedOld); err != nil {
		t.Errorf("an old payload must open after rotation: %v", err)
	}
	sealedNew, _ := c.Encode([]*commonpb.Payload{payload(t, "new")})
	if id := string(sealedNew[0].Metadata[MetaKeyID]); id != "k2" {
		t.Errorf("sealed with %s, want the newest key k2", id)
	}
}

func TestParseKeysErrorsNeverQuoteKeyMaterial(t *testing.T) {
	material := strings.Repeat("Q", 40) // valid base64 of the wrong length
	for _, text := range []string{
		"", "# only a comment\n", "k1", "k1 " + material, "bad/id " + material,
		"k1 " + strings.Repeat("A", 43) + "=,k1 " + strings.Repeat("B", 43) + "=",
	} {
		_, err := ParseKeys(text)
		if err == nil {
			t.Errorf("%q: want an error", text)
			continue
		}
		if strings.Contains(err.Error(), material) || strings.Contains(err.Error(), "AAAA") {
			t.Errorf("error quotes key material: %v", err)
		}
	}
}

func TestFailuresAreSealed(t *testing.T) {
	dc := DataConverter(New(ring(t, "k1"), Options{}))
	fc := FailureConverter(dc)
	f := fc.ErrorToFailure(temporal.NewApplicationError("pat may not approve his own brief", "forbidden"))
	if strings.Contains(f.String(), "pat may not") {
		t.Fatalf("failure shows its message in clear: %v", f)
	}
	err := fc.FailureToError(f)
	if !strings.Contains(err.Error(), "pat may not approve his own brief") {
		t.Errorf("decoded failure: %v", err)
	}
}

// Options.Spent adds up the time sealing and opening take, through the
// serialization contexts the SDK makes, so the bench can report it.
func TestSpentCountsSealingAndOpening(t *testing.T) {
	var spent atomic.Int64
	c := New(ring(t, "k1"), Options{Spent: &spent})
	bound := forWorkflow(c, "campaign/cmp_1")
	sealed, err := bound.Encode([]*commonpb.Payload{payload(t, strings.Repeat("x", 1<<16))})
	if err != nil {
		t.Fatal(err)
	}
	afterSeal := spent.Load()
	if afterSeal <= 0 {
		t.Fatalf("spent %d after sealing 64 KiB, want more than 0", afterSeal)
	}
	if _, err := bound.Decode(sealed); err != nil {
		t.Fatal(err)
	}
	if spent.Load() <= afterSeal {
		t.Errorf("spent %d after opening, %d before: opening was not counted", spent.Load(), afterSeal)
	}
}
