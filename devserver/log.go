package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts an slog.Logger to Temporal's logger. Temporal logs a great
// deal at info level even when idle, so only warnings and errors get through.
type slogLogger struct {
	l     *slog.Logger
	muted *atomic.Bool
}

var (
	_ log.Logger      = slogLogger{}
	_ log.WithLogger  = slogLogger{}
	_ log.SLogWrapper = slogLogger{}
)

func newLogger(l *slog.Logger) slogLogger {
	return slogLogger{
		l:     slog.New(minLevelHandler{Handler: l.Handler(), min: slog.LevelWarn}),
		muted: new(atomic.Bool),
	}
}

func (s slogLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// DPanic only panics in Temporal's development mode.
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

func (s slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal panics rather than exiting as Temporal's zap logger does: the process also
// runs Tandem's API and worker, and Start recovers the panics raised while starting
// (a port taken, say) into an error. Temporal's code does not continue after a
// fatal log, so returning normally is not an option.
func (s slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(fmt.Sprint(msg, attrs(tags)))
}

func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	args := make([]any, len(tags))
	for i, a := range attrs(tags) {
		args[i] = a
	}
	return slogLogger{l: s.l.With(args...), muted: s.muted}
}

// SLog lets Temporal components that log through slog reach the same logger.
func (s slogLogger) SLog() *slog.Logger { return s.l }

func (s slogLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	// The frontend warns at every start that Nexus needs its HTTP port; Tandem
	// uses neither.
	if s.muted.Load() || !s.l.Enabled(ctx, level) || strings.HasPrefix(msg, "HTTP API port has not been set") {
		return
	}
	s.l.LogAttrs(ctx, level, msg, attrs(tags)...)
}

func attrs(tags []tag.Tag) []slog.Attr {
	out := make([]slog.Attr, len(tags))
	for i, t := range tags {
		out[i] = slog.Any(t.Key(), t.Value())
	}
	return out
}

type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.Handler.Enabled(ctx, level)
}

func (h minLevelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}
