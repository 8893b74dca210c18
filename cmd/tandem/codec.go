package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tandemhq/tandem/codec"
)

// runCodec prints a new payload key entry, to append to a key file or to
// $TANDEM_CODEC_KEYS. It goes to stdout only, never to the log.
func runCodec(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "new-key" {
		return errors.New("usage: tandem codec new-key [--id ID]")
	}
	f := newFlags("codec new-key")
	id := f.String("id", "", "key ID (default k<today>, e.g. k20270105)")
	if err := f.Parse(args[1:]); err != nil {
		return err
	}
	entry, err := codec.NewKeyEntry(*id, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, entry)
	return err
}
